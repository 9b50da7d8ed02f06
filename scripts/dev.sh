#!/usr/bin/env bash
# Installs prerequisites, builds verity-node and starts a one-machine dev chain:
# RPC on ws://127.0.0.1:9944, a block every second, Alice funded and collating.
# Extra arguments go to the node, e.g. `scripts/dev.sh --dev-block-time 6000`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
cargo build --release -p verity-node
exec "$CARGO_TARGET_DIR/release/verity-node" --dev --dev-block-time 1000 "$@"
