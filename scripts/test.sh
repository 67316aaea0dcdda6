#!/usr/bin/env bash
# The tests of `make test`: go vet, every Go test, the kernel's behaviour tests (through the
# installed kernelspec) and every notebook in notebooks/ executed headless in smoke mode.
# Usage: scripts/test.sh [go|fuzz|kernel|notebooks|browser|docker]...   (default: all, in that order)
# FUZZTIME (default 3s) is how long each fuzz target runs.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
export GOMLX_BACKEND="${GOMLX_BACKEND:-go}"
# Tests build like the cells: no XLA linking unless an XLA backend is requested.
TAGS=""
case "$GOMLX_BACKEND" in xla*) ;; *) TAGS="-tags=noxla" ;; esac

mkdir -p build
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(go fuzz kernel notebooks browser docker)
for part in "${parts[@]}"; do
  case "$part" in
    go)
      echo "==> go vet ./... (with and without XLA)"
      go vet $TAGS ./...
      [ -z "$TAGS" ] || go vet ./...
      echo "==> go test ./..."
      go test $TAGS -count=1 -timeout 30m ./...
      ;;
    fuzz)
      # Every parser's fuzz target, briefly (go test runs one -fuzz target at a time).
      for dir in $(grep -l '^func Fuzz' --include='*_test.go' -r . | xargs -n1 dirname | sort -u); do
        for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | cut -d' ' -f2); do
          echo "==> fuzz $dir $target (${FUZZTIME:-3s})"
          go test $TAGS -run '^$' -fuzz "^${target}\$" -fuzztime "${FUZZTIME:-3s}" "$dir" > build/fuzz.log 2>&1 \
            || { cat build/fuzz.log; exit 1; }
        done
      done
      ;;
    kernel)
      echo "==> kernel behaviour tests (pytest kernel/tests)"
      .venv/bin/python -m pytest -q kernel/tests
      ;;
    notebooks)
      echo "==> notebooks (smoke mode, headless)"
      DLNB_SMOKE=1 .venv/bin/python scripts/run_notebooks.py --out build/notebooks notebooks
      ;;
    browser)
      echo "==> charts in headless Chromium: JupyterLab (trusted, untrusted) and the HTML export"
      viz/browsertest/run.sh
      ;;
    docker)
      echo "==> container and JupyterHub files (deploy/check.sh)"
      deploy/check.sh
      ;;
    *) echo "test.sh: unknown part $part (go, fuzz, kernel, notebooks, browser, docker)" >&2; exit 2 ;;
  esac
done
