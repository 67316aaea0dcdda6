# Sourced by the project's scripts: the Go settings every command needs.
# go.mod says go 1.27: an older installed Go fetches go1.27.3 from the module proxy (once).
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
if command -v go >/dev/null 2>&1; then
  _godl_gover=$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null | sed 's/^go//; s/[^0-9.].*//')
  case "$_godl_gover" in
    1.2[0-6]|1.2[0-6].*|1.1[0-9]|1.1[0-9].*|1.[0-9]|1.[0-9].*|1.27.[0-2]|1.27) export GOTOOLCHAIN=go1.27.3 ;;
  esac
  unset _godl_gover
fi
# The cells' and tests' settings (README "Backends"): pure-Go backend unless told otherwise,
# never a plugin download, SIMD matmuls.
export GOEXPERIMENT="${GOEXPERIMENT:-simd}"
export GOMLX_NO_AUTO_INSTALL=1
