//! Checkpoints: the weights, the optimizer state and the step count, and their hashes.
//!
//! ## Checkpoint hash (v1)
//!
//! ```text
//! checkpoint_hash = blake2b-256(str("verity-ml/checkpoint/v1") ‖ u64 step
//!                               ‖ weights_hash ‖ optimizer_hash)
//! ```
//!
//! with `str` and the two tensor hashes as in [`crate::params`] (tags
//! `verity-ml/weights/v1` and `verity-ml/optimizer/v1`). A run's checkpoints, in step
//! order, are the leaves of a binary Merkle tree built by `verity_primitives`'
//! [`MerkleAccumulator`]; its root commits to the whole run, and a verifier can be handed
//! one segment (checkpoint `i` → `i + 1`) with its two leaves and their Merkle paths. A
//! checkpoint hash's preimage starts with a length, never with the `0x00`/`0x01` prefixes of
//! the tree's own leaf and node hashes.
//!
//! ## File
//!
//! A checkpoint file is safetensors: `weights/{path}` and `optimizer/{path}/{slot}` tensors
//! (F32), and metadata `format = verity-ml-checkpoint/v1`, `step`, `architecture` and
//! `train_config` (JSON), `checkpoint_hash` (hex), and `determinism_tag`: what computed it
//! ([`Backend::determinism_tag`]; provenance only, outside the hash, since another class's
//! replay of the same run is judged with ε, not by its bits). Loading recomputes the hash
//! and refuses a file whose content does not match it.

use std::collections::HashMap;
use std::path::Path;

use safetensors::{Dtype, SafeTensors};
use verity_primitives::{ArchitectureSpec, Hash256, MerkleAccumulator};

use crate::hash::TaggedHasher;
use crate::model::{spec_from_json, spec_to_json};
use crate::params::{tensors_hash, weights_hash, HostTensor, ParamSet, OPTIMIZER_TAG};
use crate::train::TrainConfig;
use crate::{hex, Backend, Error, Result};

const FORMAT: &str = "verity-ml-checkpoint/v1";
const DETERMINISM_TAG: &str = "determinism_tag";

/// The state of a run after `step` steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
	/// Steps taken.
	pub step: u64,
	/// Model parameters.
	pub weights: ParamSet,
	/// Optimizer state (`{path}/{slot}`).
	pub optimizer: ParamSet,
}

impl Checkpoint {
	/// The canonical weights hash.
	pub fn weights_hash(&self) -> Hash256 {
		weights_hash(&self.weights)
	}

	/// The canonical optimizer-state hash.
	pub fn optimizer_hash(&self) -> Hash256 {
		tensors_hash(OPTIMIZER_TAG, &self.optimizer)
	}

	/// The checkpoint hash (see the module docs).
	pub fn hash(&self) -> Hash256 {
		TaggedHasher::new("verity-ml/checkpoint/v1")
			.u64(self.step)
			.bytes(&self.weights_hash())
			.bytes(&self.optimizer_hash())
			.finish()
	}

	/// Serializes the checkpoint with the run's spec and config and the backend that
	/// computed it.
	pub fn to_bytes(
		&self,
		spec: &ArchitectureSpec,
		config: &TrainConfig,
		computed_by: Backend,
	) -> Result<Vec<u8>> {
		let mut tensors: Vec<(String, &HostTensor)> = Vec::new();
		tensors.extend(self.weights.iter().map(|(p, t)| (format!("weights/{p}"), t)));
		tensors.extend(self.optimizer.iter().map(|(p, t)| (format!("optimizer/{p}"), t)));
		let bytes: Vec<(String, Vec<usize>, Vec<u8>)> =
			tensors.into_iter().map(|(n, t)| (n, t.shape.clone(), t.le_bytes())).collect();
		let views = bytes
			.iter()
			.map(|(n, shape, data)| {
				safetensors::tensor::TensorView::new(Dtype::F32, shape.clone(), data)
					.map(|v| (n.clone(), v))
					.map_err(|e| Error::Checkpoint(e.to_string()))
			})
			.collect::<Result<Vec<_>>>()?;
		let config_json =
			serde_json::to_string(config).map_err(|e| Error::Checkpoint(e.to_string()))?;
		let metadata = HashMap::from([
			("format".to_owned(), FORMAT.to_owned()),
			("step".to_owned(), self.step.to_string()),
			("architecture".to_owned(), spec_to_json(spec).to_string()),
			("train_config".to_owned(), config_json),
			("checkpoint_hash".to_owned(), hex(&self.hash())),
			(DETERMINISM_TAG.to_owned(), computed_by.determinism_tag()),
		]);
		crate::export::canonical(
			safetensors::serialize(views, Some(metadata))
				.map_err(|e| Error::Checkpoint(e.to_string()))?,
		)
	}

