//go:build goexperiment.simd

package nn

// simdBuild tells whether the pure-Go backend's SIMD code, and its over-read (heapheadroom.go),
// is compiled in. It goes with growHeapHeadroom when TestCanarySIMDPartialLoadOverRead fails.
const simdBuild = true
