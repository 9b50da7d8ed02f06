//! Deterministic training.
//!
//! A run is fixed by its [`ArchitectureSpec`], its [`TrainConfig`] (seed, batch size,
//! optimizer) and its dataset. Everything random is derived from the seed by ChaCha20 streams
//! defined in this crate, never from burn's global RNG:
//!
//! - initial weights: see [`crate::model`];
//! - data order: epoch `e` visits the samples in the order of a Fisher–Yates shuffle
//!   (`for i in (1..n).rev() { swap(i, uniform(0..=i)) }`) driven by ChaCha20 keyed with
//!   `blake2b-256(str("verity-ml/order/v1") ‖ u64 seed ‖ u64 e)`; `uniform(0..=i)` draws
//!   `next_u64` values, rejecting those at or above the largest multiple of `i + 1`, and
//!   takes the remainder. Step `s` trains on batch `s mod b` of epoch `s div b`, where
//!   `b = ⌊n / batch_size⌋` (the last partial batch of an epoch is dropped, so every step
//!   sees `batch_size` samples).
//!
//! The batch of a step is therefore a pure function of (seed, step), so a replay from any
//! checkpoint needs nothing but the checkpoint. The loss is the mean cross-entropy of the
//! logits.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor, TensorData};
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use verity_primitives::ArchitectureSpec;

use crate::checkpoint::{Checkpoint, CheckpointLog};
use crate::data::Dataset;
use crate::hash::TaggedHasher;
use crate::model::Model;
use crate::optim::{OptimizerConfig, OptimizerState, StepMapper};
use crate::params::ParamSet;
use crate::{Error, Result};

/// What, besides the architecture and the data, fixes a training run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
	/// Seeds the initial weights and the data order.
	pub seed: u64,
	/// Samples per step.
	pub batch_size: usize,
	/// Optimizer and hyper-parameters.
	pub optimizer: OptimizerConfig,
}

impl TrainConfig {
	/// Checks the configuration.
	pub fn validate(&self) -> Result<()> {
		if self.batch_size == 0 {
			return Err(Error::Config("batch size is zero".into()));
		}
		self.optimizer.validate()
	}
}

/// Uniform in `0..bound` (at least 1) by rejection, without modulo bias.
fn uniform(rng: &mut ChaCha20Rng, bound: u64) -> u64 {
	let bound = bound.max(1);
	// Draws at or above the largest multiple of `bound` that fits in a u64 are rejected.
	let zone = u64::MAX.wrapping_sub(u64::MAX.checked_rem(bound).unwrap_or(0));
	loop {
		let x = rng.next_u64();
		if x < zone {
			return x.checked_rem(bound).unwrap_or(0);
		}
	}
}

/// The order in which epoch `epoch` visits `n` samples (see the module docs).
pub fn epoch_order(seed: u64, epoch: u64, n: usize) -> Vec<usize> {
	let key = TaggedHasher::new("verity-ml/order/v1").u64(seed).u64(epoch).finish();
	let mut rng = ChaCha20Rng::from_seed(key);
	let mut order: Vec<usize> = (0..n).collect();
	for i in (1..n).rev() {
		let j = uniform(&mut rng, (i as u64).saturating_add(1)) as usize;
		order.swap(i, j);
	}
	order
}

/// Steps in one epoch over `n` samples.
pub fn steps_per_epoch(n: usize, batch_size: usize) -> Result<u64> {
	match n.checked_div(batch_size) {
		Some(b) if b > 0 => Ok(b as u64),
		_ => Err(Error::Config(format!("batch size {batch_size} exceeds the {n} samples"))),
	}
}

/// Mean cross-entropy of `logits` against `labels`.
pub fn cross_entropy(logits: Tensor<2>, labels: &[u32], device: &Device) -> Tensor<1> {
	let [batch, classes] = logits.dims();
	let mut one_hot = vec![0f32; batch.saturating_mul(classes)];
	// Labels are checked against the class count before a step; one out of range stays 0.
	for (row, label) in one_hot.chunks_exact_mut(classes.max(1)).zip(labels) {
		if let Some(target) = row.get_mut(*label as usize) {
			*target = 1.0;
		}
	}
	let targets = Tensor::<2>::from_data(TensorData::new(one_hot, [batch, classes]), device);
	log_softmax(logits, 1).mul(targets).sum().neg().div_scalar(batch as f64)
}

