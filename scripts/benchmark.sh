#!/usr/bin/env bash
# Benchmarks a pallet on this machine and writes its weights.
#   scripts/benchmark.sh pallet_datasets     # Verity's pallets: pallets/<name>/src/weights.rs
#   scripts/benchmark.sh pallet_balances     # the runtime's others: runtime/src/weights/<name>.rs
# Compare a pallet with `balances.transfer_keep_alive` from the same run:
#   scripts/weight_ratios.py pallets/compute/src/weights.rs runtime/src/weights/pallet_balances.rs
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
pallet=${1:?usage: scripts/benchmark.sh <pallet_name>}
node="$CARGO_TARGET_DIR/release/verity-node"
[ -x "$node" ] || cargo build --release -p verity-node
crate_dir="pallets/${pallet#pallet_}"
if [ -d "$crate_dir" ]; then
	# Verity's pallets: a WeightInfo trait, `SubstrateWeight<T>` and `()` for the tests.
	output=(--template scripts/weight-template.hbs --output "$crate_dir/src/weights.rs")
else
	# polkadot-sdk's pallets: the runtime's `WeightInfo<T>` implementing the pallet's trait.
	output=(--output "runtime/src/weights/$pallet.rs")
fi
# The runtime blob with the benchmarks (the built-in chain specs embed the one without).
runtime="$CARGO_TARGET_DIR/release/wbuild/verity-runtime/verity_runtime.compact.compressed.wasm"
"$node" benchmark pallet \
	--runtime "$runtime" \
	--genesis-builder-preset development \
	--pallet "$pallet" \
	--extrinsic '*' \
	--steps 50 \
	--repeat 20 \
	--header scripts/weight-header.txt \
	"${output[@]}"
