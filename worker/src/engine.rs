//! The worker's side of `verity-ml`: a chain job turned into a run ([`TrainPlan`]), trained
//! with checkpoints on disk (resumable), a segment replayed, a model evaluated or run.
//!
//! Everything here is blocking CPU work; the daemon runs it on blocking threads.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use verity_ml::checkpoint::Checkpoint;
use verity_ml::data::Dataset;
use verity_ml::params::{HostTensor, ParamSet};
use verity_ml::{Backend, Model, OptimizerConfig, TrainConfig, Trainer};
use verity_primitives::content::merkle_root;
use verity_primitives::{ArchitectureSpec, ContentHash, DatasetFormat, Hash256};

use crate::fault::Faults;
use crate::store::{read_json, write_atomic, write_json, DataDir};

/// A file a job reads: where it is, what it must hash to, how to read it.
#[derive(Clone, Debug)]
pub struct DataRef {
	/// The listing's URI.
	pub uri: String,
	/// The listing's content hash.
	pub hash: ContentHash,
	/// The listing's format.
	pub format: DatasetFormat,
}

/// Where a training run starts.
#[derive(Clone, Debug)]
pub enum Start {
	/// Weights initialised from the job's seed.
	Fresh,
	/// A registered model's weights (safetensors), fetched and verified.
	FineTune {
		/// Where the weights are.
		uri: String,
		/// The registry's content hash of the weights file.
		hash: ContentHash,
	},
}

/// Everything that decides a training run, as the chain fixed it.
#[derive(Clone, Debug)]
pub struct TrainPlan {
	/// The job.
	pub job: u64,
	/// The architecture.
	pub architecture: ArchitectureSpec,
	/// Where the run starts.
	pub start: Start,
	/// Training datasets, read in order (concatenated).
	pub datasets: Vec<DataRef>,
	/// The validation dataset of the reported metrics.
	pub validation: Option<DataRef>,
	/// Seed, batch size and optimizer.
	pub config: TrainConfig,
	/// Optimizer steps.
	pub steps: u64,
	/// Steps between checkpoints (K).
	pub interval: u64,
	/// The job's tolerance ε.
	pub epsilon: f64,
}

impl TrainPlan {
	/// Checkpoints of the run: `⌈steps / K⌉ + 1` (step 0 included).
	pub fn checkpoints(&self) -> u32 {
		self.steps.div_ceil(self.interval.max(1)) as u32 + 1
	}

	/// The index of the checkpoint at `step` (a multiple of K or the last step).
	pub fn index_of(&self, step: u64) -> u32 {
		step.div_ceil(self.interval.max(1)) as u32
	}

	/// Whether this worker can run the plan at all; checked before any work starts.
	pub fn check_runnable(&self, max_parameters: u64) -> anyhow::Result<()> {
		self.architecture
			.validate()
			.map_err(|e| anyhow::anyhow!("architecture not runnable: {e:?}"))?;
		let params = self
			.architecture
			.parameter_count()
			.map_err(|e| anyhow::anyhow!("architecture not runnable: {e:?}"))?;
		anyhow::ensure!(
			params <= max_parameters,
			"the model has {params} parameters, this worker accepts {max_parameters}"
		);
		anyhow::ensure!(self.interval > 0 && self.steps > 0, "no steps or no checkpoint interval");
		anyhow::ensure!(!self.datasets.is_empty(), "no training dataset");
		self.config.validate()?;
		Ok(())
	}
}

/// The optimizer of a chain job: hyper-parameters in parts per billion, as `f64` exactly
/// (`parts / 1e9` is one correctly rounded division, the same on every machine).
pub fn optimizer_from_chain(kind: OptimizerKind) -> OptimizerConfig {
	let ppb = |parts: u32| f64::from(parts) / 1e9;
	match kind {
		OptimizerKind::Sgd { learning_rate, momentum } => {
			OptimizerConfig::sgd(ppb(learning_rate), ppb(momentum))
		}
		OptimizerKind::Adam { learning_rate, beta1, beta2 } => OptimizerConfig::Adam {
			lr: ppb(learning_rate),
			beta1: ppb(beta1),
			beta2: ppb(beta2),
			epsilon: 1e-8,
		},
	}
}

