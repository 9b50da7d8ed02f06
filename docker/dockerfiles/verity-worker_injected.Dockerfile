# verity-worker from a binary built outside the image. Two targets:
#
#   cpu (default)  the CPU backend (burn's flex/ndarray), any x86_64 host
#   gpu            the wgpu backend: a binary built with `--features gpu`, plus the Vulkan
#                  loader; the GPU driver's Vulkan ICD comes from the host (the NVIDIA
#                  container toolkit injects it: run with `--device nvidia.com/gpu=all`)
#
#   mkdir -p ctx && cp "$ML_TARGET_DIR/release/verity-worker" ctx/
#   podman build -f docker/dockerfiles/verity-worker_injected.Dockerfile --target cpu -t verity-worker ctx
#
# docker/README.md lists the ports, volume, keys and health check.
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim

FROM ${BASE_IMAGE} AS cpu
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates curl \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --system --uid 10000 --user-group --home-dir /data --create-home --shell /usr/sbin/nologin verity
COPY verity-worker /usr/local/bin/verity-worker
RUN /usr/local/bin/verity-worker --version
USER 10000:10000
WORKDIR /data
# The node to follow (VERITY_NODE) and the key (VERITY_SURI, or --key-file on a mounted
# secret) come from the environment; never bake a key into an image.
ENV VERITY_NODE=ws://127.0.0.1:9944
# 8700 checkpoints and weights served to auditors (public), 9616 Prometheus (private).
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
ENV NVIDIA_VISIBLE_DEVICES=all \
	NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics
USER 10000:10000
CMD ["run", "--data-dir", "/data", "--listen", "0.0.0.0:8700", "--metrics-addr", "0.0.0.0:9616", "--backend", "gpu"]
