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
# Bumped whenever this script changes what it makes, so an image made by an older script
# is made again. 2: the root directory is 0755 (revision 1 kept mktemp's 0700, and no
# user but root could reach /usr/local/bin: the containers' non-root users could not
# start their binaries).
revision=2
if podman image exists "$image"; then
	made=$(podman image inspect --format '{{index .Config.Labels "org.verity.base-image.revision"}}' "$image" 2>/dev/null || true)
	if [ "$made" = "$revision" ]; then
		echo "base image: $image already there"
		exit 0
	fi
	echo "base image: $image was made by an older docker/base-image.sh (revision ${made:-1}); making it again"
	podman rmi -f "$image" >/dev/null
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
# The archive's "." becomes the image's "/": mktemp made it 0700.
chmod 0755 "$rootfs"
tar -C "$rootfs" -c . | podman import --change 'CMD ["bash"]' \
	--change "LABEL org.verity.base-image.revision=$revision" - "$image" >/dev/null
echo "base image: $image ($(podman image inspect --format '{{.Size}}' "$image") bytes)"
