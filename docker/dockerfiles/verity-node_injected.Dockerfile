# verity-node from a binary built outside the image (scripts/test.sh, CI, a release job).
#
#   mkdir -p ctx && cp "$CARGO_TARGET_DIR/release/verity-node" ctx/
#   podman build -f docker/dockerfiles/verity-node_injected.Dockerfile -t verity-node ctx
#
# The binary links glibc and libstdc++ dynamically, so the base must be the Debian release
# it was built on (bookworm here). docker/README.md lists the ports, volume and health check.
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim
FROM ${BASE_IMAGE}

ARG DEBIAN_FRONTEND=noninteractive
# curl for the health check; ca-certificates for TLS telemetry and bootnodes.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates curl \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --system --uid 10000 --user-group --home-dir /data --create-home --shell /usr/sbin/nologin verity

COPY verity-node /usr/local/bin/verity-node
# Fails the build if the binary cannot run here (a missing library, a newer glibc).
RUN /usr/local/bin/verity-node --version

USER 10000:10000
WORKDIR /data
# 30333 p2p (parachain), 30334 p2p (embedded relay-chain node), 9944 RPC (WebSocket and
# HTTP, also /health), 9615 Prometheus.
EXPOSE 30333 30334 9944 9615
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
	CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9944/health"]
ENTRYPOINT ["/usr/local/bin/verity-node"]
# A single-node development chain reachable from outside the container; give your own
# arguments (e.g. `--chain local --collator ... -- --chain rococo-local`) to replace these.
CMD ["--dev", "--base-path", "/data", "--rpc-external", "--rpc-cors", "all", "--prometheus-external"]
