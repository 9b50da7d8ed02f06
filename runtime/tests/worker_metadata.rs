//! The worker's chain client is generated from a snapshot of this runtime's metadata
//! (`worker/metadata/verity.scale`). This test fails when the runtime's metadata drifts
//! from that snapshot; `scripts/metadata.sh` regenerates it (then rebuild the worker).
//!
//! The snapshot is the metadata of the runtime networks run: built without
//! `runtime-benchmarks` (`verity_runtime::production`). Tests compile the runtime with the
//! node's features, whose only difference in metadata is the `Benchmark` runtime API, so it
//! is taken out here; otherwise the worker's compatibility check (a hash over the runtime
//! APIs of its snapshot) would refuse every chain the node ships.

use std::path::PathBuf;

use codec::{Decode, Encode};
// frame-support's re-export of frame-metadata: the same crate and features as the runtime's.
use frame_support::__private::metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};

/// Runtime APIs that exist only in a runtime built with `runtime-benchmarks`.
const BENCHMARK_ONLY_APIS: [&str; 1] = ["Benchmark"];

/// The metadata version the worker's codegen reads (V16: it carries the runtime APIs).
const VERSION: u32 = 16;

fn snapshot_path() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../worker/metadata/verity.scale")
}

#[test]
fn worker_metadata_snapshot_matches_the_runtime() {
	// Building the metadata reads storage defaults and constants, so it needs externalities.
	let metadata = sp_io::TestExternalities::default()
		.execute_with(|| verity_runtime::Runtime::metadata_at_version(VERSION))
		.expect("the runtime offers metadata V16");
	// `OpaqueMetadata` holds the SCALE encoding of `RuntimeMetadataPrefixed`, which is the
	// file format subxt's codegen reads.
	let mut prefixed = RuntimeMetadataPrefixed::decode(&mut &metadata[..]).expect("decodes");
	let RuntimeMetadata::V16(ref mut latest) = prefixed.1 else {
		panic!("metadata_at_version({VERSION}) answered another version")
	};
	latest.apis.retain(|api| !BENCHMARK_ONLY_APIS.contains(&api.name.as_str()));
	let bytes = &prefixed.encode()[..];
	let path = snapshot_path();
	if std::env::var_os("VERITY_WRITE_METADATA").is_some() {
		std::fs::write(&path, bytes).expect("write the metadata snapshot");
		println!("wrote {} ({} bytes)", path.display(), bytes.len());
		return;
	}
	let snapshot = std::fs::read(&path).unwrap_or_default();
	assert!(
		snapshot == bytes,
		"{} ({} bytes) is not the runtime's metadata ({} bytes): the runtime changed. Run \
		 scripts/metadata.sh, rebuild verity-worker and commit the new snapshot.",
		path.display(),
		snapshot.len(),
		bytes.len()
	);
}