/// The chain's optimizer, in parts per billion.
#[derive(Clone, Copy, Debug)]
pub enum OptimizerKind {
	/// SGD with momentum.
	Sgd {
		/// Learning rate.
		learning_rate: u32,
		/// Momentum.
		momentum: u32,
	},
	/// Adam.
	Adam {
		/// Learning rate.
		learning_rate: u32,
		/// First-moment decay.
		beta1: u32,
		/// Second-moment decay.
		beta2: u32,
	},
}

/// Loads verified dataset files and concatenates them in order.
pub fn load_datasets(files: &[(PathBuf, DatasetFormat)]) -> anyhow::Result<Dataset> {
	let mut features = Vec::new();
	let mut labels = Vec::new();
	let mut shape: Option<Vec<usize>> = None;
	for (path, format) in files {
		let data = verity_ml::data::load(path, *format)
			.map_err(|e| anyhow::anyhow!("{} cannot be read as {format:?}: {e}", path.display()))?;
		match &shape {
			Some(s) if s.as_slice() != data.sample_shape() => anyhow::bail!(
				"{} has samples of shape {:?}, the datasets before it {s:?}",
				path.display(),
				data.sample_shape()
			),
			_ => shape = Some(data.sample_shape().to_vec()),
		}
		features.extend_from_slice(data.features());
		labels.extend_from_slice(data.labels());
	}
	let shape = shape.ok_or_else(|| anyhow::anyhow!("no dataset"))?;
	Ok(Dataset::new(features, labels, shape)?)
}

/// A run's checkpoint log as served at `/jobs/<job>/checkpoints`: one entry per checkpoint
/// written so far, the mean loss of each segment, and the Merkle root once complete.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunLog {
	/// Checkpoint steps, in order.
	pub steps: Vec<u64>,
	/// Checkpoint hashes (hex), in order.
	pub hashes: Vec<String>,
	/// Mean training loss of each completed segment.
	pub segment_losses: Vec<f32>,
	/// The Merkle root over the checkpoint hashes (hex), once the run is complete.
	pub merkle_root: Option<String>,
}

impl RunLog {
	/// The checkpoint hashes as bytes.
	pub fn leaves(&self) -> anyhow::Result<Vec<Hash256>> {
		self.hashes.iter().map(|h| parse_hash(h)).collect()
	}

	/// The Merkle root over the checkpoint hashes.
	pub fn root(&self) -> anyhow::Result<Hash256> {
		merkle_root(self.leaves()?).ok_or_else(|| anyhow::anyhow!("no checkpoints"))
	}
}

/// Parses a 32-byte hash from hex (with or without `0x`).
pub fn parse_hash(text: &str) -> anyhow::Result<Hash256> {
	let bytes = hex::decode(text.trim_start_matches("0x"))?;
	bytes.try_into().map_err(|_| anyhow::anyhow!("{text} is not a 32-byte hash"))
}

/// What a finished run submits.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunOutcome {
	/// The final weights file (safetensors) bytes' content hash.
	pub weights: ContentHashJson,
	/// The Merkle root over the checkpoint hashes.
	pub checkpoint_root: String,
	/// Number of checkpoints.
	pub checkpoints: u32,
	/// Mean loss of the last segment, in millionths.
	pub final_loss_micros: u32,
	/// Validation samples right.
	pub validation_correct: u32,
	/// Validation samples.
	pub validation_total: u32,
	/// Steps per second of this process's training (resumed runs: of the part it ran).
	pub steps_per_second: f64,
}

/// A content hash in JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContentHashJson {
	/// Merkle root (hex).
	pub root: String,
	/// Size in bytes.
	pub size: u64,
}

impl From<ContentHash> for ContentHashJson {
	fn from(h: ContentHash) -> Self {
		Self { root: hex::encode(h.root), size: h.size }
	}
}

impl ContentHashJson {
	/// Back to the chain type.
	pub fn to_hash(&self) -> anyhow::Result<ContentHash> {
		Ok(ContentHash { root: parse_hash(&self.root)?, size: self.size })
	}
}

/// Progress of a run: called after every step with (step, loss); returning `false` stops
/// the run (it resumes from the last checkpoint next time).
pub type Progress<'a> = &'a mut dyn FnMut(u64, f32) -> bool;

