//! The worker's chain client is generated from a snapshot of this runtime's metadata
//! (`worker/metadata/verity.scale`). This test fails when the runtime's metadata drifts
//! from that snapshot; `scripts/metadata.sh` regenerates it (then rebuild the worker).

use std::path::PathBuf;

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
	let bytes: &[u8] = &metadata;
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
