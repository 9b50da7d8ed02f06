#!/usr/bin/env bash
# Regenerates the worker's metadata snapshot (worker/metadata/verity.scale) from the
# runtime, natively (no node needed): the runtime's drift test writes it when asked.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
VERITY_WRITE_METADATA=1 cargo test --release --workspace --test worker_metadata -- --nocapture
