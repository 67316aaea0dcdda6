package nn

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/stretchr/testify/require"
)

// refPool is the definition with loops, for non-overlapping k×k windows of x (b, h, w, c) (the
// last h mod k rows and w mod k columns are not pooled): y = max or mean of each window, and
// for the loss L = Σ y·r, dL/dx = r at the window's maximum (max) or r/k² everywhere (mean).
func refPool(x []float64, b, h, w, c, k int, isMax bool, r []float64) (y, dx []float64) {
	oh, ow := h/k, w/k
	y = make([]float64, b*oh*ow*c)
	dx = make([]float64, len(x))
	for n := range b {
		for i := range oh {
			for j := range ow {
				for ch := range c {
					yi := ((n*oh+i)*ow+j)*c + ch
					best, bestIdx, sum := math.Inf(-1), -1, 0.0
					for di := range k {
						for dj := range k {
							xi := ((n*h+i*k+di)*w+j*k+dj)*c + ch
							sum += x[xi]
							if x[xi] > best {
								best, bestIdx = x[xi], xi
							}
						}
					}
					if isMax {
						y[yi] = best
						dx[bestIdx] += r[yi]
					} else {
						y[yi] = sum / float64(k*k)
						for di := range k {
							for dj := range k {
								dx[((n*h+i*k+di)*w+j*k+dj)*c+ch] += r[yi] / float64(k*k)
							}
						}
					}
				}
			}
		}
	}
	return
}

// Max and average pooling, forward and gradient, in both formulations (reshape + reduction with
// an explicit backward pass on the Go backend, the backend's windowed reduction otherwise),
// against the loops; sizes that are not multiples of the window are cropped.
func TestPool2DFormulations(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, cc := range []struct{ b, h, w, c, k int }{{2, 4, 4, 3, 2}, {1, 7, 5, 2, 2}, {2, 6, 9, 1, 3}} {
		x := randSlice(rng, cc.b*cc.h*cc.w*cc.c) // distinct values: one maximum per window
		oh, ow := cc.h/cc.k, cc.w/cc.k
		r := randSlice(rng, cc.b*oh*ow*cc.c)
		for _, isMax := range []bool{true, false} {
			wantY, wantDx := refPool(x, cc.b, cc.h, cc.w, cc.c, cc.k, isMax, r)
			for _, alg := range convAlgorithms {
				t.Run(fmt.Sprintf("%s max=%v %+v", alg, isMax, cc), func(t *testing.T) {
					withConvAlgorithm(alg, func() {
						exec, err := graph.NewExec(Backend(), func(x, r *Node) []*Node {
							y := pool2D(x, cc.k, cc.k, isMax)
							return []*Node{y, graph.Gradient(graph.ReduceAllSum(graph.Mul(y, r)), x)[0]}
						})
						require.NoError(t, err)
						outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(toF32(x), cc.b, cc.h, cc.w, cc.c),
							tensors.FromFlatDataAndDimensions(toF32(r), cc.b, oh, ow, cc.c))
						require.NoError(t, err)
						require.Equal(t, []int{cc.b, oh, ow, cc.c}, outs[0].Shape().Dimensions)
						requireCloseF64(t, "forward", wantY, toF64(flat(t, outs[0])), 1e-6)
						requireCloseF64(t, "dL/dx", wantDx, toF64(flat(t, outs[1])), 1e-6)
					})
				})
			}
		}
	}
}

// Ties: a window whose maximum appears several times passes its gradient to one of them, the
// first in reading order (the lecture's "gradient to the max's origin"), in every formulation —
// not a copy to each, which would multiply the gradient by the number of ties.
func TestMaxPoolTiesGetOneGradient(t *testing.T) {
	// One 4×4 image, 2×2 windows: [1 1 | 0 2], [1 1 | 2 2], [5 0 | 3 3], [0 5 | 3 3].
	x := []float64{
		1, 1, 0, 2,
		1, 1, 2, 2,
		5, 0, 3, 3,
		0, 5, 3, 3,
	}
	r := []float64{10, 20, 30, 40}
	want := []float64{
		10, 0, 0, 20,
		0, 0, 0, 0,
		30, 0, 40, 0,
		0, 0, 0, 0,
	}
	wantY, wantDx := refPool(x, 1, 4, 4, 1, 2, true, r)
	requireCloseF64(t, "reference", want, wantDx, 0)
	for _, alg := range convAlgorithms {
		withConvAlgorithm(alg, func() {
			exec, err := graph.NewExec(Backend(), func(x, r *Node) []*Node {
				y := pool2D(x, 2, 2, true)
				return []*Node{y, graph.Gradient(graph.ReduceAllSum(graph.Mul(y, r)), x)[0]}
			})
			require.NoError(t, err)
			outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(toF32(x), 1, 4, 4, 1),
				tensors.FromFlatDataAndDimensions(toF32(r), 1, 2, 2, 1))
			require.NoError(t, err)
			requireCloseF64(t, alg+" forward", wantY, toF64(flat(t, outs[0])), 0)
			requireCloseF64(t, alg+" dL/dx", want, toF64(flat(t, outs[1])), 0)
		})
	}
}