/// A model being trained, with its optimizer state and step count.
pub struct Trainer {
	spec: ArchitectureSpec,
	config: TrainConfig,
	model: Model,
	state: OptimizerState,
	step: u64,
	device: Device,
	/// Whether the optimizer steps in host memory ([`crate::backend::computes_on_host`]).
	on_host: bool,
	order: Option<(u64, Vec<usize>)>,
}

impl Trainer {
	/// A fresh run: seeded weights, zero optimizer state, step 0. `device` is a plain
	/// backend device; autodiff is enabled here.
	pub fn new(spec: &ArchitectureSpec, config: TrainConfig, device: &Device) -> Result<Self> {
		let weights = crate::model::initial_params(spec, config.seed)?;
		let state = OptimizerState::zeros(&config.optimizer, &weights, device);
		Self::assemble(spec, config, &weights, state, 0, device)
	}

	/// Resumes a run from a checkpoint.
	pub fn from_checkpoint(
		spec: &ArchitectureSpec,
		config: TrainConfig,
		checkpoint: &Checkpoint,
		device: &Device,
	) -> Result<Self> {
		let state = OptimizerState::from_host(
			&config.optimizer,
			&checkpoint.weights,
			&checkpoint.optimizer,
			device,
		)?;
		Self::assemble(spec, config, &checkpoint.weights, state, checkpoint.step, device)
	}

	fn assemble(
		spec: &ArchitectureSpec,
		config: TrainConfig,
		weights: &ParamSet,
		state: OptimizerState,
		step: u64,
		device: &Device,
	) -> Result<Self> {
		config.validate()?;
		let train_device = device.clone().autodiff();
		let model = Model::build(spec, &train_device)?;
		let model = model.map(&mut RequireGrad).load_params(weights)?;
		Ok(Self {
			spec: spec.clone(),
			config,
			model,
			state,
			step,
			device: device.clone(),
			on_host: crate::backend::computes_on_host(device),
			order: None,
		})
	}

	/// Steps taken so far.
	pub fn step_count(&self) -> u64 {
		self.step
	}

	/// The architecture.
	pub fn spec(&self) -> &ArchitectureSpec {
		&self.spec
	}

	/// The configuration.
	pub fn config(&self) -> &TrainConfig {
		&self.config
	}

	/// The current weights on the host.
	pub fn params(&self) -> ParamSet {
		self.model.params()
	}

	/// The current state as a checkpoint.
	pub fn checkpoint(&self) -> Checkpoint {
		Checkpoint {
			step: self.step,
			weights: self.model.params(),
			optimizer: self.state.to_host(&self.config.optimizer),
		}
	}

	/// The model with the current weights, without autodiff, for inference.
	pub fn inference_model(&self) -> Result<Model> {
		Model::build(&self.spec, &self.device)?.load_params(&self.params())
	}

	/// Sample indices of the batch of the next step.
	pub fn next_batch(&mut self, n: usize) -> Result<Vec<usize>> {
		let per_epoch = steps_per_epoch(n, self.config.batch_size)?;
		// `steps_per_epoch` is at least 1.
		let epoch = self.step.checked_div(per_epoch).unwrap_or(0);
		let batch = self.step.checked_rem(per_epoch).unwrap_or(0) as usize;
		let cached = matches!(&self.order, Some((e, o)) if *e == epoch && o.len() == n);
		if !cached {
			self.order = Some((epoch, epoch_order(self.config.seed, epoch, n)));
		}
		let order = self.order.as_ref().map(|(_, o)| o.as_slice()).unwrap_or_default();
		let bs = self.config.batch_size;
		let start = batch.saturating_mul(bs);
		order
			.get(start..start.saturating_add(bs))
			.map(<[usize]>::to_vec)
			.ok_or_else(|| Error::Config(format!("batch {batch} of {bs} is past the {n} samples")))
	}

