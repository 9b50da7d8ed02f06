#!/usr/bin/env bash
# Installs what building and testing Verity needs on a Debian/Ubuntu machine.
# Idempotent: what is already there is left alone, so it is cheap to run every time.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# C toolchain and libraries for RocksDB and libp2p, protoc for the node's networking,
# mold for fast linking, Node.js for the end-to-end tests.
packages=()
command -v clang >/dev/null || packages+=(clang libclang-dev)
command -v protoc >/dev/null || packages+=(protobuf-compiler)
command -v mold >/dev/null || packages+=(mold)
command -v make >/dev/null || packages+=(make)
command -v pkg-config >/dev/null || packages+=(pkg-config)
[ -e /usr/include/openssl/ssl.h ] || packages+=(libssl-dev)
command -v git >/dev/null || packages+=(git)
command -v curl >/dev/null || packages+=(curl ca-certificates)
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
python3 -c 'import venv, ensurepip' 2>/dev/null || packages+=(python3-venv)
# A real dataset for the worker's end-to-end suite (Fashion-MNIST, 30 MB).
[ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || packages+=(dataset-fashion-mnist)
if [ ${#packages[@]} -gt 0 ]; then
	echo "setup: installing ${packages[*]}"
	as_root apt-get update -qq
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

if ! command -v cargo >/dev/null; then
	echo "setup: installing Rust with rustup"
	curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
	# shellcheck disable=SC1091
	. "$HOME/.cargo/env"
fi
# The runtime compiles to WASM; wasm32v1-none is the target substrate-wasm-builder prefers.
installed_targets=$(rustup target list --installed)
for target in wasm32-unknown-unknown wasm32v1-none; do
	grep -qx "$target" <<<"$installed_targets" || rustup target add "$target"
done
rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src

# The end-to-end suite's packages, exactly as locked.
if [ ! -d e2e/node_modules ] || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
	(cd e2e && npm ci --no-fund --no-audit)
fi

# numpy and safetensors for the ML crate's check that Python reads its exported weights.
if ! ml/.venv/bin/python -c 'import numpy, safetensors' 2>/dev/null; then
	python3 -m venv ml/.venv
	ml/.venv/bin/pip install --quiet --disable-pip-version-check numpy safetensors
fi
