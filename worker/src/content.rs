//! Files named by a content hash: fetched from `file://`, `http(s)://` or `ipfs://` (through
//! a gateway), checked against the hash before anything reads them, and cached by hash.
//!
//! A file enters the cache only after its chunk-Merkle content hash matched, by an atomic
//! rename, so a cached file is a verified file and a half-written download is never used.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use verity_primitives::ContentHash;

/// Why a file could not be had.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
	/// The URI names a scheme the worker does not fetch.
	#[error("unsupported URI {0:?}: expected file://, http://, https:// or ipfs://")]
	UnsupportedUri(String),
	/// An `ipfs://` URI without a configured gateway.
	#[error("{0} needs an IPFS gateway: start the worker with --ipfs-gateway URL")]
	NoIpfsGateway(String),
	/// The server answered with an error status.
	#[error("GET {uri}: HTTP {status}")]
	Status {
		/// The URL asked.
		uri: String,
		/// The status answered.
		status: u16,
	},
	/// A network error.
	#[error("GET {uri}: {source}")]
	Http {
		/// The URL asked.
		uri: String,
		/// What went wrong.
		source: reqwest::Error,
	},
	/// The source holds more bytes than the listing says the file has.
	#[error("{uri} is larger than its listed {expected} bytes")]
	TooLarge {
		/// Where from.
		uri: String,
		/// Listed size.
		expected: u64,
	},
	/// The content does not hash to the listed content hash (wrong or truncated file).
	#[error(
		"{uri} does not match its listed content hash: listed {} ({} bytes), got {} ({} bytes)",
		hex::encode(expected.root), expected.size, hex::encode(actual.root), actual.size
	)]
	HashMismatch {
		/// Where from.
		uri: String,
		/// The listed hash.
		expected: ContentHash,
		/// The hash of what arrived.
		actual: ContentHash,
	},
	/// A local file error.
	#[error("{context}: {source}")]
	Io {
		/// What was being done.
		context: String,
		/// What went wrong.
		source: std::io::Error,
	},
}

impl FetchError {
	fn io(context: impl Into<String>, source: std::io::Error) -> Self {
		FetchError::Io { context: context.into(), source }
	}

	/// Whether the content itself is bad (as opposed to unreachable): a worker refuses such
	/// a job instead of retrying.
	pub fn is_bad_content(&self) -> bool {
		matches!(self, FetchError::HashMismatch { .. } | FetchError::TooLarge { .. })
	}
}

/// The file name of a content hash in the cache and on the HTTP server.
pub fn content_name(hash: &ContentHash) -> String {
	format!("{}-{}", hex::encode(hash.root), hash.size)
}

/// A cache of verified files, keyed by content hash.
#[derive(Clone)]
pub struct ContentStore {
	dir: PathBuf,
	http: reqwest::Client,
	ipfs_gateway: Option<String>,
}

impl ContentStore {
	/// A store in `dir`, fetching `ipfs://` through `ipfs_gateway` (e.g.
	/// `http://127.0.0.1:8080`) when given.
	pub fn new(dir: PathBuf, ipfs_gateway: Option<String>) -> anyhow::Result<Self> {
		std::fs::create_dir_all(dir.join("tmp"))?;
		let http = reqwest::Client::builder()
			.connect_timeout(Duration::from_secs(10))
			.read_timeout(Duration::from_secs(60))
			.build()?;
		Ok(Self { dir, http, ipfs_gateway: ipfs_gateway.map(|g| g.trim_end_matches('/').into()) })
	}

	/// Where a verified file with this hash lives (whether or not it is there yet).
	pub fn path_of(&self, hash: &ContentHash) -> PathBuf {
		self.dir.join(content_name(hash))
	}

	/// The cached file with this hash, if any.
	pub fn cached(&self, hash: &ContentHash) -> Option<PathBuf> {
		let path = self.path_of(hash);
		path.is_file().then_some(path)
	}

	/// The verified file `uri` names, fetched once and then served from the cache.
	pub async fn fetch(&self, uri: &str, expected: ContentHash) -> Result<PathBuf, FetchError> {
		if let Some(path) = self.cached(&expected) {
			return Ok(path);
		}
		let tmp = self.dir.join("tmp").join(format!(
			"{}-{}",
			content_name(&expected),
			std::process::id()
		));
		let result = self.download(uri, expected.size, &tmp).await;
		let verified = match result {
			Ok(()) => verify(uri, &tmp, expected).await,
			Err(e) => Err(e),
		};
		if let Err(e) = verified {
			let _ = tokio::fs::remove_file(&tmp).await;
			return Err(e);
		}
		let path = self.path_of(&expected);
		tokio::fs::rename(&tmp, &path)
			.await
			.map_err(|e| FetchError::io(format!("moving {} into the cache", tmp.display()), e))?;
		tracing::info!(uri, hash = %content_name(&expected), "fetched and verified");
		Ok(path)
	}

