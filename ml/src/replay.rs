//! Replaying part of a run to check a claimed checkpoint.
//!
//! Training is a pure function of (spec, config, data, checkpoint): from checkpoint `i` a
//! verifier recomputes the steps up to checkpoint `i + 1` (a *segment*), or just the next
//! step, and compares. On the worker's backend and machine type the result is bit-exact and
//! the hashes match; elsewhere it must be within ε in the [`crate::tolerance`] metric.
//! `calibrate` measures the honest divergence that ε must cover.

use burn::tensor::Device;
use verity_primitives::{ArchitectureSpec, Hash256};

use crate::checkpoint::Checkpoint;
use crate::data::Dataset;
use crate::tolerance::Divergence;
use crate::train::{TrainConfig, Trainer};
use crate::{Error, Result};

/// Recomputes the run from `from` up to step `to_step`.
pub fn replay(
	spec: &ArchitectureSpec,
	config: TrainConfig,
	data: &Dataset,
	from: &Checkpoint,
	to_step: u64,
	device: &Device,
) -> Result<Checkpoint> {
	if to_step < from.step {
		return Err(Error::Config(format!(
			"cannot replay from step {} back to {to_step}",
			from.step
		)));
	}
	let mut trainer = Trainer::from_checkpoint(spec, config, from, device)?;
	while trainer.step_count() < to_step {
		trainer.train_step(data)?;
	}
	Ok(trainer.checkpoint())
}

/// Recomputes the single step after `from`.
pub fn replay_step(
	spec: &ArchitectureSpec,
	config: TrainConfig,
	data: &Dataset,
	from: &Checkpoint,
	device: &Device,
) -> Result<Checkpoint> {
	replay(spec, config, data, from, from.step.saturating_add(1), device)
}

/// The outcome of checking a claimed checkpoint by replay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
	/// Hash of the replayed checkpoint.
	pub replayed: Hash256,
	/// Hash of the claimed checkpoint.
	pub claimed: Hash256,
	/// Distance of the replay from the claim.
	pub divergence: Divergence,
	/// The tolerance applied.
	pub epsilon: f64,
}

impl Verdict {
	/// Whether the replay reproduced the claim bit for bit.
	pub fn exact(&self) -> bool {
		self.replayed == self.claimed
	}

	/// Whether the claim is accepted: bit-exact, or within ε.
	pub fn accepted(&self) -> bool {
		self.exact() || self.divergence.max() <= self.epsilon
	}
}

/// Replays the segment `from` → `claimed.step` and judges `claimed` with tolerance
/// `epsilon`.
pub fn verify_segment(
	spec: &ArchitectureSpec,
	config: TrainConfig,
	data: &Dataset,
	from: &Checkpoint,
	claimed: &Checkpoint,
	epsilon: f64,
	device: &Device,
) -> Result<Verdict> {
	let replayed = replay(spec, config, data, from, claimed.step, device)?;
	Ok(Verdict {
		replayed: replayed.hash(),
		claimed: claimed.hash(),
		divergence: Divergence::between(&replayed, claimed)?,
		epsilon,
	})
}
