#!/usr/bin/env bash
# For a machine with an NVIDIA GPU: installs the XLA CUDA plugin (scripts/xla.sh cuda: the
# jax-cuda13-pjrt wheel and NVIDIA's library wheels, or an installation already there) and the
# XLA CPU plugin, checks that XLA CUDA trains, then measures MLP and LeNet-5 training images/s on
# xla:cuda, xla:cpu and the Go backend on this machine, and LeNet-5 on all of MNIST on xla:cuda.
# Prints the table (with the card's name) and writes it to build/xla-bench/RESULTS.md.
#
#   bench/xla/gpu.sh
#
# Settings: FULL_EPOCHS (2), STEPS/REPEATS/WARMUP (see run.sh); GODL_XLA_CPU_PLUGIN: an XLA CPU
# plugin file to link instead of installing the wheel; GODL_BENCH_BIN: a prebuilt bench/train
# (built without the noxla tag) for machines without Go; GODL_MNIST_DIR: the MNIST IDX files.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
command -v nvidia-smi >/dev/null && nvidia-smi -L || echo "gpu.sh: nvidia-smi not found: is this an NVIDIA GPU machine?"

echo "==> scripts/xla.sh cuda"
scripts/xla.sh cuda 13
[ -e .venv/pjrt/pjrt_c_api_cuda_plugin.so ] || scripts/xla.sh cuda 12
echo "==> scripts/xla.sh cpu"
if [ -n "${GODL_XLA_CPU_PLUGIN:-}" ]; then scripts/xla.sh link cpu "$GODL_XLA_CPU_PLUGIN"; else scripts/xla.sh cpu; fi

export GOMLX_NO_AUTO_INSTALL=1 PJRT_PLUGIN_LIBRARY_PATH="$ROOT/.venv/pjrt"
BIN=${GODL_BENCH_BIN:-}
if [ -z "$BIN" ]; then
  . scripts/env.sh
  mkdir -p build/xla-bench && BIN=$ROOT/build/xla-bench/bench-train
  GOFLAGS= go build -o "$BIN" ./bench/train || { echo "gpu.sh: cannot build bench/train" >&2; exit 1; }
fi
export GODL_BENCH_BIN=$BIN

# A short XLA CUDA run first: where the plugin cannot find NVIDIA's libraries through its RPATH,
# retry with every .venv/nvidia/*/lib on LD_LIBRARY_PATH.
backends=(go)
[ -e .venv/pjrt/pjrt_c_api_cpu_plugin.so ] && backends+=(xla:cpu)
if [ -e .venv/pjrt/pjrt_c_api_cuda_plugin.so ]; then
  probe() { GOMLX_BACKEND=xla:cuda timeout 300 "$BIN" -model mlp -steps 5 -repeats 1 -warmup 1 > /tmp/xla-probe.out 2> /tmp/xla-probe.err; }
  echo "==> XLA CUDA probe"
  if ! probe; then
    echo "    failed: $(grep -v '^\s*$' /tmp/xla-probe.err | tail -n 5)"
    LD_LIBRARY_PATH=$(ls -d "$ROOT"/.venv/nvidia/*/lib 2>/dev/null | paste -sd:)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
    echo "==> XLA CUDA probe with LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
    probe || echo "    failed again: $(grep -v '^\s*$' /tmp/xla-probe.err | tail -n 5)"
  fi
  cat /tmp/xla-probe.out
  backends+=(xla:cuda)
fi
FULL_EPOCHS=${FULL_EPOCHS:-2} FULL_BACKEND=${backends[${#backends[@]}-1]} bench/xla/run.sh "${backends[@]}"
