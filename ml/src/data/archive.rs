//! The [`DatasetFormat::IdxArchive`](verity_primitives::DatasetFormat::IdxArchive) format: a
//! tar archive holding one `*images-idx3-ubyte[.gz]` and one `*labels-idx1-ubyte[.gz]`
//! (matched on the entry's file name, in any directory). Other entries are ignored; two
//! candidate image or label files are an error, since the listing would then be ambiguous.

use std::io::Read;
use std::path::Path;

use super::idx::{parse_idx_images, parse_idx_labels, to_dataset, MAX_DECOMPRESSED};
use super::{read_limited, Dataset};
use crate::{Error, Result};

enum Kind {
	Images,
	Labels,
}

fn kind(name: &str) -> Option<Kind> {
	let name = name.strip_suffix(".gz").unwrap_or(name);
	if name.ends_with("images-idx3-ubyte") {
		Some(Kind::Images)
	} else if name.ends_with("labels-idx1-ubyte") {
		Some(Kind::Labels)
	} else {
		None
	}
}

/// Parses an IDX archive held in memory.
pub fn parse_idx_archive(bytes: &[u8]) -> Result<Dataset> {
	let mut archive = tar::Archive::new(bytes);
	let entries =
		archive.entries().map_err(|e| Error::Archive(format!("not a tar archive: {e}")))?;
	let mut images: Option<(String, Vec<u8>)> = None;
	let mut labels: Option<(String, Vec<u8>)> = None;
	for entry in entries {
		let entry = entry.map_err(|e| Error::Archive(format!("corrupt tar entry: {e}")))?;
		if !entry.header().entry_type().is_file() {
			continue;
		}
		let path = entry.path().map_err(|e| Error::Archive(format!("bad entry name: {e}")))?;
		let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
		let Some(kind) = kind(&name) else { continue };
		let slot = match kind {
			Kind::Images => &mut images,
			Kind::Labels => &mut labels,
		};
		if let Some((first, _)) = slot {
			return Err(Error::Archive(format!("two candidate files: {first} and {name}")));
		}
		if entry.size() > MAX_DECOMPRESSED {
			return Err(Error::Archive(format!("{name} is larger than {MAX_DECOMPRESSED} bytes")));
		}
		let mut data = Vec::new();
		entry
			.take(MAX_DECOMPRESSED)
			.read_to_end(&mut data)
			.map_err(|e| Error::Archive(format!("reading {name}: {e}")))?;
		*slot = Some((name, data));
	}
	let (_, images) =
		images.ok_or_else(|| Error::Archive("no *images-idx3-ubyte[.gz] file".into()))?;
	let (_, labels) =
		labels.ok_or_else(|| Error::Archive("no *labels-idx1-ubyte[.gz] file".into()))?;
	to_dataset(parse_idx_images(images)?, parse_idx_labels(labels)?)
}

/// Loads an IDX archive file.
pub fn load_idx_archive(path: &Path) -> Result<Dataset> {
	parse_idx_archive(&read_limited(path, MAX_DECOMPRESSED)?)
}

/// Writes an IDX archive (used by tests and the examples to package IDX files).
pub fn write_idx_archive(entries: &[(&str, &[u8])]) -> Result<Vec<u8>> {
	let mut builder = tar::Builder::new(Vec::new());
	for (name, data) in entries {
		let mut header = tar::Header::new_gnu();
		header.set_size(data.len() as u64);
		header.set_mode(0o644);
		header.set_cksum();
		builder
			.append_data(&mut header, name, *data)
			.map_err(|e| Error::io(format!("archiving {name}"), e))?;
	}
	builder.into_inner().map_err(|e| Error::io("finishing the archive", e))
}

#[cfg(test)]
mod tests {
	use super::super::idx::write;
	use super::*;

	#[test]
	fn reads_an_archive_of_gzip_files_in_a_directory() {
		let images = write::gzip(&write::images(4, 2, 2));
		let labels = write::labels(&[0, 1, 2, 3]);
		let tar = write_idx_archive(&[
			("README", b"hello"),
			("fashion/train-images-idx3-ubyte.gz", &images),
			("fashion/train-labels-idx1-ubyte", &labels),
		])
		.unwrap();
		let data = parse_idx_archive(&tar).unwrap();
		assert_eq!(data.len(), 4);
		assert_eq!(data.sample_shape(), &[1, 2, 2]);
	}

	#[test]
	fn refuses_missing_duplicate_or_corrupt_members() {
		let images = write::images(2, 2, 2);
		let labels = write::labels(&[0, 1]);
		let missing = write_idx_archive(&[("a-images-idx3-ubyte", &images)]).unwrap();
		assert!(matches!(parse_idx_archive(&missing), Err(Error::Archive(_))));
		let twice = write_idx_archive(&[
			("a-images-idx3-ubyte", &images),
			("b-images-idx3-ubyte.gz", &images),
			("a-labels-idx1-ubyte", &labels),
		])
		.unwrap();
		assert!(matches!(parse_idx_archive(&twice), Err(Error::Archive(_))));
		let swapped = write_idx_archive(&[
			("a-images-idx3-ubyte", &labels),
			("a-labels-idx1-ubyte", &images),
		])
		.unwrap();
		assert!(matches!(parse_idx_archive(&swapped), Err(Error::Idx(_))));
		assert!(parse_idx_archive(b"definitely not a tar file, just text").is_err());
		let tar = write_idx_archive(&[
			("a-images-idx3-ubyte", &images),
			("a-labels-idx1-ubyte", &labels),
		])
		.unwrap();
		assert!(parse_idx_archive(&tar[..700]).is_err());
	}
}
