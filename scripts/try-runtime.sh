#!/usr/bin/env bash
# The try-runtime checks (runtime/tests/try_runtime.rs) on the `development` genesis: every
# pallet's upgrade hooks and pre/post-upgrade checks, the storage version each pallet
# declares against the one on chain, and every pallet's try_state. Run it after adding a
# migration to the runtime or bumping a pallet's STORAGE_VERSION.
#
# The `try-runtime` feature is a second feature set (frame and every pallet compile again
# with it), so this is not part of scripts/test.sh: the first run takes about as long as a
# runtime build from its dependencies; later runs reuse it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
SKIP_WASM_BUILD=1 cargo test --release -p verity-runtime --features try-runtime \
	--test try_runtime -- --nocapture "$@"
