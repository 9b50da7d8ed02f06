//! IDX files (the MNIST format): a big-endian header `0x00 0x00 type rank`, `rank` u32
//! dimensions, then the values. Only unsigned-byte data (`type = 0x08`) is accepted, with
//! rank 3 for images (`count × rows × cols`) and rank 1 for labels. Files may be gzip
//! compressed; the gzip magic `1f 8b` is detected, whatever the file is called.

use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

use super::{read_limited, Dataset};
use crate::{Error, Result};

/// The most bytes a (decompressed) IDX file may have: 2 GiB, far above any dataset this
/// crate trains on and small enough to refuse a decompression bomb.
pub const MAX_DECOMPRESSED: u64 = 2 << 30;

const UNSIGNED_BYTE: u8 = 0x08;

/// Images of an IDX image file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxImages {
	/// Number of images.
	pub count: usize,
	/// Rows per image.
	pub rows: usize,
	/// Columns per image.
	pub cols: usize,
	/// `count × rows × cols` pixels, row-major.
	pub pixels: Vec<u8>,
}

/// Returns the bytes, gunzipped if they start with the gzip magic.
pub(crate) fn maybe_gunzip(bytes: Vec<u8>) -> Result<Vec<u8>> {
	if bytes.starts_with(&[0x1f, 0x8b]) {
		let mut out = Vec::new();
		GzDecoder::new(bytes.as_slice())
			.take(MAX_DECOMPRESSED + 1)
			.read_to_end(&mut out)
			.map_err(|e| Error::Idx(format!("gzip stream is corrupt: {e}")))?;
		if out.len() as u64 > MAX_DECOMPRESSED {
			return Err(Error::Idx(format!("decompresses to more than {MAX_DECOMPRESSED} bytes")));
		}
		Ok(out)
	} else {
		Ok(bytes)
	}
}

/// Parses the header, checks the length, and returns `(dims, values)`.
fn parse<'a>(bytes: &'a [u8], rank: u8, what: &str) -> Result<(Vec<usize>, &'a [u8])> {
	let Some(&[m0, m1, element, file_rank]) = bytes.get(..4) else {
		return Err(Error::Idx(format!("{what}: {} bytes is too short for a header", bytes.len())));
	};
	if m0 != 0 || m1 != 0 {
		return Err(Error::Idx(format!(
			"{what}: bad magic number {m0:02x}{m1:02x}{element:02x}{file_rank:02x} (must start with 0000)"
		)));
	}
	if element != UNSIGNED_BYTE {
		return Err(Error::Idx(format!(
			"{what}: element type 0x{element:02x} is not supported (only unsigned bytes, 0x08)"
		)));
	}
	if file_rank != rank {
		return Err(Error::Idx(format!(
			"{what}: {file_rank} dimensions, expected {rank} (magic 0x0000080{rank})"
		)));
	}
	// A u8 rank: at most 4 + 4 × 255 bytes of header.
	let dims_end = usize::from(rank).saturating_mul(4).saturating_add(4);
	let (dims_bytes, values) = match (bytes.get(4..dims_end), bytes.get(dims_end..)) {
		(Some(dims), Some(values)) => (dims, values),
		_ => return Err(Error::Idx(format!("{what}: truncated in the dimensions"))),
	};
	let dims: Vec<usize> = dims_bytes
		.chunks_exact(4)
		.map(|d| <[u8; 4]>::try_from(d).map_or(0, u32::from_be_bytes) as usize)
		.collect();
	let expected = dims
		.iter()
		.try_fold(1usize, |acc, d| acc.checked_mul(*d))
		.ok_or_else(|| Error::Idx(format!("{what}: dimensions {dims:?} overflow")))?;
	if values.len() != expected {
		return Err(Error::Idx(format!(
			"{what}: dimensions {dims:?} need {expected} bytes of data, the file has {}",
			values.len()
		)));
	}
	Ok((dims, values))
}

/// Parses an IDX image file (magic `0x00000803`), plain or gzip.
pub fn parse_idx_images(bytes: Vec<u8>) -> Result<IdxImages> {
	let bytes = maybe_gunzip(bytes)?;
	let (dims, values) = parse(&bytes, 3, "image file")?;
	let &[count, rows, cols] = dims.as_slice() else {
		return Err(Error::Idx(format!("image file: {} dimensions, expected 3", dims.len())));
	};
	if rows == 0 || cols == 0 {
		return Err(Error::Idx(format!("image file: empty images {rows}×{cols}")));
	}
	Ok(IdxImages { count, rows, cols, pixels: values.to_vec() })
}

