//! Datasets: IDX image/label files, IDX archives, CSV, and content-hash verification.
//!
//! Every loader turns its input into one [`Dataset`]: a row-major `f32` feature matrix and a
//! `u32` label per sample. Pixels are scaled to `[0, 1]` (`byte / 255`); CSV features are
//! taken as written. Loaders read untrusted files, so every size is checked before it is
//! used and malformed input is an [`Error`](crate::Error), never a panic.

mod archive;
mod csv;
mod idx;

use std::fs::File;
use std::io::Read;
use std::path::Path;

use verity_primitives::{ArchitectureSpec, ContentHash, ContentHasher, DatasetFormat};

use crate::{Error, Result};

pub use archive::{load_idx_archive, parse_idx_archive, write_idx_archive};
pub use csv::{load_csv, parse_csv};
pub use idx::{
	load_idx_pair, parse_idx_images, parse_idx_labels, unlabelled, IdxImages, MAX_DECOMPRESSED,
};

/// Samples with their labels, held in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
	/// `len() × sample_len()` features, row-major.
	features: Vec<f32>,
	/// One class label per sample.
	labels: Vec<u32>,
	/// Shape of one sample, e.g. `[1, 28, 28]` for an IDX image or `[n]` for a CSV row.
	sample_shape: Vec<usize>,
}

impl Dataset {
	/// A dataset from its parts; `features.len()` must be `labels.len()` × the product of
	/// `sample_shape`.
	pub fn new(features: Vec<f32>, labels: Vec<u32>, sample_shape: Vec<usize>) -> Result<Self> {
		let sample_len = sample_shape
			.iter()
			.try_fold(1usize, |acc, d| acc.checked_mul(*d))
			.filter(|n| *n > 0)
			.ok_or_else(|| Error::Shape(format!("invalid sample shape {sample_shape:?}")))?;
		if labels.len().checked_mul(sample_len) != Some(features.len()) {
			return Err(Error::Shape(format!(
				"{} features is not {} samples of {sample_len}",
				features.len(),
				labels.len()
			)));
		}
		Ok(Self { features, labels, sample_shape })
	}

	/// Number of samples.
	pub fn len(&self) -> usize {
		self.labels.len()
	}

	/// Whether there are no samples.
	pub fn is_empty(&self) -> bool {
		self.labels.is_empty()
	}

	/// Number of features per sample.
	pub fn sample_len(&self) -> usize {
		self.sample_shape.iter().product()
	}

	/// Shape of one sample.
	pub fn sample_shape(&self) -> &[usize] {
		&self.sample_shape
	}

	/// All labels.
	pub fn labels(&self) -> &[u32] {
		&self.labels
	}

	/// All features, row-major.
	pub fn features(&self) -> &[f32] {
		&self.features
	}

	/// The features of sample `i`, if there is one.
	fn sample(&self, i: usize) -> Option<&[f32]> {
		let len = self.sample_len();
		self.features.get(i.checked_mul(len)?..i.checked_add(1)?.checked_mul(len)?)
	}

	/// The first `n` samples (all of them if there are fewer).
	pub fn truncated(&self, n: usize) -> Self {
		let n = n.min(self.len());
		// `new` checked `len() × sample_len() == features.len()`, so both prefixes exist.
		let features = self.features.chunks_exact(self.sample_len()).take(n).flatten().copied();
		Self {
			features: features.collect(),
			labels: self.labels.iter().take(n).copied().collect(),
			sample_shape: self.sample_shape.clone(),
		}
	}

	/// Features and labels of the samples at `indices`, in that order.
	pub fn gather(&self, indices: &[usize]) -> Result<(Vec<f32>, Vec<u32>)> {
		let len = self.sample_len();
		let mut features = Vec::with_capacity(indices.len().saturating_mul(len));
		let mut labels = Vec::with_capacity(indices.len());
		for &i in indices {
			match (self.sample(i), self.labels.get(i)) {
				(Some(sample), Some(label)) => {
					features.extend_from_slice(sample);
					labels.push(*label);
				}
				_ => {
					return Err(Error::Shape(format!(
						"sample {i} asked of a dataset of {} samples",
						self.len()
					)))
				}
			}
		}
		Ok((features, labels))
	}

	/// Checks that this dataset can feed `spec`: same number of features per sample, and
	/// every label below the number of classes.
	pub fn check_fits(&self, spec: &ArchitectureSpec) -> Result<()> {
		spec.validate()?;
		if self.is_empty() {
			return Err(Error::Shape("the dataset has no samples".into()));
		}
		let inputs = crate::model::input_len(spec);
		if inputs != self.sample_len() {
			return Err(Error::Shape(format!(
				"the model takes {inputs} features per sample, the dataset has {} (sample shape {:?})",
				self.sample_len(),
				self.sample_shape
			)));
		}
		let classes = spec.classes();
		if let Some((i, label)) = self.labels.iter().enumerate().find(|(_, l)| **l >= classes) {
			return Err(Error::Shape(format!(
				"sample {i} has label {label}, the model has {classes} classes"
			)));
		}
		Ok(())
	}
}

