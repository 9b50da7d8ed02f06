//! Fault injection: a worker that cheats in one named way, to show end to end that the
//! protocol catches it and that the cheat loses.
//!
//! The `--fault` option exists only in builds with the `faults` cargo feature (the
//! end-to-end suite builds one as `verity-worker-faults`); a release build has no way to
//! start a faulty worker by mistake, and every hook below is a no-op in it.
//!
//! | `--fault` | what the worker does |
//! |---|---|
//! | `corrupt-step=N` | perturbs the update of step `N` (the state after step `N − 1` → `N`), in training and in every replay it serves as defender, so its run is consistently wrong from step `N` on |
//! | `skip-steps=A..B` | skips the updates of steps `A..B` (the step count still advances) |
//! | `withhold-checkpoints` | serves no checkpoint or state of its runs |
//! | `lazy-audit` | passes its audits without replaying, vouching for the trainer's leaf |
//! | `silent` | stops answering: no audit, no move in a dispute, no jury vote |

use verity_ml::checkpoint::Checkpoint;

/// The faults this worker plays (none in a release build).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
	/// Perturb the update of this step.
	pub corrupt_step: Option<u64>,
	/// Skip the updates of these steps (`start..end`).
	pub skip_steps: Option<(u64, u64)>,
	/// Serve no checkpoint or state.
	pub withhold_checkpoints: bool,
	/// Pass audits without replaying.
	pub lazy_audit: bool,
	/// Play no audit, dispute move or vote.
	pub silent: bool,
}

impl Faults {
	/// Parses `--fault` values (see the module docs). Only the `faults` build has the option
	/// that passes them.
	#[cfg_attr(not(feature = "faults"), allow(dead_code))]
	pub fn parse(values: &[String]) -> anyhow::Result<Self> {
		let mut faults = Faults::default();
		for value in values {
			match value.split_once('=') {
				Some(("corrupt-step", n)) => {
					let n: u64 = n.parse().map_err(|_| anyhow::anyhow!("corrupt-step={n}"))?;
					anyhow::ensure!(n >= 1, "corrupt-step counts steps from 1");
					faults.corrupt_step = Some(n);
				}
				Some(("skip-steps", range)) => {
					let (a, b) = range
						.split_once("..")
						.and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
						.ok_or_else(|| anyhow::anyhow!("skip-steps={range}: expected A..B"))?;
					anyhow::ensure!(a >= 1 && a < b, "skip-steps={range}: expected 1 ≤ A < B");
					faults.skip_steps = Some((a, b));
				}
				None if value == "withhold-checkpoints" => faults.withhold_checkpoints = true,
				None if value == "lazy-audit" => faults.lazy_audit = true,
				None if value == "silent" => faults.silent = true,
				_ => anyhow::bail!(
					"unknown fault {value:?}: corrupt-step=N, skip-steps=A..B, \
					 withhold-checkpoints, lazy-audit or silent"
				),
			}
		}
		Ok(faults)
	}

	/// Whether any fault is set.
	pub fn any(&self) -> bool {
		*self != Faults::default()
	}

	/// Whether the update of `step` (1-based: the one that produces the state at `step`) is
	/// skipped.
	pub fn skips(&self, step: u64) -> bool {
		self.skip_steps.is_some_and(|(a, b)| (a..b).contains(&step))
	}

	/// Applies the faults to the state a step produced: `after` is the state at `step`.
	/// Returns whether it changed it.
	pub fn corrupt(&self, after: &mut Checkpoint) -> bool {
		if self.corrupt_step != Some(after.step) {
			return false;
		}
		// A perturbation far beyond any ε: 1% of every weight's magnitude, plus an offset
		// so zero weights move too.
		for tensor in after.weights.values_mut() {
			for value in tensor.values.iter_mut() {
				*value += *value * 0.01 + 1e-3;
			}
		}
		true
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parses_every_named_fault_and_refuses_the_rest() {
		let faults = Faults::parse(&[
			"corrupt-step=7".into(),
			"skip-steps=3..5".into(),
			"withhold-checkpoints".into(),
			"lazy-audit".into(),
			"silent".into(),
		])
		.unwrap();
		assert_eq!(faults.corrupt_step, Some(7));
		assert!(faults.skips(3) && faults.skips(4) && !faults.skips(5) && !faults.skips(2));
		assert!(faults.withhold_checkpoints && faults.lazy_audit && faults.silent);
		for bad in ["corrupt-step=0", "skip-steps=5..3", "skip-steps=x", "crash", "silent=1"] {
			assert!(Faults::parse(&[bad.into()]).is_err(), "{bad}");
		}
		assert!(!Faults::parse(&[]).unwrap().any());
	}

	#[test]
	fn corrupts_only_the_named_step() {
		let faults = Faults { corrupt_step: Some(3), ..Faults::default() };
		let tensor = verity_ml::params::HostTensor::new(vec![2], vec![0.5, 0.0]).unwrap();
		let mut state = Checkpoint {
			step: 2,
			weights: [("w".to_owned(), tensor)].into_iter().collect(),
			optimizer: Default::default(),
		};
		let before = state.hash();
		assert!(!faults.corrupt(&mut state));
		assert_eq!(state.hash(), before);
		state.step = 3;
		let honest = state.hash();
		assert!(faults.corrupt(&mut state));
		assert_ne!(state.hash(), honest);
		assert!(!Faults::default().corrupt(&mut state));
	}
}
