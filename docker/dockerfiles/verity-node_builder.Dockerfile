# verity-node built from source inside the image (needs network access to crates.io and a
# Debian mirror; about an hour on 2 cores). Build from the repository root:
#
#   podman build -f docker/dockerfiles/verity-node_builder.Dockerfile -t verity-node .
#
# The runtime stage matches verity-node_injected.Dockerfile.
ARG RUST_IMAGE=docker.io/library/rust:1.95-bookworm
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim

FROM ${RUST_IMAGE} AS builder
ARG DEBIAN_FRONTEND=noninteractive
# What scripts/setup.sh installs for a node build: clang for RocksDB, protoc for libp2p,
# mold (the linker .cargo/config.toml names), the runtime's WASM targets.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends clang libclang-dev protobuf-compiler mold pkg-config libssl-dev \
	&& rm -rf /var/lib/apt/lists/* \
	&& rustup target add wasm32v1-none wasm32-unknown-unknown \
	&& rustup component add rust-src
WORKDIR /verity
COPY . .
ENV CARGO_TARGET_DIR=/verity/target
RUN cargo build --locked --release -p verity-node \
	&& cp target/release/verity-node /usr/local/bin/verity-node

FROM ${BASE_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates curl \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --system --uid 10000 --user-group --home-dir /data --create-home --shell /usr/sbin/nologin verity
COPY --from=builder /usr/local/bin/verity-node /usr/local/bin/verity-node
USER 10000:10000
WORKDIR /data
EXPOSE 30333 30334 9944 9615
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
	CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9944/health"]
ENTRYPOINT ["/usr/local/bin/verity-node"]
CMD ["--dev", "--base-path", "/data", "--rpc-external", "--rpc-cors", "all", "--prometheus-external"]
