package nn

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/stretchr/testify/require"

	"github.com/godl-course/godl/datasets"
)

// convCase is one Conv2D configuration: batch, image size, channels, kernel, stride, padding.
type convCase struct {
	b, h, w, c, o, k, s int
	ph, pw              [2]int
}

func (cc convCase) String() string {
	return fmt.Sprintf("x(%d,%d,%d,%d) k=%d o=%d s=%d pad=%v,%v", cc.b, cc.h, cc.w, cc.c, cc.k, cc.o, cc.s, cc.ph, cc.pw)
}

func (cc convCase) out() (oh, ow int) {
	return (cc.h+cc.ph[0]+cc.ph[1]-cc.k)/cc.s + 1, (cc.w+cc.pw[0]+cc.pw[1]-cc.k)/cc.s + 1
}

// refConv is the definition, with loops: y[b,i,j,o] = Σ_{k,l,c} w[k,l,c,o] · xpad[b, s·i+k, s·j+l, c],
// where xpad is x with ph/pw zeros around it. It also returns, for the loss L = Σ y·r, the
// gradients dL/dx[b,y,x,c] = Σ r[b,i,j,o] w[k,l,c,o] over the (i,j,k,l) that read x[b,y,x,c], and
// dL/dw[k,l,c,o] = Σ r[b,i,j,o] xpad[b,s·i+k,s·j+l,c].
func refConv(cc convCase, x, w, r []float64) (y, dx, dw []float64) {
	oh, ow := cc.out()
	y = make([]float64, cc.b*oh*ow*cc.o)
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	for b := range cc.b {
		for i := range oh {
			for j := range ow {
				for o := range cc.o {
					yi := ((b*oh+i)*ow+j)*cc.o + o
					for k := range cc.k {
						for l := range cc.k {
							py, px := cc.s*i+k-cc.ph[0], cc.s*j+l-cc.pw[0]
							if py < 0 || py >= cc.h || px < 0 || px >= cc.w {
								continue // a padding zero
							}
							for c := range cc.c {
								xi := ((b*cc.h+py)*cc.w+px)*cc.c + c
								wi := ((k*cc.k+l)*cc.c+c)*cc.o + o
								y[yi] += w[wi] * x[xi]
								dx[xi] += r[yi] * w[wi]
								dw[wi] += r[yi] * x[xi]
							}
						}
					}
				}
			}
		}
	}
	return
}

func randSlice(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.Float64()*2 - 1
	}
	return v
}

func toF32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// convExec runs conv2D with the current ConvAlgorithm and returns y, dL/dx and dL/dw for the loss
// L = Σ y·r (autodiff), in the dtype of the given slices (float32 or float64).
func convExec[T float32 | float64](t *testing.T, cc convCase, x, w, r []T) (y, dx, dw []T) {
	t.Helper()
	oh, ow := cc.out()
	exec, err := graph.NewExec(Backend(), func(x, w, r *Node) []*Node {
		y := conv2D(x, w, cc.s, cc.ph, cc.pw)
		loss := graph.ReduceAllSum(graph.Mul(y, r))
		grads := graph.Gradient(loss, x, w)
		return []*Node{y, grads[0], grads[1]}
	})
	require.NoError(t, err)
	outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, cc.b, cc.h, cc.w, cc.c),
		tensors.FromFlatDataAndDimensions(w, cc.k, cc.k, cc.c, cc.o),
		tensors.FromFlatDataAndDimensions(r, cc.b, oh, ow, cc.o))
	require.NoError(t, err)
	require.Equal(t, []int{cc.b, oh, ow, cc.o}, outs[0].Shape().Dimensions)
	return tensors.MustCopyFlatData[T](outs[0]), tensors.MustCopyFlatData[T](outs[1]), tensors.MustCopyFlatData[T](outs[2])
}

func requireCloseF64(t *testing.T, what string, want, got []float64, tol float64) {
	t.Helper()
	require.Equal(t, len(want), len(got), what)
	for i := range want {
		if math.Abs(want[i]-got[i]) > tol*(1+math.Abs(want[i])) {
			require.Failf(t, what+" differs", "element %d: want %.6g, got %.6g (tolerance %g)", i, want[i], got[i], tol)
		}
	}
}

// convAlgorithms lists every formulation nn can choose for Conv2D.
var convAlgorithms = []string{"direct", "im2col"}

