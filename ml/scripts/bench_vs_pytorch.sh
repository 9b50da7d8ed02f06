#!/usr/bin/env bash
# Training throughput of verity-ml (burn) against PyTorch CPU on the same MLP and LeNet,
# batch size, Adam and thread count, synthetic 28×28 data, both measured in this one run.
# Prints per model and thread count: samples/s of each, the ratio, the GFLOP/s each
# achieves and its share of this machine's FMA peak. Each figure is the median of REPEATS
# runs, burn's and PyTorch's alternating (a shared VM's speed drifts by tens of percent
# between runs), with the range beside it.
#
# FLOPs per training sample are counted the usual way: 2 × the forward pass's
# multiply-adds × 3 (forward, input gradient, weight gradient): MLP 784-256-128-10
# 1.41 MFLOP, LeNet 1.69 MFLOP. The peak is threads × clock × f32 lanes of the widest
# vector extension in the CPU flags × 2 (an FMA is two FLOPs) × FMA_UNITS per core (2 on
# most server cores; set FMA_UNITS=1 for parts with one AVX-512 FMA unit).
#
# NOT for CI: on first use it installs torch from PyPI into ml/.venv-bench (git-ignored);
# PyPI's wheel brings CUDA libraries, ~4 GB (25 min here). Set TORCH_INDEX_URL to a CPU-only
# index (e.g. PyTorch's own) where one is reachable. Run it on an otherwise idle machine.
#
#   ml/scripts/bench_vs_pytorch.sh                          # flex, 1 and 2 threads
#   THREADS_LIST="1 2 4" STEPS=500 REPEATS=5 ml/scripts/bench_vs_pytorch.sh
#   BACKEND=ndarray CARGO_FEATURES= ml/scripts/bench_vs_pytorch.sh
set -euo pipefail
THREADS_LIST=${THREADS_LIST:-1 2}
BATCH=${BATCH:-64}
STEPS=${STEPS:-300}
REPEATS=${REPEATS:-3}
BACKEND=${BACKEND:-flex}
CARGO_FEATURES=${CARGO_FEATURES-flex}
FMA_UNITS=${FMA_UNITS:-2}
TORCH_INDEX_URL=${TORCH_INDEX_URL:-https://pypi.org/simple}
cd "$(dirname "$0")/.."
. ../scripts/env.sh
export CARGO_TARGET_DIR="$ML_TARGET_DIR"

if [ ! -x .venv-bench/bin/python ] || ! .venv-bench/bin/python -c "import torch" 2>/dev/null; then
	python3 -m venv .venv-bench
	.venv-bench/bin/pip install --quiet --index-url "$TORCH_INDEX_URL" torch
	.venv-bench/bin/pip install --quiet numpy
fi
cargo build --release --features "$CARGO_FEATURES" --example throughput

flags=$(grep -m1 '^flags' /proc/cpuinfo)
lanes=4
case " $flags " in
*" avx512f "*) lanes=16 ;;
*" fma "*) lanes=8 ;;
esac
mhz=$(grep -m1 'cpu MHz' /proc/cpuinfo | awk '{print $4}')
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), ${mhz} MHz," \
	"$lanes f32 lanes, $FMA_UNITS FMA units/core; burn backend $BACKEND, batch $BATCH, $STEPS steps, Adam," \
	"median of $REPEATS runs"

results=$(mktemp)
for run in $(seq "$REPEATS"); do for threads in $THREADS_LIST; do
	RAYON_NUM_THREADS=$threads MATMUL_NUM_THREADS=$threads \
		"$CARGO_TARGET_DIR/release/examples/throughput" --batch "$BATCH" --steps "$STEPS" --backend "$BACKEND" |
		sed "s/^/$threads /" >> "$results"
	OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads \
		.venv-bench/bin/python scripts/throughput_torch.py --batch "$BATCH" --steps "$STEPS" --threads "$threads" |
		sed "s/^/$threads /" >> "$results"
done; done

python3 - "$results" "$mhz" "$lanes" "$FMA_UNITS" <<'EOF'
import re
import statistics
import sys

path, mhz, lanes, units = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
mflop = {"mlp": 2 * 3 * (784 * 256 + 256 * 128 + 128 * 10) / 1e6,
         "lenet": 2 * 3 * (24 * 24 * 6 * 25 + 8 * 8 * 16 * 150 + 256 * 120 + 120 * 84 + 84 * 10) / 1e6}
runs = {}
for line in open(path):
    m = re.match(r"(\d+) (verity-ml|pytorch)\s+(\w+): (\d+) samples/s", line)
    if m:
        runs.setdefault((int(m[1]), m[2], m[3]), []).append(float(m[4]))
rate = {k: statistics.median(v) for k, v in runs.items()}
spread = {k: f"{min(v):.0f}-{max(v):.0f}" for k, v in runs.items()}
print(f"{'model':6} {'threads':>7} {'burn/s':>9} {'torch/s':>9} {'ratio':>6} "
      f"{'burn GFLOP/s':>12} {'torch GFLOP/s':>13} {'peak':>7} {'burn %':>7} {'torch %':>7}"
      f"  {'burn range':>12} {'torch range':>12}")
for (threads, model) in sorted({(t, m) for (t, _, m) in rate}, key=lambda k: (k[1], k[0])):
    burn, torch = rate.get((threads, "verity-ml", model)), rate.get((threads, "pytorch", model))
    if burn is None or torch is None:
        continue
    peak = threads * mhz / 1e3 * lanes * 2 * units
    gb, gt = burn * mflop[model] / 1e3, torch * mflop[model] / 1e3
    print(f"{model:6} {threads:>7} {burn:>9.0f} {torch:>9.0f} {burn / torch:>5.2f}x "
          f"{gb:>12.1f} {gt:>13.1f} {peak:>7.0f} {100 * gb / peak:>6.1f}% {100 * gt / peak:>6.1f}%"
          f"  {spread[(threads, 'verity-ml', model)]:>12} {spread[(threads, 'pytorch', model)]:>12}")
EOF
rm -f "$results"