	/// Parses a checkpoint file's bytes; returns it with the run's spec and config.
	pub fn from_bytes(bytes: &[u8]) -> Result<(Checkpoint, ArchitectureSpec, TrainConfig)> {
		let (_, header) = SafeTensors::read_metadata(bytes)
			.map_err(|e| Error::Checkpoint(format!("not a safetensors file: {e}")))?;
		let meta = header.metadata().clone().unwrap_or_default();
		let field = |k: &str| {
			meta.get(k).ok_or_else(|| Error::Checkpoint(format!("metadata has no {k:?}")))
		};
		if field("format")? != FORMAT {
			return Err(Error::Checkpoint(format!(
				"format is {:?}, not {FORMAT}",
				field("format")?
			)));
		}
		let step = field("step")?
			.parse::<u64>()
			.map_err(|_| Error::Checkpoint("step is not a number".into()))?;
		let spec_json: serde_json::Value = serde_json::from_str(field("architecture")?)
			.map_err(|e| Error::Checkpoint(format!("architecture: {e}")))?;
		let spec = spec_from_json(&spec_json)?;
		let config: TrainConfig = serde_json::from_str(field("train_config")?)
			.map_err(|e| Error::Checkpoint(format!("train_config: {e}")))?;
		let tensors = read_f32_tensors(bytes)?;
		let mut checkpoint =
			Checkpoint { step, weights: ParamSet::new(), optimizer: ParamSet::new() };
		for (name, tensor) in tensors {
			if let Some(p) = name.strip_prefix("weights/") {
				checkpoint.weights.insert(p.to_owned(), tensor);
			} else if let Some(p) = name.strip_prefix("optimizer/") {
				checkpoint.optimizer.insert(p.to_owned(), tensor);
			} else {
				return Err(Error::Checkpoint(format!("unexpected tensor {name}")));
			}
		}
		let claimed = field("checkpoint_hash")?;
		if *claimed != hex(&checkpoint.hash()) {
			return Err(Error::Checkpoint(format!(
				"content hashes to {}, the file claims {claimed}",
				hex(&checkpoint.hash())
			)));
		}
		Ok((checkpoint, spec, config))
	}

	/// The determinism tag a checkpoint file names as what computed it (`None` for files
	/// written before the tag was recorded). Says nothing of the content: see [`Self::from_bytes`].
	pub fn computed_by(bytes: &[u8]) -> Result<Option<String>> {
		let (_, header) = SafeTensors::read_metadata(bytes)
			.map_err(|e| Error::Checkpoint(format!("not a safetensors file: {e}")))?;
		Ok(header.metadata().as_ref().and_then(|m| m.get(DETERMINISM_TAG)).cloned())
	}

	/// Writes the checkpoint to a file.
	pub fn save(
		&self,
		path: &Path,
		spec: &ArchitectureSpec,
		config: &TrainConfig,
		computed_by: Backend,
	) -> Result<()> {
		std::fs::write(path, self.to_bytes(spec, config, computed_by)?)
			.map_err(|e| Error::io(path.display().to_string(), e))
	}

	/// Reads a checkpoint file.
	pub fn load(path: &Path) -> Result<(Checkpoint, ArchitectureSpec, TrainConfig)> {
		let bytes = std::fs::read(path).map_err(|e| Error::io(path.display().to_string(), e))?;
		Self::from_bytes(&bytes)
	}
}

/// Reads every tensor of a safetensors file as F32.
pub(crate) fn read_f32_tensors(bytes: &[u8]) -> Result<Vec<(String, HostTensor)>> {
	let file = SafeTensors::deserialize(bytes)
		.map_err(|e| Error::Checkpoint(format!("safetensors: {e}")))?;
	let mut out = Vec::new();
	for (name, view) in file.tensors() {
		if view.dtype() != Dtype::F32 {
			return Err(Error::Checkpoint(format!(
				"{name} is {:?}, only F32 is supported",
				view.dtype()
			)));
		}
		let values = view
			.data()
			.chunks_exact(4)
			.map(|b| <[u8; 4]>::try_from(b).map_or(f32::NAN, f32::from_le_bytes))
			.collect();
		out.push((name, HostTensor::new(view.shape().to_vec(), values)?));
	}
	Ok(out)
}

/// The checkpoint hashes of a run, in order, and their Merkle root.
#[derive(Clone, Debug, Default)]
pub struct CheckpointLog {
	entries: Vec<(u64, Hash256)>,
	tree: MerkleAccumulator,
}

impl CheckpointLog {
	/// An empty log.
	pub fn new() -> Self {
		Self::default()
	}

	/// Appends a checkpoint.
	pub fn push(&mut self, checkpoint: &Checkpoint) {
		let hash = checkpoint.hash();
		self.entries.push((checkpoint.step, hash));
		self.tree.push(hash);
	}

	/// `(step, checkpoint hash)` of each checkpoint, in order.
	pub fn entries(&self) -> &[(u64, Hash256)] {
		&self.entries
	}

	/// The Merkle root over the checkpoint hashes (`None` if empty).
	pub fn root(&self) -> Option<Hash256> {
		self.tree.root()
	}

	/// The log as JSON: `{"checkpoints": [{"step", "hash"}], "merkle_root"}`.
	pub fn to_json(&self) -> serde_json::Value {
		serde_json::json!({
			"checkpoints": self.entries.iter()
				.map(|(s, h)| serde_json::json!({"step": s, "hash": hex(h)}))
				.collect::<Vec<_>>(),
			"merkle_root": self.root().map(|r| hex(&r)),
		})
	}
}
