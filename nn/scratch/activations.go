package scratch

import "math"

// Activations apply a non-linear function to every value. Without them, linear + linear is
// still linear and the network could not learn a non-linear decision (e.g. XOR).
// They accept any shape; Backward multiplies Δy by the derivative, value by value:
// ∂L/∂x_i = f'(x_i) · Δy_i.

// ReLU is the rectified linear unit: y = max(0, x), y' = 1 if x > 0 else 0.
type ReLU struct{ x *Tensor }

// Sigmoid is y = σ(x) = 1/(1 + e^{−x}), with derivative σ'(x) = σ(x)(1 − σ(x)).
type Sigmoid struct{ y *Tensor }

// Tanh is the hyperbolic tangent y = tanh(x), with derivative 1 − tanh²(x).
type Tanh struct{ y *Tensor }

// String returns "ReLU".
func (r *ReLU) String() string { return "ReLU" }

// String returns "Sigmoid".
func (s *Sigmoid) String() string { return "Sigmoid" }

// String returns "Tanh".
func (t *Tanh) String() string { return "Tanh" }

// Params returns nil.
func (r *ReLU) Params() []*Param { return nil }

// Params returns nil.
func (s *Sigmoid) Params() []*Param { return nil }

// Params returns nil.
func (t *Tanh) Params() []*Param { return nil }

// Forward returns max(0, x).
func (r *ReLU) Forward(x *Tensor) *Tensor {
	mustAny("ReLU.Forward", x)
	r.x = x
	return mapTensor(x, func(v float64) float64 { return max(v, 0) })
}

// Backward returns Δx_i = Δy_i if x_i > 0, else 0 (the gradient at exactly 0 is taken as 0).
func (r *ReLU) Backward(dy *Tensor) *Tensor {
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
func (s *Sigmoid) Forward(x *Tensor) *Tensor {
	mustAny("Sigmoid.Forward", x)
	s.y = mapTensor(x, sigmoid)
	return s.y
}

// Backward returns Δx = σ(x)(1 − σ(x)) · Δy, using the saved output y = σ(x).
func (s *Sigmoid) Backward(dy *Tensor) *Tensor {
	mustForwardFirst("Sigmoid", s.y)
	mustGradShape("Sigmoid", dy, s.y.Shape)
	dx := dy.ZerosLike()
	for i, y := range s.y.Data {
		dx.Data[i] = y * (1 - y) * dy.Data[i]
	}
	return dx
}

// Forward returns tanh(x).
func (t *Tanh) Forward(x *Tensor) *Tensor {
	mustAny("Tanh.Forward", x)
	t.y = mapTensor(x, math.Tanh)
	return t.y
}

// Backward returns Δx = (1 − tanh²(x)) · Δy, using the saved output y = tanh(x).
func (t *Tanh) Backward(dy *Tensor) *Tensor {
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

func mapTensor(x *Tensor, f func(float64) float64) *Tensor {
	y := x.ZerosLike()
	for i, v := range x.Data {
		y.Data[i] = f(v)
	}
	return y
}

func mustAny(where string, x *Tensor) {
	if x == nil {
		panic("scratch." + where + ": input is nil; pass a tensor")
	}
	mustRank(where, x, len(x.Shape), "any shape")
}