/// Trains `plan` on `data` from the last checkpoint on disk (or from the start), saving
/// every checkpoint atomically before logging it, and writes the final weights into the
/// content store. Resuming replays nothing already checkpointed. `None` if `progress`
/// stopped the run.
#[allow(clippy::too_many_arguments)]
pub fn train(
	plan: &TrainPlan,
	data: &Dataset,
	start_weights: Option<&ParamSet>,
	validation: Option<&Dataset>,
	dir: &DataDir,
	backend: Backend,
	faults: &Faults,
	progress: Progress,
) -> anyhow::Result<Option<(RunOutcome, Vec<u8>)>> {
	data.check_fits(&plan.architecture)?;
	let device = backend.device()?;
	let log_path = dir.checkpoint_log(plan.job);
	let mut log: RunLog = read_json(&log_path)?.unwrap_or_default();
	let mut trainer = match resume_point(plan, dir, &log)? {
		Some(checkpoint) => {
			tracing::info!(job = plan.job, step = checkpoint.step, "resuming from checkpoint");
			Trainer::from_checkpoint(&plan.architecture, plan.config, &checkpoint, &device)?
		}
		None => {
			log = RunLog::default();
			let first = initial_checkpoint(plan, start_weights)?;
			save_checkpoint(plan, dir, &first, &mut log, None, backend)?;
			Trainer::from_checkpoint(&plan.architecture, plan.config, &first, &device)?
		}
	};
	let started = Instant::now();
	let first_step = trainer.step_count();
	let mut segment_loss = 0f64;
	let mut segment_steps = 0u32;
	while trainer.step_count() < plan.steps {
		let loss = advance(&mut trainer, plan, data, faults, backend)?;
		let step = trainer.step_count();
		segment_loss += f64::from(loss);
		segment_steps += 1;
		if step % plan.interval == 0 || step == plan.steps {
			let mean = (segment_loss / f64::from(segment_steps.max(1))) as f32;
			save_checkpoint(plan, dir, &trainer.checkpoint(), &mut log, Some(mean), backend)?;
			segment_loss = 0.0;
			segment_steps = 0;
		}
		if !progress(step, loss) {
			return Ok(None);
		}
	}
	let elapsed = started.elapsed().as_secs_f64();
	let ran = trainer.step_count() - first_step;
	anyhow::ensure!(
		log.hashes.len() == plan.checkpoints() as usize,
		"the run has {} checkpoints, expected {}",
		log.hashes.len(),
		plan.checkpoints()
	);
	let root = log.root()?;
	log.merkle_root = Some(hex::encode(root));
	write_json(&log_path, &log)?;

	let weights = trainer.params();
	let bytes = verity_ml::export::weights_to_safetensors(&plan.architecture, &weights)?;
	let (validation_correct, validation_total) = match validation {
		Some(v) => {
			let model = trainer.inference_model()?;
			let e = verity_ml::infer::evaluate(&model, v, &device)?;
			(e.correct as u32, e.total as u32)
		}
		None => (0, 0),
	};
	let final_loss = log.segment_losses.last().copied().unwrap_or_default();
	let outcome = RunOutcome {
		weights: ContentHash::of(&bytes).into(),
		checkpoint_root: hex::encode(root),
		checkpoints: plan.checkpoints(),
		final_loss_micros: (f64::from(final_loss.max(0.0)) * 1e6).min(f64::from(u32::MAX)) as u32,
		validation_correct,
		validation_total,
		steps_per_second: if elapsed > 0.0 { ran as f64 / elapsed } else { 0.0 },
	};
	Ok(Some((outcome, bytes)))
}

/// Checkpoint 0: the seeded or the base model's weights, zero optimizer state.
pub fn initial_checkpoint(
	plan: &TrainPlan,
	start: Option<&ParamSet>,
) -> anyhow::Result<Checkpoint> {
	let weights = match start {
		Some(w) => w.clone(),
		None => verity_ml::model::initial_params(&plan.architecture, plan.config.seed)?,
	};
	let mut optimizer = ParamSet::new();
	for (path, tensor) in &weights {
		for slot in plan.config.optimizer.slots() {
			let n = tensor.values.len();
			optimizer.insert(format!("{path}/{slot}"), HostTensor::new(vec![n], vec![0.0; n])?);
		}
	}
	Ok(Checkpoint { step: 0, weights, optimizer })
}

