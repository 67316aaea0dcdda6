package scratch_test

// The bridge from "how it works" to "what you use": every hand-written layer of this package
// agrees with the corresponding layer of package nn, forward and backward. nn's side is
// nn.LayerGradients: the nn layer run by GoMLX, with the gradients of L = Σ y·Δy from GoMLX's
// automatic differentiation, in float32. Inputs and weights are rounded to float32 first, so
// the differences left are float32 rounding (measured ≤ 2.1e-7 relative); the tolerance is
// crossCheckTolerance (1e-5).

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/core/graph"

	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/nn/scratch"
	"github.com/godl-course/godl/tensor"
)

// round32 rounds every value to the nearest float32, in place, and returns t.
func round32(t *tensor.Tensor) *tensor.Tensor {
	for i, v := range t.Data {
		t.Data[i] = float64(float32(v))
	}
	return t
}

// crossCheckNN runs the scratch layer's Forward and Backward with a random Δy and nn's layer
// through nn.LayerGradients with the same input, weights and Δy, and compares y, ∂L/∂x and the
// gradient of every weight. weights maps nn's weight names to the scratch parameters.
func crossCheckNN(t *testing.T, sl scratch.Layer, nl nn.Layer, x *tensor.Tensor, weights map[string]*scratch.Param) *nn.LayerGrads {
	t.Helper()
	round32(x)
	for _, p := range weights {
		round32(p.Value)
	}
	y := sl.Forward(x)
	dy := round32(tensor.RandN(tensor.NewRand(12), 1, y.Shape...))
	dx := sl.Backward(dy)

	given := map[string]*tensor.Tensor{}
	for name, p := range weights {
		given[name] = p.Value
	}
	g, err := nn.LayerGradients(nl, x, given, dy)
	if err != nil {
		t.Fatalf("nn.LayerGradients: %v", err)
	}
	if len(g.Trainable) != len(weights) {
		t.Fatalf("nn's %s has the trainable weights %v, the test maps %d of them", nl, g.Trainable, len(weights))
	}
	agree(t, "y", y, g.Y)
	agree(t, "∂L/∂x", dx, g.DX)
	for name, p := range weights {
		agree(t, fmt.Sprintf("∂L/∂%s (nn %s)", p.Name, name), p.Grad, g.DWeights[name])
	}
	return g
}

func TestNNCrossCheckLinear(t *testing.T) {
	rng := tensor.NewRand(21)
	l := scratch.Linear(5, 3, rng)
	l.B.Value = tensor.RandN(rng, 1, 3)
	for _, layer := range []nn.Layer{nn.Linear(3), nn.Dense(3)} {
		crossCheckNN(t, l, layer, tensor.RandN(rng, 1, 4, 5), map[string]*scratch.Param{"weights": l.W, "bias": l.B})
	}
}

func TestNNCrossCheckConv2D(t *testing.T) {
	type config struct{ kernel, stride, padding int }
	var configs []config
	for k := 2; k <= 5; k++ {
		for s := 1; s <= 2; s++ {
			for p := 0; p <= 2; p++ {
				configs = append(configs, config{k, s, p})
			}
		}
	}
	run := func(t *testing.T, c config, layer *nn.Conv2DLayer) {
		rng := tensor.NewRand(uint64(100 + c.kernel*10 + c.stride*3 + c.padding))
		sc := scratch.Conv2D(2, 3, c.kernel, rng)
		sc.Stride, sc.Padding = c.stride, c.padding
		sc.B.Value = tensor.RandN(rng, 1, 3)
		crossCheckNN(t, sc, layer, tensor.RandN(rng, 1, 2, 7, 6, 2), map[string]*scratch.Param{"kernel": sc.W, "bias": sc.B})
	}
	// nn's default formulation on this backend (im2col on the pure-Go backend).
	for _, c := range configs {
		t.Run(fmt.Sprintf("kernel %d stride %d padding %d", c.kernel, c.stride, c.padding), func(t *testing.T) {
			run(t, c, nn.Conv2D(3, c.kernel).WithStride(c.stride).WithPadding(c.padding))
		})
	}
	// SamePadding with an odd kernel and stride 1 is padding (k − 1)/2.
	for _, k := range []int{3, 5} {
		t.Run(fmt.Sprintf("kernel %d same", k), func(t *testing.T) {
			run(t, config{k, 1, (k - 1) / 2}, nn.Conv2D(3, k).SamePadding())
		})
	}
	// The formulation on the backend's own convolution (graph.Convolve), used on XLA: GoMLX
	// v0.28.16's gradient of Convolve with respect to its input is wrong for even kernel sizes
	// (see TestCrossCheckConv2D), which nn works around; every kernel size must agree.
	old := nn.ConvAlgorithm
	nn.ConvAlgorithm = "direct"
	defer func() { nn.ConvAlgorithm = old }()
	for _, c := range configs {
		t.Run(fmt.Sprintf("direct kernel %d stride %d padding %d", c.kernel, c.stride, c.padding), func(t *testing.T) {
			run(t, c, nn.Conv2D(3, c.kernel).WithStride(c.stride).WithPadding(c.padding))
		})
	}
}

