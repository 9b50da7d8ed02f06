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
timed "e2e (Polkadot.js against verity-node --dev)" bash -c 'cd e2e && npm test'
# The ML crate is a workspace of its own (burn's dependencies stay out of the chain's
# feature set), with a target directory of its own beside the chain's.
timed "verity-ml tests" env CARGO_TARGET_DIR="$ML_TARGET_DIR" cargo test --release --manifest-path ml/Cargo.toml
