//! Compiles the runtime to WASM; both blobs are embedded in the crate.
//!
//! - `production::WASM_BINARY`: the runtime without `runtime-benchmarks`, as a live network
//!   runs it: the node's built-in `dev` and `local` chain specs, hence the e2e suite,
//!   zombienet and the docker images.
//! - `WASM_BINARY`: the runtime with the features this build enabled. The node enables
//!   `runtime-benchmarks` (one feature set for build and test), so this blob carries the
//!   benchmarks `verity-node benchmark pallet --runtime` runs (`scripts/benchmark.sh`).
//!   When a build does not enable `runtime-benchmarks`, the two are one blob.
#[cfg(feature = "std")]
fn main() {
	#[cfg(feature = "runtime-benchmarks")]
	build_without_benchmarks();
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

/// wasm-builder passes the runtime's features that cargo enabled for this build script (its
/// `CARGO_FEATURE_*` variables) on to the WASM build; with those of the benchmarks taken
/// out, the second build is the runtime a live network runs. Its blob gets a name of its own
/// in the same WASM project, `verity_runtime_production.compact.compressed.wasm` (the name
/// of the file in `OUT_DIR` that `lib.rs` includes), and the WASM project's cargo keeps
/// both feature sets' artifacts, so neither build undoes the other.
#[cfg(all(feature = "std", feature = "runtime-benchmarks"))]
fn build_without_benchmarks() {
	// The runtime's own feature and the optional dependencies it switches on.
	const BENCHMARK_FEATURES: [&str; 3] = [
		"CARGO_FEATURE_RUNTIME_BENCHMARKS",
		"CARGO_FEATURE_FRAME_BENCHMARKING",
		"CARGO_FEATURE_FRAME_SYSTEM_BENCHMARKING",
	];
	let enabled: Vec<_> = BENCHMARK_FEATURES
		.iter()
		.filter_map(|name| std::env::var(name).ok().map(|value| (*name, value)))
		.collect();
	for (name, _) in &enabled {
		std::env::remove_var(name);
	}
	substrate_wasm_builder::WasmBuilder::init_with_defaults()
		.set_file_name("verity_runtime_production")
		.build();
	for (name, value) in enabled {
		std::env::set_var(name, value);
	}
}

#[cfg(not(feature = "std"))]
fn main() {}
