#!/usr/bin/env bash
# The XLA rows of the training benchmark: images/s of the MLP and LeNet-5 (MNIST, batch 64, Adam)
# measured by bench/train on each backend named, in one run on this machine, printed as a table
# with the Go backend as the reference column.
#
#   bench/xla/run.sh                    # go, xla:cpu (and xla:cuda with a GPU) where a plugin is linked
#   bench/xla/run.sh go xla:cpu         # the backends to measure
#
# The plugins are the ones scripts/xla.sh links in .venv/pjrt. Settings (environment):
#   STEPS (100), REPEATS (3), WARMUP (10): bench/train's -steps, -repeats, -warmup
#   FULL_EPOCHS (0): when > 0, also train LeNet on all of MNIST on FULL_BACKEND (the last one named)
#   GODL_BENCH_BIN: a bench/train binary built without the noxla tag (default: built here with go)
#   GODL_MNIST_DIR: the MNIST IDX files, where the Go module cache does not have them
# The JSON lines go to build/xla-bench/results.jsonl, the table to build/xla-bench/RESULTS.md.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. scripts/env.sh
OUT=${BENCH_OUT:-$ROOT/build/xla-bench}
mkdir -p "$OUT"
export GOMLX_NO_AUTO_INSTALL=1
export PJRT_PLUGIN_LIBRARY_PATH="$ROOT/.venv/pjrt${PJRT_PLUGIN_LIBRARY_PATH:+:$PJRT_PLUGIN_LIBRARY_PATH}"

BIN=${GODL_BENCH_BIN:-}
if [ -z "$BIN" ]; then
  BIN="$OUT/bench-train"
  echo "==> go build ./bench/train (with XLA)"
  GOFLAGS= go build -o "$BIN" ./bench/train || { echo "run.sh: cannot build bench/train" >&2; exit 1; }
fi

backends=("$@")
if [ ${#backends[@]} -eq 0 ]; then
  backends=(go)
  [ -e .venv/pjrt/pjrt_c_api_cpu_plugin.so ] && backends+=(xla:cpu)
  [ -e .venv/pjrt/pjrt_c_api_cuda_plugin.so ] && [ -e /dev/nvidia0 ] && backends+=(xla:cuda)
fi
FULL_BACKEND=${FULL_BACKEND:-${backends[${#backends[@]}-1]}}

if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  MACHINE="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -n1), "
else
  MACHINE=""
fi
MACHINE+="$(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo 2>/dev/null | head -n1) ($(nproc) CPUs)"

RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
# measure LABEL MODEL ARGS...: one bench/train run; a failure becomes an "error" line in the table.
measure() {
  local label=$1 model=$2; shift 2
  echo "==> GOMLX_BACKEND=$label bench/train $*"
  local log="$OUT/run-${label//:/-}-$model.log" line
  if GOMLX_BACKEND=$label timeout "${RUN_TIMEOUT:-600}" "$BIN" "$@" > "$log.out" 2> "$log"; then
    line=$(grep '^{' "$log.out" | tail -n 1)
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["label"]=sys.argv[2]; print(json.dumps(r))' \
      "$line" "$label" >> "$RESULTS"
    echo "    $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r.get("median_images_per_s") or r.get("epoch_seconds"), r["backend"])' "$line")"
  else
    local err; err=$(grep -v '^\s*$' "$log" | tail -n 3 | tr '\n' ' ')
    echo "    failed: $err"
    python3 -c 'import json,sys; print(json.dumps({"kind":"error","label":sys.argv[1],"model":sys.argv[2],"error":sys.argv[3]}))' \
      "$label" "$model" "${err:-exit status $?}" >> "$RESULTS"
  fi
}
for b in "${backends[@]}"; do
  for m in mlp lenet; do
    measure "$b" "$m" -model "$m" -steps "${STEPS:-100}" -repeats "${REPEATS:-3}" -warmup "${WARMUP:-10}"
  done
done
if [ "${FULL_EPOCHS:-0}" -gt 0 ]; then
  measure "$FULL_BACKEND" full -full "$FULL_EPOCHS"
fi
python3 bench/xla/table.py "$RESULTS" "$MACHINE" | tee "$OUT/RESULTS.md"
