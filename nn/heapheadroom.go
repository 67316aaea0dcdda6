package nn

import (
	"runtime"
	"runtime/debug"
)

// heapHeadroom is how much address space the Go heap maps ahead of use (see growHeapHeadroom).
const heapHeadroom = 1 << 30

// growHeapHeadroom works around a crash of the pure-Go backend built with GOEXPERIMENT=simd:
// Go 1.27's simd/archsimd loads the last, partial vector of a slice (LoadFloat32x16Part and its
// narrower twins) with a full-width load whose extra lanes are then masked out, so an
// element-wise operation whose length is not a multiple of the vector width reads up to 60 bytes
// past the end of its buffer. When a large buffer ends exactly where the Go heap's mapped memory
// ends, that read touches a reserved page and the program dies with SIGSEGV
// ("unexpected fault address", in ops.simdV2V1AddFloat32@simd512 for a bias added to 8 channels;
// about one run in five of a few hundred 1 MB additions).
//
// Memory the heap has mapped once stays mapped (returned memory is only advised unused, and
// reads as zeros), so the heap is grown once by heapHeadroom: the buffers of a model then live
// well inside mapped memory and the over-read lands on readable zeros. It costs address space,
// not memory: the block is never written and is freed at once.
//
// Canary: TestCanarySIMDPartialLoadOverRead (nn/canary_simd_test.go) ends a slice exactly at a
// PROT_NONE page and shows each partial load the CPU has (x4, x8, x16 and simd.LoadFloat32sPart)
// faulting on that page, every time (go1.27.3 and go1.27.4 alike). When a Go release makes it
// fail (the loads no longer read past the slice), delete growHeapHeadroom, its call in
// BackendErr (nn/backend.go), heapheadroom_simd.go, heapheadroom_nosimd.go, heapheadroom_test.go
// and the canary files.
func growHeapHeadroom() {
	if !simdBuild {
		return
	}
	block := make([]byte, heapHeadroom)
	runtime.KeepAlive(block)
	block = nil
	debug.FreeOSMemory()
}
