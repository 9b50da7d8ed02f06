#!/usr/bin/env bash
# Builds the relay-chain binaries a zombienet network needs (`polkadot`,
# `polkadot-prepare-worker`, `polkadot-execute-worker`) from crates.io, at the release our
# polkadot-sdk pin ships (polkadot 41.0.0 = stable2609: the same polkadot-cli 42 as our
# Cargo.lock), with its own lock file (--locked) and `fast-runtime` (1-minute epochs, so
# a network is up in minutes). The polkadot crate always enables both relay runtimes
# (rococo-native, westend-native); we use rococo-local.
#
# Long on 2 cores (about 2 hours), so it is kept out of the test command's cold path:
# run it once, in the background, at low priority; zombienet/test.sh runs the network
# test when the binaries are there and says it skipped when they are not.
#
#   nice scripts/relay-binaries.sh &      # -> $VERITY_RELAY_DIR/bin (~/.cache/verity/relay)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

relay_dir="${VERITY_RELAY_DIR:-$HOME/.cache/verity/relay}"
version=41.0.0
if "$relay_dir/bin/polkadot" --version 2>/dev/null | grep -q .; then
	echo "relay binaries: $("$relay_dir/bin/polkadot" --version) already in $relay_dir/bin"
	exit 0
fi
mkdir -p "$relay_dir"
start=$SECONDS
# A target directory of its own: polkadot's lock resolves other versions than ours, and a
# shared one would make this build and the node's evict each other's artifacts.
relay_target="${VERITY_RELAY_TARGET:-$HOME/.cache/verity/relay-target}"
cargo install --locked "polkadot@$version" --features fast-runtime \
	--root "$relay_dir" --target-dir "$relay_target"
echo "relay binaries: polkadot $version built in $((SECONDS - start)) s into $relay_dir/bin"