	/// Takes one optimizer step; returns the batch's loss (before the step).
	pub fn train_step(&mut self, data: &Dataset) -> Result<f32> {
		let inputs = crate::model::input_len(&self.spec);
		if data.sample_len() != inputs {
			return Err(Error::Shape(format!(
				"the model takes {inputs} features, the dataset has {}",
				data.sample_len()
			)));
		}
		let indices = self.next_batch(data.len())?;
		let (features, labels) = data.gather(&indices)?;
		let classes = self.spec.classes();
		if let Some(bad) = labels.iter().find(|l| **l >= classes) {
			return Err(Error::Shape(format!("label {bad} with {classes} classes")));
		}
		let train_device = self.device.clone().autodiff();
		let x = Tensor::<2>::from_data(
			TensorData::new(features, [indices.len(), inputs]),
			&train_device,
		);
		let logits = self.model.forward(x);
		let loss = cross_entropy(logits, &labels, &train_device);
		let grads = loss.backward();
		let loss_value = loss
			.into_data()
			.convert::<f32>()
			.try_into_vec::<f32>()
			.ok()
			.and_then(|v| v.first().copied());
		let mut mapper = StepMapper {
			config: self.config.optimizer,
			step: self.step,
			grads,
			state: &mut self.state,
			path: Vec::new(),
			error: None,
			on_host: self.on_host,
		};
		// Cloning a module shares its tensors (reference counts), it copies no values.
		self.model = self.model.clone().map(&mut mapper);
		if let Some(error) = mapper.error {
			return Err(error);
		}
		self.step = self.step.saturating_add(1);
		loss_value.ok_or_else(|| Error::Config("the loss could not be read back".into()))
	}

	/// Trains until `until_step`, calling `on_checkpoint` at every multiple of `every` and at
	/// `until_step` (not at the step the trainer starts from).
	pub fn train_until(
		&mut self,
		data: &Dataset,
		until_step: u64,
		every: u64,
		mut on_checkpoint: impl FnMut(&Checkpoint, f32) -> Result<()>,
	) -> Result<()> {
		if every == 0 {
			return Err(Error::Config("checkpoint interval is zero".into()));
		}
		while self.step < until_step {
			let loss = self.train_step(data)?;
			if self.step.is_multiple_of(every) || self.step == until_step {
				on_checkpoint(&self.checkpoint(), loss)?;
			}
		}
		Ok(())
	}
}

/// Marks every parameter as requiring gradients.
struct RequireGrad;

impl burn::module::ModuleMapper for RequireGrad {
	fn map_float<const D: usize>(
		&mut self,
		param: burn::module::Param<Tensor<D>>,
	) -> burn::module::Param<Tensor<D>> {
		param.set_require_grad(true)
	}
}

/// A whole run: trains `steps` steps from the seed, checkpointing at step 0, every `every`
/// steps and at the end. Returns the trainer and the checkpoint log (hashes and Merkle
/// root); `on_checkpoint` sees each checkpoint (e.g. to save it).
pub fn train(
	spec: &ArchitectureSpec,
	config: TrainConfig,
	data: &Dataset,
	steps: u64,
	every: u64,
	device: &Device,
	mut on_checkpoint: impl FnMut(&Checkpoint) -> Result<()>,
) -> Result<(Trainer, CheckpointLog)> {
	data.check_fits(spec)?;
	let mut trainer = Trainer::new(spec, config, device)?;
	let mut log = CheckpointLog::new();
	let first = trainer.checkpoint();
	log.push(&first);
	on_checkpoint(&first)?;
	trainer.train_until(data, steps, every, |c, _| {
		log.push(c);
		on_checkpoint(c)
	})?;
	Ok((trainer, log))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn epoch_order_is_a_seeded_permutation() {
		let a = epoch_order(1, 0, 1000);
		let mut sorted = a.clone();
		sorted.sort_unstable();
		assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
		assert_eq!(a, epoch_order(1, 0, 1000));
		assert_ne!(a, epoch_order(2, 0, 1000));
		assert_ne!(a, epoch_order(1, 1, 1000));
		assert_eq!(epoch_order(1, 0, 0), Vec::<usize>::new());
		assert_eq!(epoch_order(1, 0, 1), vec![0]);
	}

	#[test]
	fn configs_are_validated() {
		let ok = TrainConfig { seed: 0, batch_size: 8, optimizer: OptimizerConfig::adam(1e-3) };
		ok.validate().unwrap();
		assert!(TrainConfig { batch_size: 0, ..ok }.validate().is_err());
		assert!(TrainConfig { optimizer: OptimizerConfig::sgd(0.1, 1.0), ..ok }
			.validate()
			.is_err());
		assert!(TrainConfig { optimizer: OptimizerConfig::sgd(-0.1, 0.9), ..ok }
			.validate()
			.is_err());
		assert!(steps_per_epoch(7, 8).is_err());
		assert_eq!(steps_per_epoch(17, 8).unwrap(), 2);
	}
}