/// Parses an IDX label file (magic `0x00000801`), plain or gzip.
pub fn parse_idx_labels(bytes: Vec<u8>) -> Result<Vec<u8>> {
	let bytes = maybe_gunzip(bytes)?;
	let (_, values) = parse(&bytes, 1, "label file")?;
	Ok(values.to_vec())
}

/// Pairs images and labels into a dataset of `1 × rows × cols` samples scaled to `[0, 1]`.
pub(crate) fn to_dataset(images: IdxImages, labels: Vec<u8>) -> Result<Dataset> {
	if images.count != labels.len() {
		return Err(Error::Idx(format!("{} images but {} labels", images.count, labels.len())));
	}
	let features = images.pixels.iter().map(|p| f32::from(*p) / 255.0).collect();
	Dataset::new(
		features,
		labels.into_iter().map(u32::from).collect(),
		vec![1, images.rows, images.cols],
	)
}

/// Images without labels (an inference input), read exactly as a labelled dataset's
/// images are; every label is 0.
pub fn unlabelled(images: IdxImages) -> Result<Dataset> {
	let labels = vec![0; images.count];
	to_dataset(images, labels)
}

/// Loads an image file and a label file (each plain or gzip) as one dataset.
pub fn load_idx_pair(images: &Path, labels: &Path) -> Result<Dataset> {
	let images = parse_idx_images(read_limited(images, MAX_DECOMPRESSED)?)?;
	let labels = parse_idx_labels(read_limited(labels, MAX_DECOMPRESSED)?)?;
	to_dataset(images, labels)
}

/// Test helpers that write IDX files.
#[cfg(test)]
pub(crate) mod write {
	use std::io::Write;

	/// An IDX image file of `count` images of `rows × cols`, pixel `i` = `i % 256`.
	pub fn images(count: u32, rows: u32, cols: u32) -> Vec<u8> {
		let mut out = vec![0, 0, 8, 3];
		for d in [count, rows, cols] {
			out.extend_from_slice(&d.to_be_bytes());
		}
		out.extend((0..count * rows * cols).map(|i| (i % 256) as u8));
		out
	}

	/// An IDX label file.
	pub fn labels(labels: &[u8]) -> Vec<u8> {
		let mut out = vec![0, 0, 8, 1];
		out.extend_from_slice(&(labels.len() as u32).to_be_bytes());
		out.extend_from_slice(labels);
		out
	}

	/// Gzip-compresses bytes.
	pub fn gzip(bytes: &[u8]) -> Vec<u8> {
		let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
		encoder.write_all(bytes).unwrap();
		encoder.finish().unwrap()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parses_plain_and_gzip_files_the_same() {
		let images = write::images(3, 4, 5);
		let plain = parse_idx_images(images.clone()).unwrap();
		assert_eq!((plain.count, plain.rows, plain.cols), (3, 4, 5));
		assert_eq!(plain.pixels.len(), 60);
		assert_eq!(parse_idx_images(write::gzip(&images)).unwrap(), plain);
		let labels = parse_idx_labels(write::gzip(&write::labels(&[1, 2, 3]))).unwrap();
		let data = to_dataset(plain, labels).unwrap();
		assert_eq!(data.len(), 3);
		assert_eq!(data.sample_shape(), &[1, 4, 5]);
		assert_eq!(data.labels(), &[1, 2, 3]);
		assert_eq!(data.features()[1], 1.0 / 255.0);
	}

	#[test]
	fn malformed_files_are_typed_errors() {
		let good = write::images(2, 3, 3);
		let cases: Vec<(&str, Vec<u8>)> = vec![
			("empty", vec![]),
			("short header", vec![0, 0, 8]),
			("bad magic", {
				let mut b = good.clone();
				b[0] = 1;
				b
			}),
			("float type", {
				let mut b = good.clone();
				b[2] = 0x0d;
				b
			}),
			("label magic for images", write::labels(&[1, 2])),
			("truncated data", good[..good.len() - 1].to_vec()),
			("trailing data", {
				let mut b = good.clone();
				b.push(0);
				b
			}),
			("truncated dims", good[..9].to_vec()),
			("huge dims", {
				let mut b = vec![0, 0, 8, 3];
				for _ in 0..3 {
					b.extend_from_slice(&u32::MAX.to_be_bytes());
				}
				b
			}),
			("corrupt gzip", {
				let mut b = write::gzip(&good);
				let n = b.len();
				b.truncate(n / 2);
				b
			}),
		];
		for (name, bytes) in cases {
			assert!(matches!(parse_idx_images(bytes), Err(Error::Idx(_))), "{name}");
		}
		let images = parse_idx_images(good).unwrap();
		let labels = parse_idx_labels(write::labels(&[1])).unwrap();
		assert!(matches!(to_dataset(images, labels), Err(Error::Idx(_))));
	}
}
