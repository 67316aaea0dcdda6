package scratch_test

// Cross-checks: every hand-written layer agrees with GoMLX (graph ops + automatic
// differentiation with graph.Gradient, on the pure Go backend) on random inputs, for the forward
// values and for the gradients of L = Σ y·Δy with respect to the input and the parameters.

import (
	"fmt"
	"testing"

	"github.com/godl-course/godl/nn/scratch"
	"github.com/godl-course/godl/tensor"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// crossCheckTolerance is the largest relative error max|a−b|/max(|a|+|b|) accepted between the
// scratch and GoMLX results. Both compute in float64, so they typically agree to 1e-15.
const crossCheckTolerance = 1e-5

var backend = func() compute.Backend {
	b, err := gobackend.New("")
	if err != nil {
		panic(fmt.Sprintf("creating the GoMLX Go backend: %v", err))
	}
	return b
}()

func toGoMLX(t *tensor.Tensor) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(append([]float64(nil), t.Data...), t.Shape...)
}

func fromGoMLX(t *tensors.Tensor) *tensor.Tensor {
	return tensor.New(tensors.MustCopyFlatData[float64](t), t.Shape().Dimensions...)
}

// graphFn builds y from the inputs (the first is x, then the parameters); gomlxRun returns y
// and the gradients of Σ y·Δy with respect to every input, all computed by GoMLX.
func gomlxRun(t *testing.T, build func(inputs []*graph.Node) *graph.Node, dy *tensor.Tensor, inputs ...*tensor.Tensor) (
	y *tensor.Tensor, grads []*tensor.Tensor) {
	t.Helper()
	args := make([]any, 0, len(inputs)+1)
	for _, in := range inputs {
		args = append(args, toGoMLX(in))
	}
	args = append(args, toGoMLX(dy))
	outs, err := graph.CallOnceN(backend, func(nodes []*graph.Node) []*graph.Node {
		ins, dyNode := nodes[:len(nodes)-1], nodes[len(nodes)-1]
		yNode := build(ins)
		loss := graph.ReduceAllSum(graph.Mul(yNode, dyNode))
		return append([]*graph.Node{yNode}, graph.Gradient(loss, ins...)...)
	}, args...)
	if err != nil {
		t.Fatalf("GoMLX: %+v", err)
	}
	y = fromGoMLX(outs[0])
	for _, g := range outs[1:] {
		grads = append(grads, fromGoMLX(g))
	}
	return y, grads
}

// agree compares a scratch result with the GoMLX one.
func agree(t *testing.T, name string, scratchVal, gomlxVal *tensor.Tensor) {
	t.Helper()
	r := scratch.GradChecker{Threshold: crossCheckTolerance}.Compare(name, scratchVal, gomlxVal)
	if !r.OK() {
		t.Errorf("scratch and GoMLX disagree: %s", r)
		return
	}
	t.Logf("%s: relative difference %.2g", name, r.RelErr)
}

// crossCheckLayer runs layer.Forward/Backward with a random Δy and compares y, ∂L/∂x and each
// ∂L/∂θ with GoMLX's build(x, θ...) and its autodiff gradients.
func crossCheckLayer(t *testing.T, layer scratch.Layer, x *tensor.Tensor, build func(in []*graph.Node) *graph.Node) {
	t.Helper()
	y := layer.Forward(x)
	dy := tensor.RandN(tensor.NewRand(11), 1, y.Shape...)
	dx := layer.Backward(dy)
	inputs := []*tensor.Tensor{x}
	for _, p := range layer.Params() {
		inputs = append(inputs, p.Value)
	}
	gy, grads := gomlxRun(t, build, dy, inputs...)
	agree(t, "y", y, gy)
	agree(t, "∂L/∂x", dx, grads[0])
	for i, p := range layer.Params() {
		agree(t, "∂L/∂"+p.Name, p.Grad, grads[i+1])
	}
}

// lastAxis reshapes a per-feature vector [F] to [1, ..., 1, F] to broadcast over a rank-r tensor.
func lastAxis(v *graph.Node, rank int) *graph.Node {
	dims := make([]int, rank)
	for i := range dims {
		dims[i] = 1
	}
	dims[rank-1] = v.Shape().Dimensions[0]
	return graph.Reshape(v, dims...)
}

