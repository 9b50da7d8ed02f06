#!/usr/bin/env bash
# Makes the base image the Dockerfiles start from, `debian:bookworm-slim`, without a
# registry: a minimal Debian bookworm root file system from debootstrap, imported into
# podman as localhost/debian:bookworm-slim. Skips if the image is already there.
#
#   docker/base-image.sh [MIRROR]     (default http://deb.debian.org/debian)
set -euo pipefail
cd "$(dirname "$0")"
. ./podman-env.sh

image=localhost/debian:bookworm-slim
if podman image exists "$image"; then
	echo "base image: $image already there"
	exit 0
fi
mirror=${1:-http://deb.debian.org/debian}
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
echo "base image: debootstrap --variant=minbase bookworm from $mirror"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$VERITY_PODMAN_DIR/debootstrap.log" 2>&1 || {
	tail -20 "$VERITY_PODMAN_DIR/debootstrap.log"
	exit 1
}
# As the official slim image: no package cache, no downloaded lists.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | podman import --change 'CMD ["bash"]' - "$image" >/dev/null
echo "base image: $image ($(podman image inspect --format '{{.Size}}' "$image") bytes)"
