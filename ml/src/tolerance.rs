//! How far apart two sets of tensors are.
//!
//! Floating-point training is bit-exact only on one backend and one machine; two honest
//! workers on different hardware differ by rounding. The metric is the worst tensor's
//! relative L2 distance,
//!
//! ```text
//! d(a, b) = max over tensors t of ||a_t − b_t||₂ / max(||b_t||₂, TINY)
//! ```
//!
//! with `b` the reference (the claimed checkpoint), sums in f64, and [`TINY`] = 1e-12 so an
//! all-zero tensor (fresh optimizer state) compares by absolute distance. Relative per
//! tensor, so a large layer cannot hide a small one; the max, so one bad tensor is enough.
//! A NaN or infinity anywhere makes the distance infinite.

use crate::checkpoint::Checkpoint;
use crate::params::ParamSet;
use crate::{Error, Result};

/// Floor of the reference norm.
pub const TINY: f64 = 1e-12;

/// `d(a, b)` over tensor sets with the same paths and shapes.
pub fn relative_l2(a: &ParamSet, b: &ParamSet) -> Result<f64> {
	if a.len() != b.len() || a.keys().zip(b.keys()).any(|(x, y)| x != y) {
		return Err(Error::Checkpoint("the two tensor sets have different names".into()));
	}
	let mut worst = 0f64;
	for ((path, x), y) in a.iter().zip(b.values()) {
		if x.shape != y.shape {
			return Err(Error::Checkpoint(format!(
				"{path}: shapes {:?} and {:?}",
				x.shape, y.shape
			)));
		}
		let (mut diff, mut norm) = (0f64, 0f64);
		for (u, v) in x.values.iter().zip(&y.values) {
			let d = f64::from(*u) - f64::from(*v);
			diff += d * d;
			norm += f64::from(*v) * f64::from(*v);
		}
		let distance = diff.sqrt() / norm.sqrt().max(TINY);
		worst = if distance.is_finite() { worst.max(distance) } else { f64::INFINITY };
	}
	Ok(worst)
}

/// Distance between a replayed checkpoint and a claimed one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Divergence {
	/// Over the weights.
	pub weights: f64,
	/// Over the optimizer state.
	pub optimizer: f64,
}

impl Divergence {
	/// Distance of `replayed` from `claimed`; the steps must match.
	pub fn between(replayed: &Checkpoint, claimed: &Checkpoint) -> Result<Self> {
		if replayed.step != claimed.step {
			return Err(Error::Checkpoint(format!(
				"comparing step {} with step {}",
				replayed.step, claimed.step
			)));
		}
		Ok(Self {
			weights: relative_l2(&replayed.weights, &claimed.weights)?,
			optimizer: relative_l2(&replayed.optimizer, &claimed.optimizer)?,
		})
	}

	/// The larger of the two.
	pub fn max(&self) -> f64 {
		self.weights.max(self.optimizer)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::params::HostTensor;

	fn one(path: &str, values: Vec<f32>) -> ParamSet {
		ParamSet::from([(path.to_owned(), HostTensor::new(vec![values.len()], values).unwrap())])
	}

	#[test]
	fn relative_distance_is_per_tensor_and_refuses_mismatches() {
		assert_eq!(relative_l2(&one("w", vec![3.0, 4.0]), &one("w", vec![3.0, 4.0])).unwrap(), 0.0);
		let d = relative_l2(&one("w", vec![3.0, 4.5]), &one("w", vec![3.0, 4.0])).unwrap();
		assert!((d - 0.1).abs() < 1e-12);
		let zero = relative_l2(&one("w", vec![0.0]), &one("w", vec![0.0])).unwrap();
		assert_eq!(zero, 0.0);
		assert!(relative_l2(&one("w", vec![f32::NAN]), &one("w", vec![1.0]))
			.unwrap()
			.is_infinite());
		assert!(relative_l2(&one("w", vec![1.0]), &one("v", vec![1.0])).is_err());
		assert!(relative_l2(&one("w", vec![1.0]), &one("w", vec![1.0, 2.0])).is_err());
		let mut two = one("a", vec![1.0]);
		two.extend(one("b", vec![100.0]));
		let mut off = one("a", vec![2.0]);
		off.extend(one("b", vec![100.0]));
		assert_eq!(
			relative_l2(&off, &two).unwrap(),
			1.0,
			"a small tensor is not hidden by a large one"
		);
	}
}