/// The last checkpoint recorded in the log whose file is intact, if any.
fn resume_point(
	plan: &TrainPlan,
	dir: &DataDir,
	log: &RunLog,
) -> anyhow::Result<Option<Checkpoint>> {
	let (Some(step), Some(hash)) = (log.steps.last(), log.hashes.last()) else { return Ok(None) };
	let index = plan.index_of(*step);
	let bytes = match std::fs::read(dir.checkpoint(plan.job, index)) {
		Ok(b) => b,
		Err(_) => return Ok(None),
	};
	match Checkpoint::from_bytes(&bytes) {
		Ok((checkpoint, _, _)) if hex::encode(checkpoint.hash()) == *hash => Ok(Some(checkpoint)),
		_ => {
			tracing::warn!(job = plan.job, index, "checkpoint on disk is damaged; starting over");
			Ok(None)
		}
	}
}

fn save_checkpoint(
	plan: &TrainPlan,
	dir: &DataDir,
	checkpoint: &Checkpoint,
	log: &mut RunLog,
	segment_loss: Option<f32>,
	backend: Backend,
) -> anyhow::Result<()> {
	let index = plan.index_of(checkpoint.step);
	let bytes = checkpoint.to_bytes(&plan.architecture, &plan.config, backend)?;
	write_atomic(&dir.checkpoint(plan.job, index), &bytes)?;
	log.steps.push(checkpoint.step);
	log.hashes.push(hex::encode(checkpoint.hash()));
	if let Some(loss) = segment_loss {
		log.segment_losses.push(loss);
	}
	write_json(&dir.checkpoint_log(plan.job), log)
}

/// One step of `plan`'s run, with this worker's faults (none in a release build, where this
/// is `train_step`). Returns the batch's loss (zero for a skipped step).
pub fn advance(
	trainer: &mut Trainer,
	plan: &TrainPlan,
	data: &Dataset,
	faults: &Faults,
	backend: Backend,
) -> anyhow::Result<f32> {
	let next = trainer.step_count().saturating_add(1);
	if faults.skips(next) {
		let mut state = trainer.checkpoint();
		state.step = next;
		*trainer =
			Trainer::from_checkpoint(&plan.architecture, plan.config, &state, &backend.device()?)?;
		return Ok(0.0);
	}
	let loss = trainer.train_step(data)?;
	if faults.corrupt_step == Some(next) {
		let mut state = trainer.checkpoint();
		faults.corrupt(&mut state);
		*trainer =
			Trainer::from_checkpoint(&plan.architecture, plan.config, &state, &backend.device()?)?;
	}
	Ok(loss)
}

/// Runs `plan` from `from` up to `to_step`, with `faults` (pass `Faults::default()` for an
/// honest replay).
pub fn replay_to(
	plan: &TrainPlan,
	data: &Dataset,
	from: &Checkpoint,
	to_step: u64,
	backend: Backend,
	faults: &Faults,
) -> anyhow::Result<Checkpoint> {
	anyhow::ensure!(
		to_step >= from.step,
		"cannot replay from step {} back to {to_step}",
		from.step
	);
	data.check_fits(&plan.architecture)?;
	let device = backend.device()?;
	let mut trainer = Trainer::from_checkpoint(&plan.architecture, plan.config, from, &device)?;
	while trainer.step_count() < to_step {
		advance(&mut trainer, plan, data, faults, backend)?;
	}
	Ok(trainer.checkpoint())
}

/// This worker's own state of its run of `plan` at `step`, as its defender serves it: a
/// checkpoint when `step` is one, else recomputed from the nearest checkpoint before it
/// (with the worker's faults, so a faulty run stays consistently wrong) and kept on disk
/// at [`DataDir::state`] for the HTTP server.
pub fn state_at(
	plan: &TrainPlan,
	data: &Dataset,
	dir: &DataDir,
	step: u64,
	backend: Backend,
	faults: &Faults,
) -> anyhow::Result<Checkpoint> {
	let path = dir.state(plan.job, step);
	if let Ok(bytes) = std::fs::read(&path) {
		if let Ok((state, _, _)) = Checkpoint::from_bytes(&bytes) {
			if state.step == step {
				return Ok(state);
			}
		}
	}
	let log: RunLog = read_json(&dir.checkpoint_log(plan.job))?
		.ok_or_else(|| anyhow::anyhow!("no run of job {} on disk", plan.job))?;
	let (index, _) = log
		.steps
		.iter()
		.enumerate()
		.filter(|(_, s)| **s <= step)
		.max_by_key(|(_, s)| **s)
		.ok_or_else(|| {
			anyhow::anyhow!("job {}: no checkpoint at or before step {step}", plan.job)
		})?;
	let hash =
		log.hashes.get(index).ok_or_else(|| anyhow::anyhow!("the checkpoint log is torn"))?;
	let bytes = std::fs::read(dir.checkpoint(plan.job, index as u32))?;
	let from = checkpoint_with_hash(&bytes, &parse_hash(hash)?)?;
	let state = replay_to(plan, data, &from, step, backend, faults)?;
	write_atomic(&path, &state.to_bytes(&plan.architecture, &plan.config, backend)?)?;
	Ok(state)
}