	/// Adds a local file to the cache under its content hash (e.g. weights this worker
	/// trained, which it then serves).
	pub async fn insert_bytes(&self, bytes: &[u8]) -> Result<(ContentHash, PathBuf), FetchError> {
		let hash = ContentHash::of(bytes);
		let path = self.path_of(&hash);
		crate::store::write_atomic(&path, bytes)
			.map_err(|e| FetchError::io(format!("writing {}", path.display()), e))?;
		Ok((hash, path))
	}

	async fn download(&self, uri: &str, limit: u64, to: &Path) -> Result<(), FetchError> {
		if let Some(path) = uri.strip_prefix("file://") {
			let len = tokio::fs::metadata(path)
				.await
				.map_err(|e| FetchError::io(format!("reading {uri}"), e))?
				.len();
			if len > limit {
				return Err(FetchError::TooLarge { uri: uri.into(), expected: limit });
			}
			tokio::fs::copy(path, to)
				.await
				.map_err(|e| FetchError::io(format!("copying {uri}"), e))?;
			return Ok(());
		}
		let url = if uri.starts_with("http://") || uri.starts_with("https://") {
			uri.to_owned()
		} else if let Some(rest) = uri.strip_prefix("ipfs://") {
			let gateway =
				self.ipfs_gateway.as_ref().ok_or_else(|| FetchError::NoIpfsGateway(uri.into()))?;
			format!("{gateway}/ipfs/{rest}")
		} else {
			return Err(FetchError::UnsupportedUri(uri.into()));
		};
		let http_error = |source| FetchError::Http { uri: url.clone(), source };
		let mut response = self.http.get(&url).send().await.map_err(http_error)?;
		if !response.status().is_success() {
			return Err(FetchError::Status { uri: url, status: response.status().as_u16() });
		}
		let mut file = tokio::fs::File::create(to)
			.await
			.map_err(|e| FetchError::io(format!("creating {}", to.display()), e))?;
		let mut received = 0u64;
		while let Some(chunk) = response.chunk().await.map_err(http_error)? {
			received = received.saturating_add(chunk.len() as u64);
			if received > limit {
				return Err(FetchError::TooLarge { uri: url, expected: limit });
			}
			file.write_all(&chunk)
				.await
				.map_err(|e| FetchError::io(format!("writing {}", to.display()), e))?;
		}
		file.sync_all()
			.await
			.map_err(|e| FetchError::io(format!("syncing {}", to.display()), e))?;
		Ok(())
	}
}

async fn verify(uri: &str, path: &Path, expected: ContentHash) -> Result<(), FetchError> {
	let owned = path.to_owned();
	let actual = tokio::task::spawn_blocking(move || verity_ml::data::content_hash_file(&owned))
		.await
		.map_err(|e| FetchError::io("hashing", std::io::Error::other(e)))?
		.map_err(|e| {
			FetchError::io(format!("hashing {}", path.display()), std::io::Error::other(e))
		})?;
	if actual == expected {
		Ok(())
	} else {
		Err(FetchError::HashMismatch { uri: uri.into(), expected, actual })
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn store() -> (tempfile::TempDir, ContentStore) {
		let dir = tempfile::tempdir().unwrap();
		let store = ContentStore::new(dir.path().join("cache"), None).unwrap();
		(dir, store)
	}

	#[tokio::test]
	async fn a_file_uri_is_fetched_verified_and_cached() {
		let (dir, store) = store();
		let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
		let source = dir.path().join("data.bin");
		std::fs::write(&source, &data).unwrap();
		let hash = ContentHash::of(&data);
		let uri = format!("file://{}", source.display());
		let path = store.fetch(&uri, hash).await.unwrap();
		assert_eq!(std::fs::read(&path).unwrap(), data);
		// Served from the cache once the source is gone.
		std::fs::remove_file(&source).unwrap();
		assert_eq!(store.fetch(&uri, hash).await.unwrap(), path);
	}

	#[tokio::test]
	async fn a_wrong_or_truncated_file_is_refused_and_not_cached() {
		let (dir, store) = store();
		let data = vec![7u8; 10_000];
		let source = dir.path().join("data.bin");
		std::fs::write(&source, &data[..9_000]).unwrap();
		let hash = ContentHash::of(&data);
		let uri = format!("file://{}", source.display());
		let error = store.fetch(&uri, hash).await.unwrap_err();
		assert!(matches!(error, FetchError::HashMismatch { .. }), "{error}");
		assert!(error.is_bad_content());
		assert!(store.cached(&hash).is_none());
		// A file longer than listed is refused before it is read whole.
		std::fs::write(&source, vec![7u8; 20_000]).unwrap();
		let error = store.fetch(&uri, hash).await.unwrap_err();
		assert!(matches!(error, FetchError::TooLarge { .. }), "{error}");
	}

	#[tokio::test]
	async fn unknown_schemes_and_ipfs_without_gateway_are_refused() {
		let (_dir, store) = store();
		let hash = ContentHash::of(b"x");
		assert!(matches!(
			store.fetch("ftp://host/x", hash).await,
			Err(FetchError::UnsupportedUri(_))
		));
		assert!(matches!(
			store.fetch("ipfs://bafy/x", hash).await,
			Err(FetchError::NoIpfsGateway(_))
		));
	}
}
