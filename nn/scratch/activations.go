package scratch

import (
	"math"

	"github.com/godl-course/godl/tensor"
)

// Activations apply a non-linear function to every value. Without them, linear + linear is
// still linear and the network could not learn a non-linear decision (e.g. XOR).
// They accept any shape; Backward multiplies Δy by the derivative, value by value:
// ∂L/∂x_i = f'(x_i) · Δy_i.

// ReLULayer is the rectified linear unit: y = max(0, x), y' = 1 if x > 0 else 0.
type ReLULayer struct{ x *tensor.Tensor }

// ReLU returns the rectified linear unit layer (as nn.ReLU()).
func ReLU() *ReLULayer { return &ReLULayer{} }

// Sigmoid returns the logistic sigmoid layer (as nn.Sigmoid()).
func Sigmoid() *SigmoidLayer { return &SigmoidLayer{} }

// Tanh returns the hyperbolic tangent layer (as nn.Tanh()).
func Tanh() *TanhLayer { return &TanhLayer{} }

// SigmoidLayer is y = σ(x) = 1/(1 + e^{−x}), with derivative σ'(x) = σ(x)(1 − σ(x)).
type SigmoidLayer struct{ y *tensor.Tensor }

// TanhLayer is the hyperbolic tangent y = tanh(x), with derivative 1 − tanh²(x).
type TanhLayer struct{ y *tensor.Tensor }

// String returns "ReLU".
func (r *ReLULayer) String() string { return "ReLU" }

// String returns "Sigmoid".
func (s *SigmoidLayer) String() string { return "Sigmoid" }

// String returns "Tanh".
func (t *TanhLayer) String() string { return "Tanh" }

// Params returns nil.
func (r *ReLULayer) Params() []*Param { return nil }

// Params returns nil.
func (s *SigmoidLayer) Params() []*Param { return nil }

// Params returns nil.
func (t *TanhLayer) Params() []*Param { return nil }

// Forward returns max(0, x).
func (r *ReLULayer) Forward(x *tensor.Tensor) *tensor.Tensor {
	mustAny("ReLU.Forward", x)
	r.x = x
	return mapTensor(x, func(v float64) float64 { return max(v, 0) })
}

// Backward returns Δx_i = Δy_i if x_i > 0, else 0 (the gradient at exactly 0 is taken as 0).
func (r *ReLULayer) Backward(dy *tensor.Tensor) *tensor.Tensor {
	mustForwardFirst("ReLU", r.x)
	mustGradShape("ReLU", dy, r.x.Shape)
	dx := dy.ZerosLike()
	for i, v := range r.x.Data {
		if v > 0 {
			dx.Data[i] = dy.Data[i]
		}
	}
	return dx
}

// Forward returns σ(x) = 1/(1 + e^{−x}).
func (s *SigmoidLayer) Forward(x *tensor.Tensor) *tensor.Tensor {
	mustAny("Sigmoid.Forward", x)
	s.y = mapTensor(x, sigmoid)
	return s.y
}

// Backward returns Δx = σ(x)(1 − σ(x)) · Δy, using the saved output y = σ(x).
func (s *SigmoidLayer) Backward(dy *tensor.Tensor) *tensor.Tensor {
	mustForwardFirst("Sigmoid", s.y)
	mustGradShape("Sigmoid", dy, s.y.Shape)
	dx := dy.ZerosLike()
	for i, y := range s.y.Data {
		dx.Data[i] = y * (1 - y) * dy.Data[i]
	}
	return dx
}

// Forward returns tanh(x).
func (t *TanhLayer) Forward(x *tensor.Tensor) *tensor.Tensor {
	mustAny("Tanh.Forward", x)
	t.y = mapTensor(x, math.Tanh)
	return t.y
}

// Backward returns Δx = (1 − tanh²(x)) · Δy, using the saved output y = tanh(x).
func (t *TanhLayer) Backward(dy *tensor.Tensor) *tensor.Tensor {
	mustForwardFirst("Tanh", t.y)
	mustGradShape("Tanh", dy, t.y.Shape)
	dx := dy.ZerosLike()
	for i, y := range t.y.Data {
		dx.Data[i] = (1 - y*y) * dy.Data[i]
	}
	return dx
}

// sigmoid is computed without overflow for large |x|.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func mapTensor(x *tensor.Tensor, f func(float64) float64) *tensor.Tensor {
	y := x.ZerosLike()
	for i, v := range x.Data {
		y.Data[i] = f(v)
	}
	return y
}

func mustAny(where string, x *tensor.Tensor) {
	if x == nil {
		panic("scratch." + where + ": input is nil; pass a tensor")
	}
	mustRank(where, x, len(x.Shape), "any shape")
}
