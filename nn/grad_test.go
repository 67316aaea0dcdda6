package nn

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/stretchr/testify/require"

	"github.com/godl-course/godl/datasets"
)

// Gradients of a small CNN (Conv2D im2col, MaxPool, BatchNorm, Dense) against central
// differences (L(w + h) − L(w − h))/2h, with relative error below 1e-2 (float32).
func TestGradientsNumerical(t *testing.T) {
	d := datasets.Spiral(36, 2, 0.5, 3)
	img := &datasets.Dataset{X: d.X[:4*6*6], Shape: []int{6, 6, 1}, Labels: []int{0, 1, 1, 0}}
	m := Sequential(Conv2D(2, 3).SamePadding(), Tanh(), MaxPool2D(2), BatchNorm(), Flatten(), Dense(2))
	require.NoError(t, m.Build(6, 6, 1))
	store := m.Store()
	x, y := batchX(img, rangeIdx(0, 4)), batchY(img, rangeIdx(0, 4))
	lossExec, err := model.NewExec(Backend(), store, func(scope *model.Scope, x, y *Node) *Node {
		return CrossEntropy.Loss(m.Forward(newCtx(scope, x.Graph(), false), x), y)
	})
	require.NoError(t, err)
	for _, path := range []string{"/conv2d_1/kernel", "/dense_1/weights", "/batchnorm_1/gamma"} {
		v := store.GetVariable(path)
		gradExec, err := model.NewExec(Backend(), store, func(scope *model.Scope, x, y *Node) *Node {
			l := CrossEntropy.Loss(m.Forward(newCtx(scope, x.Graph(), false), x), y)
			return graph.Gradient(l, v.NodeValue(x.Graph()))[0]
		})
		require.NoError(t, err)
		gout, err := gradExec.Exec(x, y)
		require.NoError(t, err)
		grad := flat(t, gout[0])
		w0 := flat(t, v.MustValue())
		const h = 1e-2
		for i := range min(len(w0), 6) {
			eval := func(delta float32) float64 {
				w := append([]float32{}, w0...)
				w[i] += delta
				require.NoError(t, v.SetValue(tensors.FromFlatDataAndDimensions(w, v.Shape().Dimensions...)))
				out, err := lossExec.Exec(x, y)
				require.NoError(t, err)
				return float64(flat(t, out[0])[0])
			}
			num := (eval(h) - eval(-h)) / (2 * h)
			require.NoError(t, v.SetValue(tensors.FromFlatDataAndDimensions(w0, v.Shape().Dimensions...)))
			rel := math.Abs(num-float64(grad[i])) / math.Max(1e-3, math.Abs(num)+math.Abs(float64(grad[i])))
			require.Lessf(t, rel, 1e-2, "%s[%d]: analytic %g numerical %g", path, i, grad[i], num)
		}
	}
}