/// The outcome of an audit's replay.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct AuditVerdict {
	/// Whether the trainer's end-of-segment checkpoint is accepted (bit-exact or within ε).
	pub passed: bool,
	/// Whether the replay reproduced it bit for bit.
	pub exact: bool,
	/// The largest relative L2 distance of a tensor.
	pub divergence: f64,
	/// The hash of the checkpoint the replay ended with.
	pub replayed: Hash256,
}

/// Replays segment `from → claimed` of `plan` and judges `claimed`. The checkpoints'
/// hashes must already have been checked against the trainer's Merkle root.
pub fn audit_segment(
	plan: &TrainPlan,
	data: &Dataset,
	from: &Checkpoint,
	claimed: &Checkpoint,
	backend: Backend,
) -> anyhow::Result<AuditVerdict> {
	data.check_fits(&plan.architecture)?;
	let device = backend.device()?;
	let verdict = verity_ml::replay::verify_segment(
		&plan.architecture,
		plan.config,
		data,
		from,
		claimed,
		plan.epsilon,
		&device,
	)?;
	Ok(AuditVerdict {
		passed: verdict.accepted(),
		exact: verdict.exact(),
		divergence: verdict.divergence.max(),
		replayed: verdict.replayed,
	})
}

/// Reads a checkpoint file and checks that it is the one with hash `expected`.
pub fn checkpoint_with_hash(bytes: &[u8], expected: &Hash256) -> anyhow::Result<Checkpoint> {
	let (checkpoint, _, _) = Checkpoint::from_bytes(bytes)?;
	anyhow::ensure!(
		checkpoint.hash() == *expected,
		"checkpoint hash {} is not the committed {}",
		hex::encode(checkpoint.hash()),
		hex::encode(expected)
	);
	Ok(checkpoint)
}

/// A model from a verified safetensors weights file, checked against the architecture the
/// registry lists for it.
pub fn load_model(path: &Path, architecture: &ArchitectureSpec) -> anyhow::Result<ParamSet> {
	let (spec, weights) = verity_ml::export::import_safetensors(path)?;
	anyhow::ensure!(
		&spec == architecture,
		"the weights file is for {spec:?}, the registry lists {architecture:?}"
	);
	Ok(weights)
}

/// Counts the samples of `data` the model labels right.
pub fn evaluate(
	architecture: &ArchitectureSpec,
	weights: &ParamSet,
	data: &Dataset,
	backend: Backend,
) -> anyhow::Result<(u32, u32)> {
	data.check_fits(architecture)?;
	let device = backend.device()?;
	let model = Model::build(architecture, &device)?.load_params(weights)?;
	let e = verity_ml::infer::evaluate(&model, data, &device)?;
	Ok((e.correct as u32, e.total as u32))
}

/// Reads an inference input: an IDX archive, or a single IDX images file (plain or gzip).
pub fn load_inference_input(path: &Path) -> anyhow::Result<Dataset> {
	if let Ok(data) = verity_ml::data::load(path, DatasetFormat::IdxArchive) {
		return Ok(data);
	}
	let bytes = std::fs::read(path)?;
	let images = verity_ml::data::parse_idx_images(bytes).map_err(|e| {
		anyhow::anyhow!("the input is neither an IDX archive nor an IDX images file: {e}")
	})?;
	Ok(verity_ml::data::unlabelled(images)?)
}

