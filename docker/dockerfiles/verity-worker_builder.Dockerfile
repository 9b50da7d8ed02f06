# verity-worker built from source inside the image (needs network access to crates.io and
# a Debian mirror). Build from the repository root; `--target gpu` builds the wgpu backend:
#
#   podman build -f docker/dockerfiles/verity-worker_builder.Dockerfile --target cpu -t verity-worker .
#   podman build -f docker/dockerfiles/verity-worker_builder.Dockerfile --target gpu -t verity-worker:gpu .
#
# The runtime stages match verity-worker_injected.Dockerfile.
ARG RUST_IMAGE=docker.io/library/rust:1.95-bookworm
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim

FROM ${RUST_IMAGE} AS source
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
	&& apt-get install -y --no-install-recommends mold pkg-config \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /verity
# The off-chain workspace is rooted at ml/ and reaches ../worker and ../pallets/primitives.
COPY . .
ENV CARGO_TARGET_DIR=/verity/target

FROM source AS build-cpu
RUN cargo build --locked --release --manifest-path ml/Cargo.toml -p verity-worker \
	&& cp target/release/verity-worker /usr/local/bin/verity-worker

FROM source AS build-gpu
RUN cargo build --locked --release --manifest-path ml/Cargo.toml -p verity-worker --features gpu \
	&& cp target/release/verity-worker /usr/local/bin/verity-worker

FROM ${BASE_IMAGE} AS cpu
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates curl \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --system --uid 10000 --user-group --home-dir /data --create-home --shell /usr/sbin/nologin verity
COPY --from=build-cpu /usr/local/bin/verity-worker /usr/local/bin/verity-worker
USER 10000:10000
WORKDIR /data
ENV VERITY_NODE=ws://127.0.0.1:9944
EXPOSE 8700 9616
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
	CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8700/health"]
ENTRYPOINT ["/usr/local/bin/verity-worker"]
CMD ["run", "--data-dir", "/data", "--listen", "0.0.0.0:8700", "--metrics-addr", "0.0.0.0:9616"]

FROM cpu AS gpu
USER 0:0
RUN apt-get update \
	&& apt-get install -y --no-install-recommends libvulkan1 \
	&& rm -rf /var/lib/apt/lists/*
COPY --from=build-gpu /usr/local/bin/verity-worker /usr/local/bin/verity-worker
ENV NVIDIA_VISIBLE_DEVICES=all \
	NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics
USER 10000:10000
CMD ["run", "--data-dir", "/data", "--listen", "0.0.0.0:8700", "--metrics-addr", "0.0.0.0:9616", "--backend", "gpu"]
