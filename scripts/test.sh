#!/usr/bin/env bash
# The tests of `make test`: go vet, every Go test, the kernel's behaviour tests (through the
# installed kernelspec) and every notebook in notebooks/ executed headless in smoke mode.
# Usage: scripts/test.sh [go|fuzz|kernel|notebooks|grading|xla|browser|docker]...   (default: all, in that order)
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
[ ${#parts[@]} -gt 0 ] || parts=(go fuzz kernel notebooks grading xla browser docker)
for part in "${parts[@]}"; do
  case "$part" in
    go)
      echo "==> go mod tidy -diff (go.mod and go.sum as go mod tidy writes them)"
      go mod tidy -diff
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
      # Models kept by nn.Memo start from nothing: every test run trains what it reloads.
      rm -rf build/models
      GODL_MODELS="$PWD/build/models" DLNB_SMOKE=1 .venv/bin/python scripts/run_notebooks.py --out build/notebooks notebooks
      ;;
    grading)
      # A test class of hand-ins graded by nbgrader in the sandbox (grading/tests; needs root).
      echo "==> grading: a test class through nbgrader, sandboxed (grading/tests)"
      .venv/bin/python -m pytest -q -rs grading/tests
      ;;
    xla)
      # The CNN practical on XLA CPU, through a kernelspec whose default backend is xla:cpu.
      if [ -e .venv/pjrt/pjrt_c_api_cpu_plugin.so ]; then
        echo "==> notebook 05 on XLA CPU (smoke mode)"
        go run ./kernel install --prefix build/xla-kernel --name go-dl-xla --backend xla:cpu --no-warm > build/xla-kernel.log
        rm -rf build/models-xla
        GODL_MODELS="$PWD/build/models-xla" JUPYTER_PATH="$PWD/build/xla-kernel/share/jupyter" DLNB_SMOKE=1 .venv/bin/python scripts/run_notebooks.py \
          --kernel go-dl-xla --no-solutions --out build/notebooks-xla notebooks/05-*.ipynb
      else
        echo "SKIP: XLA CPU notebook run: $(cat .venv/pjrt/cpu.unavailable 2>/dev/null || echo 'no XLA CPU plugin in .venv/pjrt (scripts/xla.sh)')"
      fi
      ;;
    browser)
      echo "==> charts in headless Chromium: JupyterLab (trusted, untrusted) and the HTML export"
      viz/browsertest/run.sh
      ;;
    docker)
      echo "==> container and JupyterHub files (deploy/check.sh)"
      deploy/check.sh
      ;;
    *) echo "test.sh: unknown part $part (go, fuzz, kernel, notebooks, grading, xla, browser, docker)" >&2; exit 2 ;;
  esac
done
