#!/usr/bin/env bash
# Runs every test: Rust unit and benchmark tests of the workspace, then the end-to-end
# suite against a freshly built verity-node. Prints how long each step took.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

timed() {
	local name=$1
	shift
	local start=$SECONDS
	echo "==> $name"
	"$@"
	echo "<== $name: $((SECONDS - start)) s"
}

timed "prerequisites" scripts/setup.sh
# Build and test share one profile (release) and one feature set, so the test step
# reuses everything the node build compiled.
timed "build verity-node" cargo build --release -p verity-node
timed "cargo test" cargo test --release --workspace
# The off-chain workspace (verity-ml, verity-worker) is rooted at ml/: burn's and subxt's
# dependencies stay out of the chain's feature set, in a target directory of their own.
# The end-to-end dispute suite runs cheating workers: the worker built with the `faults`
# feature, kept beside the real one as `verity-worker-faults`. The real one is built last.
timed "build verity-worker-faults" bash -c 'env CARGO_TARGET_DIR="$ML_TARGET_DIR" \
	cargo build --release --manifest-path ml/Cargo.toml -p verity-worker --features faults &&
	cp "$ML_TARGET_DIR/release/verity-worker" "$ML_TARGET_DIR/release/verity-worker-faults"'
timed "build verity-ml, verity-worker" env CARGO_TARGET_DIR="$ML_TARGET_DIR" \
	cargo build --release --manifest-path ml/Cargo.toml --workspace --bins
timed "verity-ml, verity-worker tests" env CARGO_TARGET_DIR="$ML_TARGET_DIR" \
	cargo test --release --manifest-path ml/Cargo.toml --workspace
timed "e2e (Polkadot.js and verity-worker against verity-node --dev)" bash -c 'cd e2e && npm test'
# The runtime fuzzer, two minutes: random signed extrinsics in real blocks, invariants after
# every block (scripts/fuzz.sh; the try-runtime feature set, compiled once). A fixed seed
# keeps the test command reproducible; exploring new seeds is `scripts/fuzz.sh` by hand.
timed "runtime fuzzer (2 min)" scripts/fuzz.sh 120 2026
# Containers: Dockerfiles linted, the compose file validated, and (with podman) the images
# built from the binaries above and run: a node producing blocks, a worker registering.
timed "docker (hadolint, compose schema, podman images)" docker/test.sh
# A real relay-chain network (zombienet): runs when the relay binaries are built
# (scripts/relay-binaries.sh, kept out of this command's cold path), else says it skipped.
timed "zombienet (rococo-local + two collators)" zombienet/test.sh
