# Sourced by docker/*.sh: podman without a Docker engine, root or rootless, on a machine
# whose kernel or sandbox allows no overlay mounts and no cgroup delegation: the `vfs`
# storage driver, `runc`, host networking and no default ulimits. Its configuration and
# image store live outside the checkout, beside the cargo target directories, so images
# survive between runs and clones.
export VERITY_PODMAN_DIR="${VERITY_PODMAN_DIR:-$HOME/.cache/verity/podman}"
mkdir -p "$VERITY_PODMAN_DIR"
cat >"$VERITY_PODMAN_DIR/storage.conf" <<CONF
[storage]
driver = "vfs"
runroot = "$VERITY_PODMAN_DIR/run"
graphroot = "$VERITY_PODMAN_DIR/storage"
CONF
cat >"$VERITY_PODMAN_DIR/containers.conf" <<'CONF'
[containers]
default_ulimits = []
netns = "host"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_STORAGE_CONF="$VERITY_PODMAN_DIR/storage.conf"
export CONTAINERS_CONF="$VERITY_PODMAN_DIR/containers.conf"