/// Loads a dataset file in the format its listing declares.
pub fn load(path: &Path, format: DatasetFormat) -> Result<Dataset> {
	match format {
		DatasetFormat::IdxArchive => load_idx_archive(path),
		DatasetFormat::Csv { label_column, has_header } => load_csv(path, label_column, has_header),
	}
}

/// The content hash of a file, streamed through [`ContentHasher`] in 1 MiB reads.
pub fn content_hash_file(path: &Path) -> Result<ContentHash> {
	let mut file = File::open(path).map_err(|e| Error::io(path.display().to_string(), e))?;
	let mut hasher = ContentHasher::new();
	let mut buffer = vec![0u8; verity_primitives::CHUNK_SIZE];
	loop {
		let n = file.read(&mut buffer).map_err(|e| Error::io(path.display().to_string(), e))?;
		if n == 0 {
			break;
		}
		hasher.update(buffer.get(..n).unwrap_or_default());
	}
	Ok(hasher.finalize())
}

/// Checks that the file at `path` has the content hash `expected` (its listing's), reading
/// it once, in constant memory.
pub fn verify_file(path: &Path, expected: ContentHash) -> Result<()> {
	let actual = content_hash_file(path)?;
	if actual == expected {
		Ok(())
	} else {
		Err(Error::HashMismatch { expected, actual })
	}
}

/// Reads a whole file, refusing files over `limit` bytes.
pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
	let file = File::open(path).map_err(|e| Error::io(path.display().to_string(), e))?;
	let mut bytes = Vec::new();
	file.take(limit.saturating_add(1))
		.read_to_end(&mut bytes)
		.map_err(|e| Error::io(path.display().to_string(), e))?;
	if bytes.len() as u64 > limit {
		return Err(Error::Shape(format!("{} is larger than {limit} bytes", path.display())));
	}
	Ok(bytes)
}

/// A seeded synthetic classification dataset (for tests, benchmarks and calibration): each
/// class has a random prototype in `[0, 1]^d`, each sample is its class's prototype plus
/// uniform noise in `[-noise, noise]`, labels cycle through the classes.
pub fn synthetic(
	n: usize,
	sample_shape: &[usize],
	classes: u32,
	noise: f32,
	seed: u64,
) -> Result<Dataset> {
	use rand_chacha::rand_core::{Rng, SeedableRng};
	let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
	let mut unit = move || (rng.next_u32() >> 8) as f32 / 16_777_216.0;
	let len: usize = sample_shape.iter().product();
	let classes = classes.max(1);
	let prototypes: Vec<Vec<f32>> =
		(0..classes).map(|_| (0..len).map(|_| unit()).collect()).collect();
	let mut features = Vec::with_capacity(n.saturating_mul(len));
	let mut labels = Vec::with_capacity(n);
	// Labels cycle through the classes.
	for (proto, label) in prototypes.iter().zip(0u32..).cycle().take(n) {
		features.extend(proto.iter().map(|p| p + (unit() * 2.0 - 1.0) * noise));
		labels.push(label);
	}
	Dataset::new(features, labels, sample_shape.to_vec())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn verify_file_accepts_the_right_hash_and_refuses_another() {
		let dir = crate::test_util::temp_dir("verify");
		let path = dir.join("data.bin");
		let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
		std::fs::write(&path, &data).unwrap();
		let expected = ContentHash::of(&data);
		verify_file(&path, expected).unwrap();
		assert_eq!(content_hash_file(&path).unwrap(), expected);
		let mut wrong = expected;
		wrong.root[0] ^= 1;
		assert!(matches!(verify_file(&path, wrong), Err(Error::HashMismatch { .. })));
		assert!(matches!(verify_file(&dir.join("missing"), expected), Err(Error::Io { .. })));
	}

	#[test]
	fn dataset_checks_shapes_and_labels_against_a_spec() {
		let spec = crate::model::mlp_spec(4, &[3], 2, verity_primitives::Activation::Relu).unwrap();
		let ok = Dataset::new(vec![0.0; 8], vec![0, 1], vec![4]).unwrap();
		ok.check_fits(&spec).unwrap();
		let bad_label = Dataset::new(vec![0.0; 8], vec![0, 2], vec![4]).unwrap();
		assert!(matches!(bad_label.check_fits(&spec), Err(Error::Shape(_))));
		let bad_width = Dataset::new(vec![0.0; 6], vec![0, 1], vec![3]).unwrap();
		assert!(matches!(bad_width.check_fits(&spec), Err(Error::Shape(_))));
		assert!(Dataset::new(vec![0.0; 7], vec![0, 1], vec![4]).is_err());
	}
}
