//! Parameters on the host, and the canonical hash that names them.
//!
//! A [`ParamSet`] maps each parameter's path (`layers.0.weight`, `conv1.bias`, …: burn's
//! module field names joined by `.`) to its shape and `f32` values. It is the backend-neutral
//! form of a model's weights and of an optimizer's state: checkpoints, replays, the
//! tolerance metric and the safetensors export all work on it.
//!
//! ## Canonical tensor hash (v1)
//!
//! Burn's record bytes depend on burn's version and record settings, so the hash is over
//! an encoding defined here instead. All integers are little-endian; `str(x)` is
//! `u64 len(x) ‖ x` (UTF-8 bytes).
//!
//! ```text
//! hash = blake2b-256(
//!     str(tag)                        // "verity-ml/weights/v1" or "verity-ml/optimizer/v1"
//!     u64 number_of_tensors
//!     for each tensor, by path in ascending byte order:
//!         str(path)                   // e.g. "layers.0.weight"
//!         str(dtype)                  // "F32" (the safetensors name)
//!         u64 rank, then u64 per dimension
//!         u64 byte_length, then the values, row-major (C order), each f32 little-endian
//! )
//! ```
//!
//! The weights hash of a model is this hash with the tag `verity-ml/weights/v1` over its
//! parameters. Shapes are burn's: a linear layer's weight is `[inputs, outputs]` (the
//! transpose of PyTorch's), a convolution's `[filters, channels, kh, kw]`.
//! `scripts/check_safetensors.py` recomputes it in Python from an exported file.

use std::collections::BTreeMap;

use verity_primitives::Hash256;

use crate::hash::TaggedHasher;
use crate::{Error, Result};

/// Tag of the weights hash.
pub const WEIGHTS_TAG: &str = "verity-ml/weights/v1";
/// Tag of the optimizer-state hash.
pub const OPTIMIZER_TAG: &str = "verity-ml/optimizer/v1";

/// One tensor on the host.
#[derive(Clone, Debug, PartialEq)]
pub struct HostTensor {
	/// Dimensions, outermost first.
	pub shape: Vec<usize>,
	/// Values, row-major.
	pub values: Vec<f32>,
}

impl HostTensor {
	/// A tensor, after checking that `values` fills `shape`.
	pub fn new(shape: Vec<usize>, values: Vec<f32>) -> Result<Self> {
		let n = shape.iter().try_fold(1usize, |a, d| a.checked_mul(*d));
		if n != Some(values.len()) {
			return Err(Error::Checkpoint(format!(
				"{} values do not fill shape {shape:?}",
				values.len()
			)));
		}
		Ok(Self { shape, values })
	}

	/// The values as little-endian bytes.
	pub fn le_bytes(&self) -> Vec<u8> {
		self.values.iter().flat_map(|v| v.to_le_bytes()).collect()
	}
}

/// Named tensors, ordered by path.
pub type ParamSet = BTreeMap<String, HostTensor>;

/// The canonical hash of a set of tensors under `tag` (see the module docs).
pub fn tensors_hash(tag: &str, tensors: &ParamSet) -> Hash256 {
	let mut hasher = TaggedHasher::new(tag);
	hasher.u64(tensors.len() as u64);
	for (path, tensor) in tensors {
		hasher.str(path).str("F32").u64(tensor.shape.len() as u64);
		for d in &tensor.shape {
			hasher.u64(*d as u64);
		}
		hasher.u64((tensor.values.len() as u64).saturating_mul(4));
		// Feed in pieces: no second copy of a large tensor.
		let mut buf = [0u8; 4096];
		for chunk in tensor.values.chunks(1024) {
			let filled = chunk.len().saturating_mul(4);
			for (out, v) in buf.chunks_exact_mut(4).zip(chunk) {
				out.copy_from_slice(&v.to_le_bytes());
			}
			hasher.bytes(buf.get(..filled).unwrap_or(&buf));
		}
	}
	hasher.finish()
}

/// The canonical weights hash of a model's parameters.
pub fn weights_hash(params: &ParamSet) -> Hash256 {
	tensors_hash(WEIGHTS_TAG, params)
}

/// Total number of values.
pub fn value_count(params: &ParamSet) -> u64 {
	params.values().map(|t| t.values.len() as u64).sum()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn set(entries: &[(&str, Vec<usize>, Vec<f32>)]) -> ParamSet {
		entries
			.iter()
			.map(|(p, s, v)| (p.to_string(), HostTensor::new(s.clone(), v.clone()).unwrap()))
			.collect()
	}

	#[test]
	fn hash_follows_the_documented_layout() {
		let params = set(&[("b", vec![2], vec![1.0, -2.0]), ("a", vec![1, 1], vec![0.5])]);
		// Built by hand from the layout in the module docs.
		let mut bytes = Vec::new();
		let s = |bytes: &mut Vec<u8>, x: &str| {
			bytes.extend((x.len() as u64).to_le_bytes());
			bytes.extend(x.as_bytes());
		};
		s(&mut bytes, WEIGHTS_TAG);
		bytes.extend(2u64.to_le_bytes());
		for (path, shape, values) in
			[("a", vec![1u64, 1], vec![0.5f32]), ("b", vec![2], vec![1.0, -2.0])]
		{
			s(&mut bytes, path);
			s(&mut bytes, "F32");
			bytes.extend((shape.len() as u64).to_le_bytes());
			shape.iter().for_each(|d| bytes.extend(d.to_le_bytes()));
			bytes.extend(((values.len() * 4) as u64).to_le_bytes());
			values.iter().for_each(|v| bytes.extend(v.to_le_bytes()));
		}
		let expected = blake2b_simd::Params::new().hash_length(32).hash(&bytes);
		assert_eq!(&weights_hash(&params)[..], expected.as_bytes());
	}

	#[test]
	fn hash_sees_values_shapes_names_and_tags() {
		let base = set(&[("w", vec![2, 2], vec![1.0, 2.0, 3.0, 4.0])]);
		let h = weights_hash(&base);
		assert_ne!(h, weights_hash(&set(&[("w", vec![4], vec![1.0, 2.0, 3.0, 4.0])])));
		assert_ne!(h, weights_hash(&set(&[("v", vec![2, 2], vec![1.0, 2.0, 3.0, 4.0])])));
		assert_ne!(h, weights_hash(&set(&[("w", vec![2, 2], vec![1.0, 2.0, 3.0, 4.000001])])));
		assert_ne!(h, tensors_hash(OPTIMIZER_TAG, &base));
		assert!(HostTensor::new(vec![3], vec![1.0]).is_err());
	}
}
