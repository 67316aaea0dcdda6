//go:build !(goexperiment.simd && amd64 && linux)

package nn

import (
	"runtime"
	"testing"
)

// See canary_simd_test.go: the over-read of Go 1.27's simd partial loads exists only in builds
// with GOEXPERIMENT=simd, and the canary needs amd64 (archsimd's x86 loads) and Linux (mmap).
func TestCanarySIMDPartialLoadOverRead(t *testing.T) {
	t.Skipf("the SIMD over-read canary needs GOEXPERIMENT=simd on linux/amd64 (this is %s/%s, simd build %v); "+
		"run it with `source scripts/env.sh` on an amd64 Linux machine", runtime.GOOS, runtime.GOARCH, simdBuild)
}