func TestCrossCheckLinear(t *testing.T) {
	rng := tensor.NewRand(1)
	l := scratch.Linear(5, 3, rng)
	l.B.Value = tensor.RandN(rng, 1, 3)
	crossCheckLayer(t, l, tensor.RandN(rng, 1, 4, 5), func(in []*graph.Node) *graph.Node {
		return graph.Add(graph.MatMul(in[0], in[1]), lastAxis(in[2], 2))
	})
}

func TestCrossCheckConv2D(t *testing.T) {
	for _, cfg := range []struct{ kernel, stride, padding int }{{3, 1, 0}, {3, 2, 1}, {3, 2, 0}, {5, 1, 2}, {2, 1, 0}, {2, 2, 1}, {4, 1, 1}} {
		t.Run(fmt.Sprintf("kernel %d stride %d padding %d", cfg.kernel, cfg.stride, cfg.padding), func(t *testing.T) {
			rng := tensor.NewRand(uint64(2 + cfg.kernel*10 + cfg.stride*100 + cfg.padding))
			c := scratch.Conv2D(2, 3, cfg.kernel, rng)
			c.Stride, c.Padding = cfg.stride, cfg.padding
			c.B.Value = tensor.RandN(rng, 1, 3)
			crossCheckLayer(t, c, tensor.RandN(rng, 1, 2, 7, 6, 2), func(in []*graph.Node) *graph.Node {
				x, w, p := in[0], in[1], cfg.padding
				if cfg.kernel%2 == 1 {
					y := graph.Convolve(x, w).Strides(cfg.stride).PaddingPerDim([][2]int{{p, p}, {p, p}}).Done()
					return graph.Add(y, lastAxis(in[2], 4))
				}
				// GoMLX v0.28.16's gradient of Convolve with respect to x is wrong for even kernel
				// sizes (it disagrees with the numerical gradient of its own forward pass). The same
				// convolution is computed with an odd kernel: one more row and column of zero weights
				// at the end, and one more row and column of zero input (explicit padding) to match.
				zero, none := graph.ScalarZero(x.Graph(), x.DType()), compute.PadAxis{}
				w = graph.Pad(w, zero, compute.PadAxis{End: 1}, compute.PadAxis{End: 1}, none, none)
				pad := compute.PadAxis{Start: p, End: p + 1}
				x = graph.Pad(x, zero, none, pad, pad, none)
				return graph.Add(graph.Convolve(x, w).Strides(cfg.stride).Done(), lastAxis(in[2], 4))
			})
		})
	}
}

func TestCrossCheckMaxPool2D(t *testing.T) {
	for _, cfg := range []struct{ size, stride int }{{2, 2}, {3, 2}, {2, 1}} {
		t.Run(fmt.Sprintf("window %d stride %d", cfg.size, cfg.stride), func(t *testing.T) {
			// Distinct values: the max of every window is unique, as GoMLX and scratch may break ties differently.
			rng := tensor.NewRand(3)
			x := tensor.Zeros(2, 6, 7, 3)
			for i, p := range rng.Perm(x.Size()) {
				x.Data[i] = float64(p)/10 - 5
			}
			crossCheckLayer(t, &scratch.MaxPool2DLayer{Size: cfg.size, Stride: cfg.stride}, x, func(in []*graph.Node) *graph.Node {
				return graph.MaxPool(in[0]).Window(cfg.size).Strides(cfg.stride).NoPadding().Done()
			})
		})
	}
}

func TestCrossCheckActivations(t *testing.T) {
	rng := tensor.NewRand(4)
	x := tensor.RandN(rng, 2, 3, 4, 5)
	for i, v := range x.Data { // keep ReLU's kink away from the sampled points
		if v > -1e-3 && v < 1e-3 {
			x.Data[i] = 0.5
		}
	}
	t.Run("ReLU", func(t *testing.T) {
		crossCheckLayer(t, scratch.ReLU(), x, func(in []*graph.Node) *graph.Node {
			return graph.Max(in[0], graph.ZerosLike(in[0]))
		})
	})
	t.Run("Sigmoid", func(t *testing.T) {
		crossCheckLayer(t, scratch.Sigmoid(), x, func(in []*graph.Node) *graph.Node { return graph.Sigmoid(in[0]) })
	})
	t.Run("Tanh", func(t *testing.T) {
		crossCheckLayer(t, scratch.Tanh(), x, func(in []*graph.Node) *graph.Node { return graph.Tanh(in[0]) })
	})
}

