#!/usr/bin/env bash
# Installs (or finds) the PJRT plugins that GoMLX's XLA backend loads, checks that each one loads,
# and links it where the kernel, nn and the tests look for it:
#
#   <root>/.venv/pjrt/pjrt_c_api_cpu_plugin.so    XLA CPU   (GOMLX_BACKEND=xla:cpu)
#   <root>/.venv/pjrt/pjrt_c_api_cuda_plugin.so   XLA CUDA  (GOMLX_BACKEND=xla:cuda)
#   <root>/.venv/nvidia/                          the NVIDIA libraries of the CUDA plugin
#
# with PJRT_PLUGIN_LIBRARY_PATH=<root>/.venv/pjrt and GOMLX_NO_AUTO_INSTALL=1 (GoMLX then never
# downloads a plugin by itself).
#
# Usage:
#   scripts/xla.sh [cpu]            the PyPI wheel xla-cpu-pjrt (pinned below) into .venv
#   scripts/xla.sh cuda [13|12]     the CUDA plugin from the jax-cuda13-pjrt (or -cuda12-) wheel and
#                                   the NVIDIA library wheels it needs, into .venv; where pip cannot
#                                   reach PyPI, an installation of that wheel already present in the
#                                   site-packages of python3 (or $XLA_PYTHON) is used instead
#   scripts/xla.sh link NAME FILE   links an existing plugin file as NAME (cpu or cuda)
#   scripts/xla.sh status           prints the linked plugins
#   scripts/xla.sh remove           removes the links (the pip packages stay)
#
# It never fails: when no plugin can be installed or loaded it prints one line saying why, writes
# that reason to .venv/pjrt/<name>.unavailable (the tests quote it) and exits 0, so that setup goes
# on and the course runs on the pure-Go backend. GODL_XLA=0 skips it altogether.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PJRT_DIR="$ROOT/.venv/pjrt"

# Pinned versions. xla-cpu-pjrt 0.0.1 (PJRT C API 0.81) loads in go-xla v0.4.13 (API 0.104).
XLA_CPU_WHEEL="xla-cpu-pjrt==0.0.1"
JAX_CUDA_VERSION="0.11.2"

say() { echo "xla.sh: $*"; }

# unavailable NAME REASON: records why plugin NAME is not installed, says so once, exits 0.
unavailable() {
  mkdir -p "$PJRT_DIR" 2>/dev/null && printf '%s\n' "$2" > "$PJRT_DIR/$1.unavailable.tmp" \
    && mv -f "$PJRT_DIR/$1.unavailable.tmp" "$PJRT_DIR/$1.unavailable"
  say "no XLA $1 plugin: $2 (the pure-Go backend is used)"
  exit 0
}

# python_for_check prints a Python 3 interpreter (the venv's, else python3).
python_for_check() {
  if [ -x "$ROOT/.venv/bin/python" ]; then echo "$ROOT/.venv/bin/python"; else command -v python3; fi
}

# check_loads FILE: opens the plugin with dlopen, calls GetPjrtApi and prints the PJRT C API version
# it implements ("0.81"); on failure prints the loader's error and returns 1.
check_loads() {
  local py; py=$(python_for_check) || { echo "no python3 to check the plugin with"; return 1; }
  "$py" - "$1" <<'EOF'
import ctypes, sys
try:
    lib = ctypes.CDLL(sys.argv[1], mode=ctypes.RTLD_LOCAL)
    fn = lib.GetPjrtApi
except (OSError, AttributeError) as e:
    print(e); sys.exit(1)
fn.restype = ctypes.c_void_p
api = fn()
if not api:
    print("GetPjrtApi returned NULL"); sys.exit(1)
# PJRT_Api starts with struct_size, extension_start, then PJRT_Api_Version
# {struct_size, extension_start, int major, int minor}.
major = ctypes.c_int.from_address(api + 32).value
minor = ctypes.c_int.from_address(api + 36).value
print(f"{major}.{minor}")
EOF
}

# link_plugin NAME FILE: checks FILE loads, then links it atomically as pjrt_c_api_NAME_plugin.so.
link_plugin() {
  local name=$1 file=$2 out
  [ -f "$file" ] || unavailable "$name" "$file does not exist"
  file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
  if ! out=$(check_loads "$file" 2>&1); then
    unavailable "$name" "$file does not load: $out"
  fi
  mkdir -p "$PJRT_DIR" || unavailable "$name" "cannot create $PJRT_DIR"
  local link="$PJRT_DIR/pjrt_c_api_${name}_plugin.so"
  ln -sfn "$file" "$link.tmp" && mv -Tf "$link.tmp" "$link" || unavailable "$name" "cannot link $link"
  rm -f "$PJRT_DIR/$name.unavailable"
  say "XLA $name plugin (PJRT C API $out) linked: $link -> $file"
}

