#!/usr/bin/env bash
# The tests of `make test`: go vet, every Go test, the kernel's behaviour tests (through the
# installed kernelspec) and every notebook in notebooks/ executed headless in smoke mode.
# Usage: scripts/test.sh [go|kernel|notebooks]...   (default: all, in that order)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
export GOMLX_BACKEND="${GOMLX_BACKEND:-go}"
# Tests build like the cells: no XLA linking unless an XLA backend is requested.
TAGS=""
case "$GOMLX_BACKEND" in xla*) ;; *) TAGS="-tags=noxla" ;; esac

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(go kernel notebooks)
for part in "${parts[@]}"; do
  case "$part" in
    go)
      echo "==> go vet ./..."
      go vet $TAGS ./...
      echo "==> go test ./..."
      go test $TAGS -count=1 -timeout 30m ./...
      ;;
    kernel)
      echo "==> kernel behaviour tests (pytest kernel/tests)"
      .venv/bin/python -m pytest -q kernel/tests
      ;;
    notebooks)
      echo "==> notebooks (smoke mode, headless)"
      DLNB_SMOKE=1 .venv/bin/python scripts/run_notebooks.py --out build/notebooks notebooks
      ;;
    *) echo "test.sh: unknown part $part (go, kernel, notebooks)" >&2; exit 2 ;;
  esac
done
