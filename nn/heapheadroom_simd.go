//go:build goexperiment.simd

package nn

const simdBuild = true
