package nn

import (
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Many 1 MB additions of a per-channel bias to 8 channels: with GOEXPERIMENT=simd on an AVX-512
// machine and without growHeapHeadroom, about one run of this test in two died with SIGSEGV
// (the partial-vector over-read described in heapheadroom.go).
func TestSIMDOverReadDoesNotCrash(t *testing.T) {
	for _, shape := range [][]int{{32, 32, 32, 8}, {8, 64, 64, 8}, {16, 16, 16, 8}, {4, 32, 32, 6}} {
		exec, err := graph.NewExec(Backend(), func(x, b *Node) *Node { return graph.Add(x, b) })
		if err != nil {
			t.Fatal(err)
		}
		n, c := 1, shape[3]
		for _, d := range shape {
			n *= d
		}
		bias := make([]float32, c)
		for i := range bias {
			bias[i] = float32(i)
		}
		for i := 0; i < 300; i++ {
			x := tensors.FromFlatDataAndDimensions(make([]float32, n), shape...)
			out, err := exec.Exec(x, tensors.FromFlatDataAndDimensions(bias, 1, 1, 1, c))
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				got := tensors.MustCopyFlatData[float32](out[0])
				if got[n-1] != float32(c-1) {
					t.Fatalf("shape %v: last element %g, want %d", shape, got[n-1], c-1)
				}
			}
		}
	}
}
