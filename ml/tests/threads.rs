#![allow(
	clippy::unwrap_used,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects
)] // test code: a panic is the failure report
//! Determinism across thread counts, in fresh processes: `matrixmultiply` reads
//! `MATMUL_NUM_THREADS` once per process and rayon's global pool `RAYON_NUM_THREADS`, so
//! only a child process can vary both. The MLP is wide enough (m·k + k·n ≥ 2¹⁵) for
//! matrixmultiply to actually split its products across threads. The batch, 80 samples, is
//! three shards of a step (32, 32 and 16 samples: `verity_ml::train::SHARD_SAMPLES`), which
//! run on as many threads as there are.

use std::process::Command;

fn hash(arch: &str, backend: &str, threads: usize) -> String {
	let output = Command::new(env!("CARGO_BIN_EXE_calibrate"))
		.env("RAYON_NUM_THREADS", threads.to_string())
		.env("MATMUL_NUM_THREADS", threads.to_string())
		.args(["hash", "--arch", arch, "--steps", "6", "--batch", "80", "--backend", backend])
		.output()
		.unwrap();
	assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
	String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn weights_hash_does_not_depend_on_thread_counts() {
	let backends = [
		"ndarray",
		#[cfg(feature = "flex")]
		"flex",
	];
	for backend in backends {
		for arch in ["mlp:784-256-10:tanh", "lenet:1x28x28:4", "lenet:3x32x32:10"] {
			let hashes: Vec<String> =
				[1, 2, 4].into_iter().map(|t| hash(arch, backend, t)).collect();
			assert_eq!(hashes[0].len(), 64);
			assert!(hashes.iter().all(|h| *h == hashes[0]), "{backend} {arch}: {hashes:?}");
		}
	}
}
