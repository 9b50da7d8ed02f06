#!/usr/bin/env bash
# Spawns zombienet/network.toml (two rococo-local validators, two verity-node collators)
# with zombienet's native provider for each test: verity.zndsl (registration, finality, a
# market call, relay randomness) and workers.zndsl (three verity-worker daemons train a
# posted job into a model). Run by
# scripts/test.sh; skips, saying so, when the relay-chain binaries are not built
# (scripts/relay-binaries.sh). The network's files and logs stay in the printed directory.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

relay_bin="${VERITY_RELAY_DIR:-$HOME/.cache/verity/relay}/bin"
for bin in polkadot polkadot-prepare-worker polkadot-execute-worker; do
	if ! [ -x "$relay_bin/$bin" ]; then
		echo "zombienet: SKIPPED the relay-chain network test: $relay_bin/$bin is not built" \
			"(scripts/relay-binaries.sh builds it, about 2 hours on 2 cores)"
		exit 0
	fi
done
[ -x "$CARGO_TARGET_DIR/release/verity-node" ] || { echo "zombienet: verity-node is not built"; exit 1; }
[ -x "$ML_TARGET_DIR/release/verity-worker" ] || { echo "zombienet: verity-worker is not built"; exit 1; }
export PATH="$relay_bin:$CARGO_TARGET_DIR/release:$ML_TARGET_DIR/release:$PATH"

if [ ! -d zombienet/node_modules ] || [ zombienet/package-lock.json -nt zombienet/node_modules/.package-lock.json ]; then
	(cd zombienet && npm ci --no-fund --no-audit)
fi
echo "zombienet: $(polkadot --version), $(verity-node --version)"
# Each test spawns a network of its own (the first leaves state the second does not expect).
# One of them: VERITY_ZOMBIENET_TESTS=workers zombienet/test.sh
for test in ${VERITY_ZOMBIENET_TESTS:-verity workers}; do
	network_dir=$(mktemp -d)/network
	echo "zombienet: $test.zndsl; network files and logs in $network_dir"
	start=$SECONDS
	zombienet/node_modules/.bin/zombienet --provider native --logType text --dir "$network_dir" \
		test "zombienet/$test.zndsl"
	echo "zombienet: $test.zndsl passed in $((SECONDS - start)) s"
done
