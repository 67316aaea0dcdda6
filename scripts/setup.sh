#!/usr/bin/env bash
# Installs everything the course needs, idempotently: system packages (where apt is available),
# the Python virtual environment .venv (JupyterLab, nbclient), the echarts bundle (npm), the Go
# modules and tools, the "Go (Deep Learning)" kernelspec, and a warm Go build cache.
# Used by `make setup`, `make lab` and `make test` (and by the Dockerfile).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
. scripts/env.sh

step() { printf '\n==> %s\n' "$*"; }

command -v go >/dev/null || { echo "setup: Go is not installed: install Go 1.26+ from https://go.dev/doc/install" >&2; exit 1; }
command -v python3 >/dev/null || { echo "setup: python3 is not installed (apt-get install python3 python3-venv)" >&2; exit 1; }

# System packages: Fashion-MNIST (offline data set), the venv module, where apt exists.
# (The formulas of exported HTML and PDF are typeset by mathjax-full, from npm below.)
APT_PKGS=()
[ -d /usr/share/datasets/fashion-mnist ] || APT_PKGS+=(dataset-fashion-mnist)
python3 -c 'import venv, ensurepip' 2>/dev/null || APT_PKGS+=(python3-venv)
if [ ${#APT_PKGS[@]} -gt 0 ] && command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  step "apt-get install ${APT_PKGS[*]}"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${APT_PKGS[@]}"; }; then
    echo "setup: could not apt-get install ${APT_PKGS[*]} (not root?). Fashion-MNIST will be downloaded on first use." >&2
  fi
fi

# Python: JupyterLab, nbclient, nbconvert, pytest in .venv, reinstalled when requirements.txt changes.
step "Python virtual environment .venv (requirements.txt)"
[ -x .venv/bin/python ] || python3 -m venv .venv
REQ_SUM=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$REQ_SUM" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  echo "$REQ_SUM" > .venv/.requirements.sha256
else
  echo "up to date"
fi

# Headless Chromium and playwright-core for the browser test of the charts (make test).
step "Chromium for the browser test (viz/browsertest/setup.sh)"
viz/browsertest/setup.sh || echo "setup: no Chromium: JupyterLab works, only \`make test\`'s browser part cannot run" >&2

# JupyterLab settings for a classroom: no news pop-up, no update check (both call out to the
# internet, which lab machines often do not have).
mkdir -p .venv/share/jupyter/lab/settings
cat > .venv/share/jupyter/lab/settings/overrides.json <<'JSON'
{
  "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}
}
JSON

# echarts for inline charts (never from a CDN): the npm package the bundle below is built from.
if [ -f package-lock.json ]; then
  step "npm ci (echarts, mathjax-full)"
  if command -v npm >/dev/null; then
    LOCK_SUM=$(sha256sum package-lock.json | cut -d' ' -f1)
    if [ "$(cat node_modules/.lock.sha256 2>/dev/null)" != "$LOCK_SUM" ]; then
      npm ci --no-audit --no-fund --loglevel=error
      echo "$LOCK_SUM" > node_modules/.lock.sha256
    else
      echo "up to date"
    fi
  else
    echo "setup: npm not found: charts will show as static pictures only (apt-get install npm)" >&2
  fi
fi

# The course's echarts bundle, only the parts the charts use (viz/assets/echarts-bundle.json),
# built with esbuild: node_modules/.cache/godl/echarts.custom.min.js. Rebuilt when the list or
# the packages change, else "up to date".
if [ -f node_modules/echarts/package.json ] && command -v node >/dev/null; then
  step "echarts bundle (scripts/echarts-bundle.mjs)"
  node scripts/echarts-bundle.mjs || echo "setup: the echarts bundle was not built: charts will show as static pictures only (see above; kernel doctor)" >&2
fi

step "Go modules (go mod download)"
go mod download

# XLA CPU plugin from PyPI (never fails: without it the course runs on the pure-Go backend).
step "XLA CPU plugin (scripts/xla.sh)"
scripts/xla.sh

step "Kernel: GoNB, goimports, gopls, kernelspec, warm build cache"
go run ./kernel install --sys-prefix
