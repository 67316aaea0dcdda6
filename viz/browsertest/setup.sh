#!/usr/bin/env bash
# Installs what the browser test of the charts needs, idempotently: Debian's `chromium` (apt) and
# the npm package playwright-core (a devDependency in package.json, installed by `npm ci`).
# Never downloads a browser of its own (no `playwright install`).
set -euo pipefail
cd "$(dirname "$0")/../.."

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  command -v apt-get >/dev/null || { echo "browsertest setup: $CHROMIUM is missing and apt-get is not available: install Chromium and set \$CHROMIUM to its path" >&2; exit 1; }
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  echo "==> apt-get install chromium"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium \
    || { echo "browsertest setup: could not apt-get install chromium (not root? run: sudo apt-get install chromium)" >&2; exit 1; }
fi

if [ ! -f node_modules/playwright-core/package.json ]; then
  command -v npm >/dev/null || { echo "browsertest setup: npm not found (apt-get install npm)" >&2; exit 1; }
  echo "==> npm ci (playwright-core)"
  npm ci --no-audit --no-fund --loglevel=error
  sha256sum package-lock.json | cut -d' ' -f1 > node_modules/.lock.sha256
fi
echo "browsertest setup: $("$CHROMIUM" --version 2>/dev/null | head -1), playwright-core $(node -p 'require("./node_modules/playwright-core/package.json").version')"
