# Sourced by the scripts: one cargo target directory outside the checkout, shared by every
# clone and by CI on the same machine, so nothing is compiled twice.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/verity/target}"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