/// Labels every sample of `data`; the predictions file is one decimal label per line, the
/// canonical form whose content hash replicas commit to.
pub fn predict(
	architecture: &ArchitectureSpec,
	weights: &ParamSet,
	data: &Dataset,
	backend: Backend,
) -> anyhow::Result<Vec<u8>> {
	anyhow::ensure!(
		data.sample_len() == verity_ml::model::input_len(architecture),
		"the model takes {} features per sample, the input has {}",
		verity_ml::model::input_len(architecture),
		data.sample_len()
	);
	let device = backend.device()?;
	let model = Model::build(architecture, &device)?.load_params(weights)?;
	let predictions = verity_ml::infer::predict(&model, data, &device)?;
	let mut out = String::with_capacity(predictions.labels.len() * 2);
	for label in &predictions.labels {
		out.push_str(&label.to_string());
		out.push('\n');
	}
	Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
	use super::*;
	use verity_ml::data::synthetic;
	use verity_ml::model::mlp_spec;
	use verity_primitives::Activation;

	fn plan(steps: u64, interval: u64) -> TrainPlan {
		TrainPlan {
			job: 1,
			architecture: mlp_spec(16, &[8], 3, Activation::Relu).unwrap(),
			start: Start::Fresh,
			datasets: Vec::new(),
			validation: None,
			config: TrainConfig {
				seed: 3,
				batch_size: 8,
				optimizer: OptimizerConfig::sgd(0.1, 0.9),
			},
			steps,
			interval,
			epsilon: 1e-5,
		}
	}

	fn data_dir() -> (tempfile::TempDir, DataDir) {
		let dir = tempfile::tempdir().unwrap();
		let data = DataDir::open(dir.path().to_owned()).unwrap();
		(dir, data)
	}

	#[test]
	fn checkpoint_indices_cover_a_ragged_last_segment() {
		let p = plan(23, 5);
		assert_eq!(p.checkpoints(), 6);
		let steps = [0, 5, 10, 15, 20, 23];
		assert_eq!(steps.map(|s| p.index_of(s)), [0, 1, 2, 3, 4, 5]);
		assert_eq!(p.index_of(23), 5);
		assert_eq!(p.index_of(20), 4);
		assert!(p.check_runnable(1_000).is_err(), "no datasets");
	}

	#[test]
	fn an_interrupted_run_resumes_to_the_same_result() {
		let p = plan(23, 5);
		let data = synthetic(64, &[16], 3, 0.1, 1).unwrap();
		let (_a, whole_dir) = data_dir();
		let (whole, whole_weights) = train(
			&p,
			&data,
			None,
			None,
			&whole_dir,
			Backend::default(),
			&Faults::default(),
			&mut |_, _| true,
		)
		.unwrap()
		.unwrap();
		let (_b, dir) = data_dir();
		let stopped = train(
			&p,
			&data,
			None,
			None,
			&dir,
			Backend::default(),
			&Faults::default(),
			&mut |s, _| s < 12,
		)
		.unwrap();
		assert!(stopped.is_none());
		let log: RunLog = read_json(&dir.checkpoint_log(1)).unwrap().unwrap();
		assert_eq!(log.steps, vec![0, 5, 10]);
		let (resumed, resumed_weights) = train(
			&p,
			&data,
			None,
			None,
			&dir,
			Backend::default(),
			&Faults::default(),
			&mut |_, _| true,
		)
		.unwrap()
		.unwrap();
		assert_eq!(resumed.checkpoint_root, whole.checkpoint_root);
		assert_eq!(resumed.weights, whole.weights);
		assert_eq!(resumed_weights, whole_weights);
		assert_eq!(resumed.checkpoints, 6);
		// The served log is complete and its root is the submitted one.
		let log: RunLog = read_json(&dir.checkpoint_log(1)).unwrap().unwrap();
		assert_eq!(log.merkle_root.as_deref(), Some(whole.checkpoint_root.as_str()));
		assert_eq!(hex::encode(log.root().unwrap()), whole.checkpoint_root);
	}

	#[test]
	fn an_audit_passes_the_honest_segment_and_fails_a_forged_one() {
		let p = plan(10, 5);
		let data = synthetic(64, &[16], 3, 0.1, 2).unwrap();
		let (_d, dir) = data_dir();
		train(&p, &data, None, None, &dir, Backend::default(), &Faults::default(), &mut |_, _| {
			true
		})
		.unwrap()
		.unwrap();
		let log: RunLog = read_json(&dir.checkpoint_log(1)).unwrap().unwrap();
		let leaves = log.leaves().unwrap();
		let load = |i: u32| {
			let bytes = std::fs::read(dir.checkpoint(1, i)).unwrap();
			checkpoint_with_hash(&bytes, &leaves[i as usize]).unwrap()
		};
		let (from, to) = (load(1), load(2));
		let verdict = audit_segment(&p, &data, &from, &to, Backend::default()).unwrap();
		assert!(verdict.passed && verdict.exact);
		// A checkpoint file that is not the committed leaf is refused outright...
		let bytes = std::fs::read(dir.checkpoint(1, 2)).unwrap();
		assert!(checkpoint_with_hash(&bytes, &leaves[1]).is_err());
		// ...and a forged end state fails the replay.
		let mut forged = to.clone();
		for value in forged.weights.values_mut().next().unwrap().values.iter_mut() {
			*value += 0.01;
		}
		let verdict = audit_segment(&p, &data, &from, &forged, Backend::default()).unwrap();
		assert!(!verdict.passed && !verdict.exact);
	}

	#[test]
	fn a_corrupt_run_is_consistently_wrong_from_the_corrupt_step_on() {
		let p = plan(20, 10);
		let data = synthetic(64, &[16], 3, 0.1, 4).unwrap();
		let (_d, dir) = data_dir();
		let faults = Faults { corrupt_step: Some(14), ..Faults::default() };
		train(&p, &data, None, None, &dir, Backend::default(), &faults, &mut |_, _| true)
			.unwrap()
			.unwrap();
		let log: RunLog = read_json(&dir.checkpoint_log(1)).unwrap().unwrap();
		let leaves = log.leaves().unwrap();
		let load = |i: u32| {
			checkpoint_with_hash(&std::fs::read(dir.checkpoint(1, i)).unwrap(), &leaves[i as usize])
				.unwrap()
		};
		let (start, end) = (load(1), load(2));
		// An honest audit of the segment catches it.
		assert!(!audit_segment(&p, &data, &start, &end, Backend::default()).unwrap().passed);
		// The defender's states between checkpoints: honest before step 14, wrong from it
		// on, and at the checkpoint the leaf it committed.
		let honest =
			|s| replay_to(&p, &data, &start, s, Backend::default(), &Faults::default()).unwrap();
		let defended = |s| state_at(&p, &data, &dir, s, Backend::default(), &faults).unwrap();
		for s in [11, 13] {
			assert_eq!(defended(s).hash(), honest(s).hash(), "step {s}");
		}
		for s in [14, 17] {
			assert_ne!(defended(s).hash(), honest(s).hash(), "step {s}");
		}
		assert_eq!(defended(20).hash(), leaves[2]);
		assert!(dir.state(1, 17).is_file(), "kept for the HTTP server");
		// A skipped update leaves the weights as they were.
		let skip = Faults { skip_steps: Some((12, 13)), ..Faults::default() };
		let before = replay_to(&p, &data, &start, 11, Backend::default(), &skip).unwrap();
		let after = replay_to(&p, &data, &start, 12, Backend::default(), &skip).unwrap();
		assert_eq!((after.step, &after.weights), (12, &before.weights));
	}

	#[test]
	fn datasets_are_read_in_order_and_must_agree_in_shape() {
		let dir = tempfile::tempdir().unwrap();
		let csv = DatasetFormat::Csv { label_column: 2, has_header: false };
		let write = |name: &str, text: &str| {
			let path = dir.path().join(name);
			std::fs::write(&path, text).unwrap();
			(path, csv)
		};
		let a = write("a.csv", "0.1,0.2,1\n0.3,0.4,0\n");
		let b = write("b.csv", "0.5,0.6,1\n");
		let data = load_datasets(&[a.clone(), b]).unwrap();
		assert_eq!(data.len(), 3);
		assert_eq!(data.labels(), &[1, 0, 1]);
		assert_eq!(&data.features()[4..6], &[0.5, 0.6]);
		let wide = write("c.csv", "0.5,0.6,0.7,1\n");
		let wide = (wide.0, DatasetFormat::Csv { label_column: 3, has_header: false });
		assert!(load_datasets(&[a, wide]).is_err());
		assert!(load_datasets(&[]).is_err());
	}

	#[test]
	fn chain_hyper_parameters_map_exactly() {
		let sgd = optimizer_from_chain(OptimizerKind::Sgd {
			learning_rate: 50_000_000,
			momentum: 900_000_000,
		});
		assert_eq!(sgd, OptimizerConfig::sgd(0.05, 0.9));
		let adam = optimizer_from_chain(OptimizerKind::Adam {
			learning_rate: 1_000_000,
			beta1: 900_000_000,
			beta2: 999_000_000,
		});
		assert_eq!(adam, OptimizerConfig::adam(1e-3));
	}
}