// batchNormGraph is the lecture's formula (5) written with GoMLX ops; GoMLX differentiates it
// through μ and σ², which the scratch Backward does by hand.
func batchNormGraph(x, gamma, beta *graph.Node, eps float64) *graph.Node {
	axes := make([]int, x.Rank()-1)
	for i := range axes {
		axes[i] = i
	}
	mean := graph.ReduceAndKeep(x, graph.ReduceMean, axes...)
	centered := graph.Sub(x, mean)
	variance := graph.ReduceAndKeep(graph.Square(centered), graph.ReduceMean, axes...)
	xhat := graph.Div(centered, graph.Sqrt(graph.AddScalar(variance, eps)))
	return graph.Add(graph.Mul(xhat, lastAxis(gamma, x.Rank())), lastAxis(beta, x.Rank()))
}

func TestCrossCheckBatchNorm(t *testing.T) {
	for _, shape := range [][]int{{6, 4}, {2, 3, 3, 4}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			rng := tensor.NewRand(5)
			bn := scratch.BatchNorm(4)
			bn.Gamma.Value, bn.Beta.Value = tensor.RandN(rng, 1, 4), tensor.RandN(rng, 1, 4)
			crossCheckLayer(t, bn, tensor.RandN(rng, 2, shape...), func(in []*graph.Node) *graph.Node {
				return batchNormGraph(in[0], in[1], in[2], 1e-5)
			})
		})
	}
}

func TestCrossCheckSoftmaxCrossEntropy(t *testing.T) {
	rng := tensor.NewRand(6)
	logits, labels := tensor.RandN(rng, 3, 5, 4), []int{0, 3, 1, 1, 2}
	onehot := tensor.Zeros(5, 4)
	for i, y := range labels {
		onehot.Set(1, i, y)
	}
	var ce scratch.SoftmaxCrossEntropy
	loss := ce.Forward(logits, labels)
	dz := ce.Backward()
	outs, err := graph.CallOnceN(backend, func(z, oh *graph.Node) []*graph.Node {
		l := graph.Neg(graph.ReduceAllMean(graph.ReduceSum(graph.Mul(oh, graph.LogSoftmax(z, -1)), -1)))
		return []*graph.Node{l, graph.Gradient(l, z)[0]}
	}, toGoMLX(logits), toGoMLX(onehot))
	if err != nil {
		t.Fatalf("GoMLX: %+v", err)
	}
	agree(t, "loss", tensor.New([]float64{loss}), fromGoMLX(outs[0]))
	agree(t, "∂L/∂z", dz, fromGoMLX(outs[1]))
}

// A whole small CNN, chained: conv → ReLU → max pool → linear, against the same chain in GoMLX.
func TestCrossCheckSmallCNN(t *testing.T) {
	rng := tensor.NewRand(7)
	conv := scratch.Conv2D(1, 2, 3, rng)
	conv.Padding = 1
	conv.B.Value = tensor.RandN(rng, 0.1, 2)
	fc := scratch.Linear(2*3*3, 3, rng)
	flat := &flatten{}
	model := scratch.Sequential(conv, scratch.ReLU(), scratch.MaxPool2D(2), flat, fc)
	crossCheckLayer(t, model, tensor.RandN(rng, 1, 2, 6, 6, 1), func(in []*graph.Node) *graph.Node {
		y := graph.Convolve(in[0], in[1]).PaddingPerDim([][2]int{{1, 1}, {1, 1}}).Done()
		y = graph.Add(y, lastAxis(in[2], 4))
		y = graph.Max(y, graph.ZerosLike(y))
		y = graph.MaxPool(y).Window(2).Strides(2).NoPadding().Done()
		y = graph.Reshape(y, 2, 2*3*3)
		return graph.Add(graph.MatMul(y, in[3]), lastAxis(in[4], 2))
	})
}

// flatten reshapes [N, ...] to [N, rest]: a layer written outside the package, as a student would.
type flatten struct{ shape []int }

func (f *flatten) Forward(x *tensor.Tensor) *tensor.Tensor {
	f.shape = x.Shape
	return x.Reshape(x.Shape[0], x.Size()/x.Shape[0])
}
func (f *flatten) Backward(dy *tensor.Tensor) *tensor.Tensor { return dy.Reshape(f.shape...) }
func (f *flatten) Params() []*scratch.Param                  { return nil }
