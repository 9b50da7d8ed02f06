# Sourced by the scripts: cargo target directories outside the checkout, shared by every
# clone and by CI on the same machine, so nothing is compiled twice. The ML crate is a
# workspace of its own and keeps its artifacts beside the chain's.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/verity/target}"
export ML_TARGET_DIR="${ML_TARGET_DIR:-$HOME/.cache/verity/ml-target}"
if [ -f "$HOME/.cargo/env" ]; then
	. "$HOME/.cargo/env"
fi
