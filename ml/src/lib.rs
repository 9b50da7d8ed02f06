//! # verity-ml
//!
//! Deterministic training, checkpointing, replay and inference of the model families a
//! Verity worker runs ([`verity_primitives::ArchitectureSpec`]), on
//! [burn](https://burn.dev).
//!
//! - [`data`]: IDX files and archives, CSV, content-hash verification.
//! - [`model`]: the MLP and LeNet families, seeded initialisation.
//! - [`params`]: host tensors and the canonical weights hash; [`hash`]: the tagged hasher
//!   every hash of the crate is built with.
//! - [`optim`], [`train`]: SGD with momentum and Adam, seeded data order, training runs.
//! - [`checkpoint`]: checkpoints, their hashes and the Merkle root of a run.
//! - [`replay`], [`tolerance`]: re-running a segment or a step and comparing with ε.
//! - [`infer`]: logits, labels and accuracy on a dataset.
//! - [`export`]: safetensors export and import.
//! - [`backend`]: the one place a backend (ndarray, flex, wgpu) is chosen; [`Allocator`]:
//!   the heap allocator the binaries install.
// Tests index and count freely: a panic there is the failure report.
#![cfg_attr(test, allow(clippy::indexing_slicing, clippy::arithmetic_side_effects))]

pub mod backend;
pub mod checkpoint;
pub mod data;
mod error;
pub mod export;
pub mod hash;
pub mod infer;
pub mod model;
pub mod optim;
pub mod params;
pub mod replay;
pub mod tolerance;
pub mod train;

pub use backend::Backend;
pub use checkpoint::{Checkpoint, CheckpointLog};
pub use data::Dataset;
pub use error::{Error, Result};
pub use model::Model;
pub use optim::OptimizerConfig;
pub use train::{TrainConfig, Trainer};

/// The heap allocator every binary that trains should install (`#[global_allocator] static
/// ALLOCATOR: verity_ml::Allocator = verity_ml::Allocator;`). A training step allocates
/// and frees the same large buffers (activations, gradients) every step; glibc's malloc
/// returns those above its mmap threshold to the kernel and takes them back zeroed, page
/// by page, on the next step, and a shard's buffers computed on one thread and freed on
/// another go back through another arena. mimalloc keeps them for reuse (figures in
/// ml/README.md, "Throughput"). The allocator changes speed only, never a value.
pub use mimalloc::MiMalloc as Allocator;

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
pub(crate) mod test_util {
	use std::path::PathBuf;

	/// A fresh empty directory under the system temp dir.
	pub fn temp_dir(name: &str) -> PathBuf {
		let dir = std::env::temp_dir().join(format!("verity-ml-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		std::fs::create_dir_all(&dir).unwrap();
		dir
	}
}
