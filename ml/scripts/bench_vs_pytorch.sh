#!/usr/bin/env bash
# Training throughput (samples/s) of verity-ml (burn, ndarray backend) against PyTorch CPU,
# on the same MLP and LeNet, batch size and thread count, synthetic 28×28 data, Adam.
#
# NOT for CI: on first use it installs torch from PyPI into ml/.venv-bench (git-ignored);
# PyPI's wheel brings CUDA libraries, several GB. Set TORCH_INDEX_URL to a CPU-only index
# (e.g. PyTorch's own) where one is reachable.
#
#   THREADS=2 BATCH=64 STEPS=200 ml/scripts/bench_vs_pytorch.sh
#   BACKEND=flex CARGO_FEATURES=flex ml/scripts/bench_vs_pytorch.sh   # burn-flex backend
set -euo pipefail
THREADS=${THREADS:-2}
BATCH=${BATCH:-64}
STEPS=${STEPS:-200}
BACKEND=${BACKEND:-ndarray}
CARGO_FEATURES=${CARGO_FEATURES:-}
TORCH_INDEX_URL=${TORCH_INDEX_URL:-https://pypi.org/simple}
cd "$(dirname "$0")/.."

if [ ! -x .venv-bench/bin/python ] || ! .venv-bench/bin/python -c "import torch" 2>/dev/null; then
	python3 -m venv .venv-bench
	.venv-bench/bin/pip install --quiet --index-url "$TORCH_INDEX_URL" torch
	.venv-bench/bin/pip install --quiet numpy
fi

cargo build --release --features "$CARGO_FEATURES" --example throughput
RAYON_NUM_THREADS=$THREADS MATMUL_NUM_THREADS=$THREADS \
	"${CARGO_TARGET_DIR:-target}/release/examples/throughput" --batch "$BATCH" --steps "$STEPS" --backend "$BACKEND"
OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS \
	.venv-bench/bin/python scripts/throughput_torch.py --batch "$BATCH" --steps "$STEPS" --threads "$THREADS"
