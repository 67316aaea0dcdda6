# syntax=docker/dockerfile:1
# The course's JupyterLab with the "Go (Deep Learning)" kernel, in one image for
#   - one computer or a lab machine:  docker compose up --build   (docker-compose.yml, deploy/README.md)
#   - a class on Kubernetes:          Zero to JupyterHub with deploy/jupyterhub/values.yaml
#
# Nothing is installed here that `make lab` installs on a laptop: the course's own setup script,
# scripts/setup.sh, does it (system packages, .venv with JupyterLab, echarts, Go modules with
# MNIST, Fashion-MNIST, the XLA CPU plugin through scripts/xla.sh, GoNB/goimports/gopls, the
# kernelspec and the warm build cache), and `scripts/xla.sh cuda` adds the CUDA plugin for the
# GPU image. deploy/tests/test_docker_files.py checks that it stays that way.
#
# Build arguments:
#   GO_IMAGE             the Go image (Debian bookworm, like the course's machines). Its Go only
#                        starts the course's own release, go.mod's toolchain line, which
#                        scripts/setup.sh fetches into the module cache, as on a laptop whose Go
#                        is older: the release is written in go.mod alone.
#   XLA_CUDA             "" (CPU image) or 13 / 12: the CUDA PJRT plugin for that CUDA major version
#   JUPYTERHUB_VERSION   jupyterhub-singleuser for Zero to JupyterHub: the hub's own version
#   GODL_UID, GODL_GID   the user JupyterLab runs as (1000, as Zero to JupyterHub expects)
ARG GO_IMAGE=golang:1.26-bookworm
FROM ${GO_IMAGE}

ARG XLA_CUDA=""
ARG JUPYTERHUB_VERSION=5.4.4
ARG GODL_UID=1000
ARG GODL_GID=1000

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# The caches live outside the home folder, which Zero to JupyterHub replaces with each student's
# persistent volume: the module cache (with MNIST and the course's Go release) and the warm build
# cache stay in the image. GOTOOLCHAIN=auto (the Go image says local): in the repository the go
# command switches to go.mod's toolchain by itself, in a terminal as in the kernel.
ENV GODL_ROOT=/opt/godl \
    GOTOOLCHAIN=auto \
    GOPATH=/opt/go \
    GOCACHE=/opt/go-build-cache \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBIAN_FRONTEND=noninteractive \
    PATH=/opt/godl/.venv/bin:/opt/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# What the README asks for before `make lab` (Go comes with the base image).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 npm \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --gid "${GODL_GID}" student \
 && useradd --uid "${GODL_UID}" --gid "${GODL_GID}" --create-home --shell /bin/bash student \
 && mkdir -p /home/student/.cache/godl \
 && chown -R student:student /home/student

# The whole repository but what .dockerignore drops: machine state and the exercises' reference
# solutions (solutions/), which must not reach the students (deploy/build_context.py checks it).
COPY --chown=student:student . /opt/godl
WORKDIR /opt/godl

# As root: setup.sh installs its Debian packages with apt-get. The GPU image installs the CUDA
# plugin and runs setup.sh again, which then writes the kernelspec for xla:cuda (every other step
# is up to date by then). One layer, so that handing everything to the student costs no copy.
RUN scripts/setup.sh \
 && if [ -n "${XLA_CUDA}" ]; then \
      scripts/xla.sh cuda "${XLA_CUDA}" \
      && { [ -e .venv/pjrt/pjrt_c_api_cuda_plugin.so ] || { cat .venv/pjrt/cuda.unavailable; exit 1; }; } \
      && GOMLX_BACKEND=xla:cuda scripts/setup.sh; \
    fi \
 && .venv/bin/python -m pip install --quiet --constraint requirements.txt "jupyterhub==${JUPYTERHUB_VERSION}" \
 && ln -s /opt/godl/scripts/submit.py /usr/local/bin/godl-submit \
 && chown -R student:student /opt/godl /opt/go "${GOCACHE}" \
 && rm -rf /var/lib/apt/lists/* /root/.cache /root/.npm /tmp/*

USER ${GODL_UID}:${GODL_GID}
ENV HOME=/home/student
EXPOSE 8888
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/opt/godl/deploy/docker/start-lab.sh", "health"]
# CMD, not ENTRYPOINT: Zero to JupyterHub replaces it with jupyterhub-singleuser.
CMD ["/opt/godl/deploy/docker/start-lab.sh"]
