#!/usr/bin/env bash
# Starts JupyterLab on 127.0.0.1 in notebooks/, with a token (printed in the URL below).
# Used by `make lab` after `make setup`. LAB_PORT chooses the port (default 8888).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
args=(--ip=127.0.0.1 --port="${LAB_PORT:-8888}" --ServerApp.root_dir="$(pwd)/notebooks")
# Jupyter refuses to run as root without this (containers, CI, lab machines run as root).
[ "$(id -u)" != 0 ] || args+=(--allow-root)
# No browser to open on a machine without a display: just print the URL.
[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname)" = Darwin ] || args+=(--no-browser)
echo "Starting JupyterLab: open the http://127.0.0.1:${LAB_PORT:-8888}/lab?token=... URL printed below,"
echo "then File > New > Notebook > \"Go (Deep Learning)\" (or open 00-welcome.ipynb). Stop with Ctrl+C."
exec .venv/bin/jupyter lab "${args[@]}" "$@"
