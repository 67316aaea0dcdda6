# Sourced by the project's scripts: the Go settings every command needs.
# The Go release is written once, in go.mod's toolchain line (or, as the go command reads go.mod,
# its go line when that names a release and there is no toolchain line): an older installed Go
# fetches that release from the module proxy (once) when GOTOOLCHAIN names it.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
# go.mod is found from this file's own place (scripts/..), whatever the folder it is sourced from
# (bash: BASH_SOURCE; zsh: $0 is the sourced file), else in the working folder (sh cannot tell).
if [ -n "${BASH_VERSION:-}" ]; then _godl_src=${BASH_SOURCE[0]}; else _godl_src=$0; fi
_godl_root=$(cd "$(dirname "$_godl_src")/.." 2>/dev/null && pwd)
[ -f "$_godl_root/go.mod" ] || _godl_root=$PWD
_godl_toolchain=$(sed -n 's/^toolchain[[:space:]]*\(go[0-9][^[:space:]]*\).*/\1/p' "$_godl_root/go.mod" 2>/dev/null)
[ -n "$_godl_toolchain" ] || _godl_toolchain=$(sed -n \
  's/^go[[:space:]]*\([0-9]*\.[0-9]*\.[0-9]*\)\([[:space:]].*\)\{0,1\}$/go\1/p' "$_godl_root/go.mod" 2>/dev/null)
if [ -z "$_godl_toolchain" ]; then
  echo "scripts/env.sh: no toolchain line in $_godl_root/go.mod: GOTOOLCHAIN left as it is (source this file from the repository root)" >&2
elif command -v go >/dev/null 2>&1; then
  _godl_gover=$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null | sed 's/^go//; s/[^0-9.].*//')
  _godl_want=${_godl_toolchain#go}
  # An installed Go older than go.mod's toolchain (sort -V: "1.9.2" < "1.10" < "1.10.1" < "1.10.12").
  if [ -n "$_godl_gover" ] && [ "$_godl_gover" != "$_godl_want" ] \
    && [ "$(printf '%s\n%s\n' "$_godl_gover" "$_godl_want" | sort -V | head -n1)" = "$_godl_gover" ]; then
    export GOTOOLCHAIN="$_godl_toolchain"
  fi
  unset _godl_gover _godl_want
fi
unset _godl_src _godl_root _godl_toolchain
# The cells' and tests' settings (README "Backends"): pure-Go backend unless told otherwise,
# never a plugin download, SIMD matmuls.
export GOEXPERIMENT="${GOEXPERIMENT:-simd}"
export GOMLX_NO_AUTO_INSTALL=1