# venv_python prints the project's venv Python, creating the venv when needed.
venv_python() {
  if [ ! -x "$ROOT/.venv/bin/python" ]; then
    command -v python3 >/dev/null || return 1
    python3 -m venv "$ROOT/.venv" >/dev/null 2>&1 || return 1
  fi
  echo "$ROOT/.venv/bin/python"
}

# pip_quiet PIP-COMMAND...: pip, quiet, failing fast where PyPI cannot be reached.
pip_quiet() { "$@" -q --disable-pip-version-check --no-input --retries 1 --timeout 20 2>&1 | grep -v '^\s*$' | tail -n 3; return "${PIPESTATUS[0]}"; }

install_cpu() {
  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) ;;
    *) unavailable cpu "the $XLA_CPU_WHEEL wheel exists for Linux x86-64 only, not $(uname -s)/$(uname -m)" ;;
  esac
  local py out so
  py=$(venv_python) || unavailable cpu "no Python virtual environment (.venv) and python3 -m venv failed"
  if ! "$py" -m pip show -q xla-cpu-pjrt >/dev/null 2>&1 \
      || [ "$("$py" -m pip show xla-cpu-pjrt 2>/dev/null | sed -n 's/^Version: //p')" != "${XLA_CPU_WHEEL#*==}" ]; then
    say "pip install $XLA_CPU_WHEEL (63 MB download, 260 MB installed)"
    out=$(pip_quiet timeout 600 "$py" -m pip install "$XLA_CPU_WHEEL") \
      || unavailable cpu "pip install $XLA_CPU_WHEEL failed: $(echo "$out" | tail -n 1)"
  fi
  so=$("$py" -c 'import importlib.util, os
s = importlib.util.find_spec("xla_plugins.xla_cpu_pjrt")
print(os.path.join(list(s.submodule_search_locations)[0], "xla_cpu_pjrt.so"))' 2>&1) \
    || unavailable cpu "xla-cpu-pjrt is installed but its module is not found: $so"
  link_plugin cpu "$so"
}

# find_cuda_plugin PY: the xla_cuda_plugin.so of the jax-cudaNN-pjrt wheel installed for PY.
find_cuda_plugin() {
  local py=$1
  "$py" - "$CUDA_MAJOR" <<'EOF' 2>/dev/null
import importlib.util, os, sys
s = importlib.util.find_spec(f"jax_plugins.xla_cuda{sys.argv[1]}")
d = list(s.submodule_search_locations)[0]
print(os.path.join(d, "xla_cuda_plugin.so"))
EOF
}

