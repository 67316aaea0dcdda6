package scratch

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/godl-course/godl/internal/calls"
	"github.com/godl-course/godl/tensor"
)

// LinearLayer is the fully connected layer (perceptron): every output is connected to every input.
//
//	y = x·W + b        x: [N, In], W: [In, Out], b: [Out], y: [N, Out]
//	y_{n,o} = Σ_i x_{n,i} W_{i,o} + b_o
type LinearLayer struct {
	In, Out int
	W, B    *Param

	x *tensor.Tensor // input saved by Forward
}

// Linear returns a Linear layer with the lecture's initialisation, W ~ N(0, 1/In), which keeps
// Var(y) = In·Var(x)·Var(W) = Var(x), and b = 0. The lecture calls it Xavier's; PyTorch and Keras
// call it LeCun initialization (nn.LeCunNormal), and their Xavier/Glorot initialization
// (Glorot & Bengio 2010, nn.GlorotUniform) uses Var(W) = 2/(In + Out). Use [tensor.NewRand] for rng.
func Linear(in, out int, rng *rand.Rand) *LinearLayer {
	if in <= 0 || out <= 0 {
		panic(fmt.Sprintf("scratch.Linear(%d, %d): the numbers of inputs and outputs must be positive", in, out))
	}
	return &LinearLayer{In: in, Out: out,
		W: newParam("W", tensor.RandN(rng, 1/math.Sqrt(float64(in)), in, out)),
		B: newParam("b", tensor.Zeros(out)),
	}
}

// String describes the layer, e.g. "Linear(2 → 8)".
func (l *LinearLayer) String() string { return fmt.Sprintf("Linear(%d → %d)", l.In, l.Out) }

// Params returns W and b.
func (l *LinearLayer) Params() []*Param { return []*Param{l.W, l.B} }

// Forward computes y = x·W + b for x of shape [N, In].
func (l *LinearLayer) Forward(x *tensor.Tensor) *tensor.Tensor {
	if l.W == nil || l.B == nil {
		panic("scratch.LinearLayer.Forward: the layer has no weights; build it with scratch.Linear(in, out, rng)")
	}
	mustRank("Linear.Forward", x, 2, "[N, In]")
	if x.Shape[1] != l.In {
		panic(fmt.Sprintf("scratch.LinearLayer.Forward: input has shape %v, i.e. %d features, but the layer was built "+
			"with In=%d (scratch.Linear(%d, %d, rng)); change In or the input", x.Shape, x.Shape[1], l.In, l.In, l.Out))
	}
	l.x = x
	return LinearForward(x, l.W.Value, l.B.Value)
}

// Backward takes Δy [N, Out], stores ∂L/∂W and ∂L/∂b, and returns Δx [N, In]. See [LinearBackward].
func (l *LinearLayer) Backward(dy *tensor.Tensor) *tensor.Tensor {
	mustForwardFirst("Linear", l.x)
	mustGradShape("Linear", dy, []int{l.x.Shape[0], l.Out})
	dx, dw, db := LinearBackward(l.x, l.W.Value, dy)
	l.W.Grad, l.B.Grad = dw, db
	return dx
}

// LinearForward computes y = x·W + b: x [N, In], W [In, Out], b [Out] → y [N, Out].
func LinearForward(x, w, b *tensor.Tensor) *tensor.Tensor {
	checkLinearShapes("LinearForward", x, w)
	if b == nil || len(b.Shape) != 1 || b.Shape[0] != w.Shape[1] {
		panic(fmt.Sprintf("scratch.LinearForward: bias has shape %v, want [%d] (one per output)", shapeOf(b), w.Shape[1]))
	}
	n, in, out := x.Shape[0], w.Shape[0], w.Shape[1]
	y := tensor.Zeros(n, out)
	for s := range n {
		for o := range out {
			sum := b.Data[o]
			for i := range in {
				sum += x.Data[s*in+i] * w.Data[i*out+o]
			}
			y.Data[s*out+o] = sum
		}
	}
	return y
}

// LinearBackward returns the gradients of y = x·W + b given Δy = ∂L/∂y:
//
//	∂L/∂x = Δy·Wᵀ    (∂L/∂x_{n,i} = Σ_o Δy_{n,o} W_{i,o})
//	∂L/∂W = xᵀ·Δy    (∂L/∂W_{i,o} = Σ_n x_{n,i} Δy_{n,o})
//	∂L/∂b = Σ_n Δy_{n,o}
func LinearBackward(x, w, dy *tensor.Tensor) (dx, dw, db *tensor.Tensor) {
	calls.Count("scratch.LinearBackward")
	checkLinearShapes("LinearBackward", x, w)
	mustGradShape("LinearBackward", dy, []int{x.Shape[0], w.Shape[1]})
	n, in, out := x.Shape[0], w.Shape[0], w.Shape[1]
	dx, dw, db = tensor.Zeros(n, in), tensor.Zeros(in, out), tensor.Zeros(out)
	for s := range n {
		for o := range out {
			g := dy.Data[s*out+o]
			db.Data[o] += g
			for i := range in {
				dx.Data[s*in+i] += g * w.Data[i*out+o]
				dw.Data[i*out+o] += x.Data[s*in+i] * g
			}
		}
	}
	return dx, dw, db
}

func checkLinearShapes(where string, x, w *tensor.Tensor) {
	mustRank(where, x, 2, "[N, In]")
	if w == nil || len(w.Shape) != 2 || w.Shape[0] != x.Shape[1] {
		panic(fmt.Sprintf("scratch.%s: weights have shape %v, want [In=%d, Out] for input %v", where, shapeOf(w), x.Shape[1], x.Shape))
	}
}