func TestNNCrossCheckMaxPool2D(t *testing.T) {
	for _, c := range []struct{ size, stride int }{{2, 2}, {3, 3}, {3, 2}, {2, 1}} {
		t.Run(fmt.Sprintf("window %d stride %d", c.size, c.stride), func(t *testing.T) {
			// Distinct values, so that every window has one max (ties may be broken differently).
			rng := tensor.NewRand(22)
			x := tensor.Zeros(2, 7, 6, 3) // 7 rows: a 2×2 pooling drops the last one
			for i, p := range rng.Perm(x.Size()) {
				x.Data[i] = float64(p)/8 - 6
			}
			crossCheckNN(t, &scratch.MaxPool2DLayer{Size: c.size, Stride: c.stride}, nn.MaxPool2D(c.size).WithStride(c.stride), x, nil)
		})
	}
}

func TestNNCrossCheckActivations(t *testing.T) {
	rng := tensor.NewRand(23)
	x := tensor.RandN(rng, 2, 3, 4, 5)
	for i, v := range x.Data { // keep ReLU's kink at 0 away from the inputs
		if v > -1e-3 && v < 1e-3 {
			x.Data[i] = 0.5
		}
	}
	for _, c := range []struct {
		sl scratch.Layer
		nl nn.Layer
	}{{scratch.ReLU(), nn.ReLU()}, {scratch.Sigmoid(), nn.Sigmoid()}, {scratch.Tanh(), nn.Tanh()}} {
		t.Run(c.nl.String(), func(t *testing.T) { crossCheckNN(t, c.sl, c.nl, x.Clone(), nil) })
	}
}

func TestNNCrossCheckBatchNorm(t *testing.T) {
	for _, shape := range [][]int{{6, 4}, {2, 3, 3, 4}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			rng := tensor.NewRand(24)
			bn := scratch.BatchNorm(4)
			bn.Epsilon = 1e-3 // nn.BatchNorm's default ε
			bn.Gamma.Value, bn.Beta.Value = tensor.RandN(rng, 1, 4), tensor.RandN(rng, 1, 4)
			x := tensor.RandN(rng, 2, shape...)
			for i := range x.Data {
				x.Data[i] += float64(i % 4) // a different mean per feature
			}
			g := crossCheckNN(t, bn, nn.BatchNorm(), x, map[string]*scratch.Param{"gamma": bn.Gamma, "beta": bn.Beta})
			// Both keep running averages r ← 0.9·r + 0.1·(batch value), from r = 0 (mean) and 1 (variance).
			agree(t, "running mean", tensor.New(bn.RunningMean, 4), g.Weights["running_mean"])
			agree(t, "running variance", tensor.New(bn.RunningVar, 4), g.Weights["running_var"])
		})
	}
}

// crossEntropyLayer applies nn.CrossEntropy with fixed labels, so that nn.LayerGradients gives
// the loss and its gradient with respect to the logits.
type crossEntropyLayer struct{ labels []int32 }

func (l *crossEntropyLayer) String() string { return "CrossEntropy" }
func (l *crossEntropyLayer) Forward(c *nn.Ctx, z *nn.Node) *nn.Node {
	return nn.CrossEntropy.Loss(z, graph.Const(c.Graph(), l.labels))
}

func TestNNCrossCheckSoftmaxCrossEntropy(t *testing.T) {
	rng := tensor.NewRand(25)
	logits, labels := round32(tensor.RandN(rng, 3, 5, 4)), []int{0, 3, 1, 1, 2}
	var ce scratch.SoftmaxCrossEntropy
	loss := ce.Forward(logits, labels)
	dz := ce.Backward()
	l32 := make([]int32, len(labels))
	for i, v := range labels {
		l32[i] = int32(v)
	}
	g, err := nn.LayerGradients(&crossEntropyLayer{l32}, logits, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	agree(t, "loss", tensor.Scalar(loss), g.Y)
	agree(t, "∂L/∂z", dz, g.DX)

	// The Softmax layer's forward values.
	g, err = nn.LayerGradients(nn.Softmax(), logits, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	agree(t, "softmax", scratch.Softmax(logits), g.Y)
}

// A whole small CNN, chained: the scratch Sequential against an nn.Sequential model (a model
// is a layer too), the gradients of every weight at once.
func TestNNCrossCheckSmallCNN(t *testing.T) {
	rng := tensor.NewRand(26)
	conv := scratch.Conv2D(1, 2, 3, rng)
	conv.Padding = 1
	conv.B.Value = tensor.RandN(rng, 0.1, 2)
	fc := scratch.Linear(2*3*3, 3, rng)
	fc.B.Value = tensor.RandN(rng, 0.1, 3)
	x := tensor.RandN(rng, 1, 2, 6, 6, 1)
	sl := scratch.Sequential(conv, scratch.ReLU(), scratch.MaxPool2D(2), &flatten{}, fc)
	nl := nn.Sequential(nn.Conv2D(2, 3).WithPadding(1), nn.ReLU(), nn.MaxPool2D(2), nn.Flatten(), nn.Dense(3))
	crossCheckNN(t, sl, nl, x, map[string]*scratch.Param{
		"conv2d_1/kernel": conv.W, "conv2d_1/bias": conv.B, "dense_1/weights": fc.W, "dense_1/bias": fc.B})
}