// Every formulation computes the definition (forward) and its exact gradients w.r.t. the input
// and the kernel, for odd and even kernels, strides and (asymmetric) paddings. float32 against
// the float64 loops.
func TestConv2DGradientsAllFormulations(t *testing.T) {
	cases := []convCase{
		{b: 2, h: 7, w: 6, c: 2, o: 3, k: 3, s: 1},
		{b: 2, h: 7, w: 6, c: 2, o: 3, k: 3, s: 2, ph: [2]int{1, 1}, pw: [2]int{1, 1}},
		{b: 1, h: 8, w: 8, c: 1, o: 2, k: 5, s: 1, ph: [2]int{2, 2}, pw: [2]int{2, 2}},
		{b: 2, h: 6, w: 7, c: 3, o: 2, k: 2, s: 1},
		{b: 2, h: 6, w: 7, c: 3, o: 2, k: 2, s: 2},
		{b: 2, h: 6, w: 7, c: 2, o: 2, k: 2, s: 1, ph: [2]int{1, 1}, pw: [2]int{1, 1}},
		{b: 2, h: 6, w: 7, c: 2, o: 2, k: 2, s: 2, ph: [2]int{1, 1}, pw: [2]int{1, 1}},
		{b: 1, h: 7, w: 6, c: 2, o: 3, k: 4, s: 1, ph: [2]int{1, 1}, pw: [2]int{1, 1}},
		{b: 1, h: 7, w: 6, c: 2, o: 3, k: 4, s: 1, ph: [2]int{2, 2}, pw: [2]int{2, 2}},
		{b: 1, h: 9, w: 8, c: 2, o: 3, k: 4, s: 2, ph: [2]int{1, 2}, pw: [2]int{1, 2}}, // "same" padding
		{b: 1, h: 9, w: 8, c: 2, o: 2, k: 4, s: 3},
		// 1×1 kernels (a per-pixel Dense over the channels, e.g. a segmentation net's last layer).
		{b: 2, h: 8, w: 8, c: 4, o: 1, k: 1, s: 1},
		{b: 2, h: 7, w: 6, c: 3, o: 2, k: 1, s: 2},
		{b: 1, h: 5, w: 5, c: 2, o: 2, k: 1, s: 1, ph: [2]int{1, 1}, pw: [2]int{1, 1}},
	}
	rng := rand.New(rand.NewSource(7))
	for _, cc := range cases {
		oh, ow := cc.out()
		x := randSlice(rng, cc.b*cc.h*cc.w*cc.c)
		w := randSlice(rng, cc.k*cc.k*cc.c*cc.o)
		r := randSlice(rng, cc.b*oh*ow*cc.o)
		wantY, wantDx, wantDw := refConv(cc, x, w, r)
		for _, alg := range convAlgorithms {
			t.Run(alg+" "+cc.String(), func(t *testing.T) {
				withConvAlgorithm(alg, func() {
					y, dx, dw := convExec(t, cc, toF32(x), toF32(w), toF32(r))
					requireCloseF64(t, "forward", wantY, toF64(y), 1e-5)
					requireCloseF64(t, "dL/dx", wantDx, toF64(dx), 1e-5)
					requireCloseF64(t, "dL/dw", wantDw, toF64(dw), 1e-5)
				})
			})
		}
	}
}

// The gradient w.r.t. the input of Conv2D with kernels 2 and 4 (where GoMLX's own gradient of
// Convolve is wrong) equals central differences (L(x + h) − L(x − h))/2h of the formulation's own
// forward pass, in float64, for every formulation.
func TestConv2DEvenKernelInputGradientNumerical(t *testing.T) {
	cases := []convCase{
		{b: 1, h: 5, w: 6, c: 2, o: 2, k: 2, s: 1},
		{b: 1, h: 5, w: 6, c: 2, o: 2, k: 2, s: 2, ph: [2]int{1, 1}, pw: [2]int{1, 1}},
		{b: 1, h: 6, w: 6, c: 1, o: 2, k: 4, s: 1, ph: [2]int{2, 2}, pw: [2]int{2, 2}},
		{b: 1, h: 7, w: 6, c: 2, o: 2, k: 4, s: 2, ph: [2]int{1, 2}, pw: [2]int{1, 2}},
	}
	rng := rand.New(rand.NewSource(11))
	for _, cc := range cases {
		oh, ow := cc.out()
		x := randSlice(rng, cc.b*cc.h*cc.w*cc.c)
		w := randSlice(rng, cc.k*cc.k*cc.c*cc.o)
		r := randSlice(rng, cc.b*oh*ow*cc.o)
		for _, alg := range convAlgorithms {
			t.Run(alg+" "+cc.String(), func(t *testing.T) {
				withConvAlgorithm(alg, func() {
					_, dx, _ := convExec(t, cc, x, w, r)
					lossExec, err := graph.NewExec(Backend(), func(x, w, r *Node) *Node {
						return graph.ReduceAllSum(graph.Mul(conv2D(x, w, cc.s, cc.ph, cc.pw), r))
					})
					require.NoError(t, err)
					wt := tensors.FromFlatDataAndDimensions(w, cc.k, cc.k, cc.c, cc.o)
					rt := tensors.FromFlatDataAndDimensions(r, cc.b, oh, ow, cc.o)
					loss := func(x []float64) float64 {
						out, err := lossExec.Exec(tensors.FromFlatDataAndDimensions(x, cc.b, cc.h, cc.w, cc.c), wt, rt)
						require.NoError(t, err)
						return tensors.ToScalar[float64](out[0])
					}
					const h = 1e-4
					for i := range x {
						xp, xm := append([]float64{}, x...), append([]float64{}, x...)
						xp[i] += h
						xm[i] -= h
						num := (loss(xp) - loss(xm)) / (2 * h)
						require.InDeltaf(t, num, dx[i], 1e-6, "dL/dx[%d]: autodiff %g, numerical %g", i, dx[i], num)
					}
				})
			})
		}
	}
}

// A segmentation-style net ending in a 1×1 convolution trains (it once failed in the
// backward pass of the patch extraction).
func TestFitWithOneByOneConvolution(t *testing.T) {
	n := 16
	d := &datasets.Dataset{Name: "masks", X: make([]float32, n*8*8), Shape: []int{8, 8, 1},
		Targets: make([]float32, n*8*8), TargetShape: []int{8, 8, 1}}
	for i := range d.X {
		d.X[i] = float32(i%7) / 7
		if i%3 == 0 {
			d.Targets[i] = 1
		}
	}
	for _, alg := range convAlgorithms {
		withConvAlgorithm(alg, func() {
			m := Sequential(Conv2D(4, 3).SamePadding(), ReLU(), Conv2D(1, 1))
			_, err := m.Fit(d).Epochs(2).BatchSize(8).Progress(false).Done()
			require.NoError(t, err, alg)
		})
	}
}
