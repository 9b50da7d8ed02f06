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
//!
//! A step splits its batch into shards of [`SHARD_SAMPLES`] samples (the last one may be
//! smaller). Each shard's loss is its summed cross-entropy divided by the whole batch's size,
//! its forward and backward passes run on an autodiff graph of their own, and the step's
//! gradient of a parameter is the shards' gradients added in shard order: `((g₀ + g₁) + g₂)…`.
//! The shards depend on the batch size alone, never on the thread count, so every thread
//! count adds the same values in the same order. They run in parallel, one per thread: a
//! core then works through whole layers, where splitting each operation across cores would
//! cost more in moving data between their caches than it saves on operations this small.

use std::collections::BTreeMap;

use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Gradients, Tensor, TensorData};
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
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

/// Samples per shard of a training step (see the module docs).
pub const SHARD_SAMPLES: usize = 32;

/// Mean cross-entropy of `logits` against `labels`.
pub fn cross_entropy(logits: Tensor<2>, labels: &[u32], device: &Device) -> Tensor<1> {
	let [batch, _] = logits.dims();
	summed_cross_entropy(logits, labels, device).div_scalar(batch as f64)
}

/// Cross-entropy of `logits` against `labels`, summed over the samples.
fn summed_cross_entropy(logits: Tensor<2>, labels: &[u32], device: &Device) -> Tensor<1> {
	let [batch, classes] = logits.dims();
	let mut one_hot = vec![0f32; batch.saturating_mul(classes)];
	// Labels are checked against the class count before a step; one out of range stays 0.
	for (row, label) in one_hot.chunks_exact_mut(classes.max(1)).zip(labels) {
		if let Some(target) = row.get_mut(*label as usize) {
			*target = 1.0;
		}
	}
	let targets = Tensor::<2>::from_data(TensorData::new(one_hot, [batch, classes]), device);
	log_softmax(logits, 1).mul(targets).sum().neg()
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
		let batch = indices.len();
		let shard_len = SHARD_SAMPLES.saturating_mul(inputs).max(1);
		let shards: Vec<(&[f32], &[u32])> =
			features.chunks(shard_len).zip(labels.chunks(SHARD_SAMPLES)).collect();
		let model = &self.model;
		let results: Vec<Result<(f32, BTreeMap<String, Tensor<1>>)>> = shards
			.into_par_iter()
			.map(|(x, y)| shard_gradients(model, x, y, batch, &train_device))
			.collect();
		let mut loss_value = 0f32;
		let mut grads = BTreeMap::new();
		for result in results {
			let (loss, shard_grads) = result?;
			loss_value += loss;
			for (path, grad) in shard_grads {
				let sum = match grads.remove(&path) {
					Some(sum) => Tensor::add(sum, grad),
					None => grad,
				};
				grads.insert(path, sum);
			}
		}
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
		Ok(loss_value)
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

/// One shard of a step: the shard's loss (its summed cross-entropy over `batch`, the whole
/// step's sample count) and each parameter's gradient of it, by path, flattened. The
/// parameters are leaves of a graph of this shard's own, so shards can run on several
/// threads at once (burn merges the graphs that share a node, and would then run them one
/// at a time).
fn shard_gradients(
	model: &Model,
	features: &[f32],
	labels: &[u32],
	batch: usize,
	device: &Device,
) -> Result<(f32, BTreeMap<String, Tensor<1>>)> {
	let model = model.clone().map(&mut FreshLeaves);
	let rows = labels.len();
	let inputs = features.len().checked_div(rows).unwrap_or(0);
	let x = Tensor::<2>::from_data(TensorData::new(features.to_vec(), [rows, inputs]), device);
	let loss = summed_cross_entropy(model.forward(x), labels, device).div_scalar(batch as f64);
	let grads = loss.backward();
	let loss = loss
		.into_data()
		.convert::<f32>()
		.try_into_vec::<f32>()
		.ok()
		.and_then(|v| v.first().copied())
		.ok_or_else(|| Error::Config("the loss could not be read back".into()))?;
	let mut reader = GradientReader { grads, path: Vec::new(), out: BTreeMap::new() };
	model.visit(&mut reader);
	Ok((loss, reader.out))
}

/// Makes every parameter a new leaf (the same values, no history), so that what is computed
/// from it forms a graph of its own.
struct FreshLeaves;

impl burn::module::ModuleMapper for FreshLeaves {
	fn map_float<const D: usize>(
		&mut self,
		param: burn::module::Param<Tensor<D>>,
	) -> burn::module::Param<Tensor<D>> {
		param.map(|tensor| tensor.detach().require_grad())
	}
}

/// Takes each parameter's gradient out of `grads`, flattened, by path.
struct GradientReader {
	grads: Gradients,
	path: Vec<String>,
	out: BTreeMap<String, Tensor<1>>,
}

impl burn::module::ModuleVisitor for GradientReader {
	fn enter_module(&mut self, name: &str, _: &str) {
		self.path.push(name.to_owned());
	}
	fn exit_module(&mut self, _: &str, _: &str) {
		self.path.pop();
	}
	fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
		if let Some(grad) = param.val().grad_remove(&mut self.grads) {
			let n = grad.dims().iter().product::<usize>();
			self.out.insert(self.path.join("."), grad.reshape([n]));
		}
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

	/// The shards' gradients, added up, are the whole batch's gradient and their losses add
	/// up to its mean loss (up to rounding), for a batch that does not divide into whole
	/// shards.
	#[test]
	fn shard_gradients_add_up_to_the_batch_gradient() {
		#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
		for arch in ["mlp:20-16-4:relu", "lenet:1x16x16:3"] {
			let spec = crate::model::parse_spec(arch).unwrap();
			let device = crate::Backend::NdArray.device().unwrap().autodiff();
			let inputs = crate::model::input_len(&spec);
			let model = Model::build(&spec, &device)
				.unwrap()
				.map(&mut RequireGrad)
				.load_params(&crate::model::initial_params(&spec, 5).unwrap())
				.unwrap();
			let batch = 2 * SHARD_SAMPLES + 6;
			let features: Vec<f32> =
				(0..batch * inputs).map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0).collect();
			let labels: Vec<u32> = (0..batch as u32).map(|i| (i * 5 + 1) % 3).collect();

			let x =
				Tensor::<2>::from_data(TensorData::new(features.clone(), [batch, inputs]), &device);
			let loss = cross_entropy(model.forward(x), &labels, &device);
			let mut reader =
				GradientReader { grads: loss.backward(), path: Vec::new(), out: BTreeMap::new() };
			model.visit(&mut reader);
			let whole_loss = loss.into_data().try_to_vec::<f32>().unwrap()[0];

			let mut shard_loss = 0.0;
			let mut sums: BTreeMap<String, Vec<f32>> = BTreeMap::new();
			let shards = features.chunks(SHARD_SAMPLES * inputs).zip(labels.chunks(SHARD_SAMPLES));
			assert_eq!(shards.clone().count(), 3);
			for (x, y) in shards {
				let (loss, grads) = shard_gradients(&model, x, y, batch, &device).unwrap();
				shard_loss += loss;
				for (path, grad) in grads {
					let grad = grad.into_data().try_to_vec::<f32>().unwrap();
					let sum = sums.entry(path).or_insert_with(|| vec![0.0; grad.len()]);
					sum.iter_mut().zip(grad).for_each(|(s, g)| *s += g);
				}
			}
			assert!((shard_loss - whole_loss).abs() < 1e-5, "{arch}: {shard_loss} vs {whole_loss}");
			assert_eq!(sums.len(), reader.out.len(), "{arch}: every parameter has a gradient");
			assert_eq!(sums.len(), crate::model::layout(&spec).unwrap().len());
			for (path, whole) in reader.out {
				let whole = whole.into_data().try_to_vec::<f32>().unwrap();
				let sum = &sums[&path];
				assert!(whole.iter().any(|g| *g != 0.0), "{arch} {path}: zero gradient");
				for (a, b) in sum.iter().zip(&whole) {
					assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{arch} {path}: {a} vs {b}");
				}
			}
		}
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
