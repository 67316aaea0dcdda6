//go:build goexperiment.simd && amd64 && linux

package nn

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"simd"
	"simd/archsimd"
	"syscall"
	"testing"
	"unsafe"
)

// canarySIMDSink keeps the loaded vectors alive (the loads cannot be optimized away).
var canarySIMDSink [16]float32

// canaryGuardedFloats returns n float32s that end exactly where a PROT_NONE page begins, and the
// address of that page.
func canaryGuardedFloats(t *testing.T, n int) ([]float32, uintptr) {
	t.Helper()
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[page:], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	guard := unsafe.Pointer(unsafe.SliceData(mem[page:]))
	s := unsafe.Slice((*float32)(unsafe.Add(guard, -4*n)), n)
	for i := range s {
		s[i] = float32(i + 1)
	}
	return s, uintptr(guard)
}

// canaryFaultAddr runs f with faults turned into panics (debug.SetPanicOnFault, this goroutine
// only) and returns the address f faulted at, if it did.
func canaryFaultAddr(f func()) (addr uintptr, faulted bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(interface{ Addr() uintptr })
			if !ok {
				panic(r)
			}
			addr, faulted = e.Addr(), true
		}
	}()
	f()
	return 0, false
}

// Go 1.27's simd/archsimd LoadFloat32x16Part, LoadFloat32x8Part and LoadFloat32x4Part (and
// simd.LoadFloat32sPart, which the pure-Go backend's element-wise ops use for the last, partial
// vector of a row) load a FULL vector from the slice's start and then mask the extra lanes, so
// they read past the end of the slice. Here the slice ends exactly where a PROT_NONE page
// starts: every partial load the CPU supports faults on that page, every time (same in go1.27.4).
// StorePart (a masked store) does not. Work-around: growHeapHeadroom in nn/heapheadroom.go.
func TestCanarySIMDPartialLoadOverRead(t *testing.T) {
	type load struct {
		name      string
		supported bool
		n         int // elements: fewer than the vector holds
		f         func(s []float32)
	}
	loads := []load{
		{"archsimd.LoadFloat32x4Part", archsimd.X86.AVX(), 3, func(s []float32) {
			v, _ := archsimd.LoadFloat32x4Part(s)
			v.StorePart(canarySIMDSink[:])
		}},
		{"archsimd.LoadFloat32x8Part", archsimd.X86.AVX2(), 5, func(s []float32) {
			v, _ := archsimd.LoadFloat32x8Part(s)
			v.StorePart(canarySIMDSink[:])
		}},
		{"archsimd.LoadFloat32x16Part", archsimd.X86.AVX512(), 9, func(s []float32) {
			v, _ := archsimd.LoadFloat32x16Part(s)
			v.StorePart(canarySIMDSink[:])
		}},
		{fmt.Sprintf("simd.LoadFloat32sPart (%d lanes)", simd.BroadcastFloat32s(0).Len()), true, 3, func(s []float32) {
			v, _ := simd.LoadFloat32sPart(s)
			v.StorePart(canarySIMDSink[:])
		}},
	}
	// The harness: a full-width load of a slice that ends at the guard page does not fault.
	if archsimd.X86.AVX2() {
		s, _ := canaryGuardedFloats(t, 8)
		if addr, faulted := canaryFaultAddr(func() { archsimd.LoadFloat32x8(s).StorePart(canarySIMDSink[:]) }); faulted {
			t.Fatalf("canary harness: a full load of 8 floats ending at the guard page faulted at %#x", addr)
		}
		if canarySIMDSink[7] != 8 {
			t.Fatalf("canary harness: loaded %v, want 1..8", canarySIMDSink[:8])
		}
	}
	overReads, tried := 0, 0
	for _, l := range loads {
		if !l.supported {
			t.Logf("%s: not supported by this CPU (AVX %v, AVX2 %v, AVX-512 %v)", l.name,
				archsimd.X86.AVX(), archsimd.X86.AVX2(), archsimd.X86.AVX512())
			continue
		}
		tried++
		s, guard := canaryGuardedFloats(t, l.n)
		addr, faulted := canaryFaultAddr(func() { l.f(s) })
		runtime.KeepAlive(s)
		if faulted {
			if addr < guard || addr >= guard+64 {
				t.Errorf("%s of %d floats faulted at %#x, outside the guard page's first 64 bytes at %#x", l.name, l.n, addr, guard)
			}
			overReads++
			t.Logf("%s of %d floats ending at a PROT_NONE page: faults at the page (upstream bug still there)", l.name, l.n)
		} else {
			t.Logf("%s of %d floats ending at a PROT_NONE page: no fault", l.name, l.n)
		}
	}
	if tried == 0 {
		t.Skip("this CPU has no AVX: archsimd's partial loads are not used")
	}
	if overReads == 0 {
		t.Errorf("upstream fixed the over-read of Go's simd/archsimd partial loads (LoadFloat32x16Part and its "+
			"narrower twins, %s): remove the work-around in nn/heapheadroom.go (growHeapHeadroom, "+
			"its call in BackendErr in nn/backend.go, heapheadroom_simd.go and heapheadroom_nosimd.go) and this canary", runtime.Version())
	}
}