install_cuda() {
  CUDA_MAJOR=${1:-13}
  case "$CUDA_MAJOR" in 12|13) ;; *) say "cuda: give 12 or 13, not $CUDA_MAJOR"; exit 0 ;; esac
  [ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || unavailable cuda "the jax-cuda$CUDA_MAJOR-pjrt wheel exists for Linux x86-64 only"
  local py="" so="" out="" ver p
  local wheels=("jax-cuda$CUDA_MAJOR-pjrt==$JAX_CUDA_VERSION" "jax-cuda$CUDA_MAJOR-plugin[with-cuda]==$JAX_CUDA_VERSION")
  # 1. Already in .venv, or in another Python (an image with JAX): no 3 GB download.
  for p in "$ROOT/.venv/bin/python" ${XLA_PYTHON:-} python3 /opt/*/.venv/bin/python3 /usr/bin/python3; do
    command -v "$p" >/dev/null 2>&1 || continue
    so=$(find_cuda_plugin "$p") && { py=$p; break; }
    so=""
  done
  # 2. Otherwise pip installs the pinned wheels into .venv.
  if [ -z "$so" ] && py=$(venv_python); then
    say "pip install ${wheels[*]} (the CUDA plugin and NVIDIA's libraries: about 3 GB)"
    if out=$(pip_quiet timeout 1800 "$py" -m pip install "${wheels[@]}"); then
      so=$(find_cuda_plugin "$py") || so=""
    fi
  fi
  [ -n "$so" ] && [ -f "$so" ] || unavailable cuda "jax-cuda$CUDA_MAJOR-pjrt is not installed and pip could not install it${out:+: $(echo "$out" | tail -n 1)}"
  ver=$("$py" -m pip show "jax-cuda$CUDA_MAJOR-pjrt" 2>/dev/null | sed -n 's/^Version: //p')
  [ -n "$ver" ] && [ "$ver" != "$JAX_CUDA_VERSION" ] && say "note: using jax-cuda$CUDA_MAJOR-pjrt $ver found in $py (pinned: $JAX_CUDA_VERSION)"

  # The plugin finds NVIDIA's libraries through its RPATH ($ORIGIN/../nvidia/..., relative to the
  # folder it is loaded from: .venv/pjrt) and go-xla points XLA at ../nvidia for ptxas and
  # libdevice (XLA_FLAGS=--xla_gpu_cuda_data_dir). So .venv/nvidia gets a link to each folder
  # of site-packages/nvidia, plus bin/ptxas and nvvm/ where XLA looks for them.
  local sp_nvidia; sp_nvidia=$(dirname "$(dirname "$(dirname "$so")")")/nvidia
  [ -d "$sp_nvidia" ] || unavailable cuda "NVIDIA's library wheels are missing next to $so (expected $sp_nvidia)"
  local nv="$ROOT/.venv/nvidia" tmp="$ROOT/.venv/nvidia.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp/bin" || unavailable cuda "cannot create $tmp"
  for d in "$sp_nvidia"/*/; do ln -s "${d%/}" "$tmp/$(basename "$d")"; done
  local cu=cu13; [ "$CUDA_MAJOR" = 12 ] && cu=cuda_nvcc
  # ptxas and libdevice come with the nvidia-cuda-nvcc / nvidia-nvvm wheels, else from a CUDA
  # toolkit installed on the system.
  local ptxas="" nvvm="" sys_cuda; sys_cuda=$(dirname "$(dirname "$(command -v ptxas 2>/dev/null || echo /usr/local/cuda/bin/ptxas)")")
  for p in "$sp_nvidia/$cu/bin/ptxas" "$sys_cuda/bin/ptxas"; do [ -x "$p" ] && { ptxas=$p; break; }; done
  for p in "$sp_nvidia/$cu/nvvm" "$sys_cuda/nvvm"; do [ -d "$p/libdevice" ] && { nvvm=$p; break; }; done
  [ -n "$ptxas" ] && ln -s "$ptxas" "$tmp/bin/ptxas"
  [ -n "$nvvm" ] && [ ! -e "$tmp/nvvm" ] && ln -s "$nvvm" "$tmp/nvvm"
  [ -n "$ptxas" ] && [ -n "$nvvm" ] || say "note: no ptxas or libdevice found (pip install nvidia-cuda-nvcc nvidia-nvvm): XLA may fail to compile for the GPU"
  rm -rf "$nv.old"; [ -e "$nv" ] && mv "$nv" "$nv.old"; mv "$tmp" "$nv" && rm -rf "$nv.old"
  link_plugin cuda "$so"
}

status() {
  local any=0
  for f in "$PJRT_DIR"/pjrt_c_api_*_plugin.so; do
    [ -e "$f" ] || continue; any=1; echo "$f -> $(readlink -f "$f")"
  done
  for f in "$PJRT_DIR"/*.unavailable; do
    [ -e "$f" ] || continue; echo "$(basename "$f" .unavailable): unavailable: $(cat "$f")"
  done
  [ $any = 1 ] || echo "no PJRT plugin linked in $PJRT_DIR (the pure-Go backend is used)"
}

if [ "${GODL_XLA:-1}" = 0 ]; then say "GODL_XLA=0: skipped"; exit 0; fi
case "${1:-cpu}" in
  cpu) install_cpu ;;
  cuda) install_cuda "${2:-13}" ;;
  link) [ $# -eq 3 ] || { say "usage: scripts/xla.sh link cpu|cuda FILE"; exit 0; }; link_plugin "$2" "$3" ;;
  status) status ;;
  remove) rm -f "$PJRT_DIR"/pjrt_c_api_*_plugin.so "$PJRT_DIR"/*.unavailable; rm -rf "$ROOT/.venv/nvidia"; say "links removed" ;;
  *) say "unknown command ${1} (cpu, cuda, link, status, remove)" ;;
esac
exit 0
