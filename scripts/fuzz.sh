#!/usr/bin/env bash
# The runtime fuzzer (runtime/tests/fuzz.rs): random signed extrinsics of every Verity
# pallet and of balances/utility/proxy/multisig/sudo, in blocks of the real runtime from
# the development genesis, with try_state, the issuance ledger, block weight and
# weight-vs-time checked after every block. Prints the seed; the same seed replays the run.
#
#   scripts/fuzz.sh [SECONDS] [SEED]      (default 120 s, seed from the clock)
#   VERITY_FUZZ_EXTRINSICS=1000000 scripts/fuzz.sh 7200    (a long run: stops at a million)
#
# It compiles with the `try-runtime` feature set (as scripts/try-runtime.sh; shared).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
export VERITY_FUZZ_SECONDS="${1:-120}"
[ -n "${2:-}" ] && export VERITY_FUZZ_SEED="$2"
SKIP_WASM_BUILD=1 cargo test --release -p verity-runtime --features try-runtime \
	--test fuzz -- --nocapture
