//! The crate's one error type. Malformed input (a truncated IDX file, a CSV row with a
//! letter in it, a checkpoint from another architecture) always comes back as an [`Error`],
//! never as a panic: a worker reads files it did not write.

use std::fmt;
use std::io;

use verity_primitives::{ArchitectureError, ContentHash};

/// Everything that can go wrong in this crate.
#[derive(Debug)]
pub enum Error {
	/// Reading or writing a file failed.
	Io {
		/// What was being done, e.g. the file's path.
		context: String,
		/// The underlying error.
		source: io::Error,
	},
	/// An IDX file is malformed (bad magic number, impossible dimensions, wrong length).
	Idx(String),
	/// An IDX archive does not hold exactly one image file and one label file.
	Archive(String),
	/// A CSV file is malformed.
	Csv {
		/// 1-based line number.
		line: usize,
		/// What is wrong with it.
		message: String,
	},
	/// The architecture spec is refused by `verity-primitives`.
	Architecture(ArchitectureError),
	/// The data does not fit the model (feature count, label out of range, empty dataset).
	Shape(String),
	/// A file's content hash is not the one expected.
	HashMismatch {
		/// The hash the caller expected.
		expected: ContentHash,
		/// The hash of the file as read.
		actual: ContentHash,
	},
	/// A checkpoint or weights file is malformed or does not fit the model.
	Checkpoint(String),
	/// A training configuration is invalid.
	Config(String),
	/// A backend is not compiled in or not available on this machine.
	Backend(String),
}

/// Shorthand for `Result<T, Error>`.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
	/// Wraps an I/O error with what was being done.
	pub fn io(context: impl Into<String>, source: io::Error) -> Self {
		Error::Io { context: context.into(), source }
	}
}

impl fmt::Display for Error {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Error::Io { context, source } => write!(f, "{context}: {source}"),
			Error::Idx(m) => write!(f, "malformed IDX file: {m}"),
			Error::Archive(m) => write!(f, "malformed IDX archive: {m}"),
			Error::Csv { line, message } => write!(f, "malformed CSV at line {line}: {message}"),
			Error::Architecture(e) => write!(f, "architecture refused: {e:?}"),
			Error::Shape(m) => write!(f, "data does not fit the model: {m}"),
			Error::HashMismatch { expected, actual } => write!(
				f,
				"content hash mismatch: expected {} ({} bytes), got {} ({} bytes)",
				crate::hex(&expected.root),
				expected.size,
				crate::hex(&actual.root),
				actual.size
			),
			Error::Checkpoint(m) => write!(f, "bad checkpoint: {m}"),
			Error::Config(m) => write!(f, "invalid configuration: {m}"),
			Error::Backend(m) => write!(f, "backend unavailable: {m}"),
		}
	}
}

impl std::error::Error for Error {
	fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
		match self {
			Error::Io { source, .. } => Some(source),
			_ => None,
		}
	}
}

impl From<ArchitectureError> for Error {
	fn from(e: ArchitectureError) -> Self {
		Error::Architecture(e)
	}
}
