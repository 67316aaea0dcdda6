package scratch

import (
	"fmt"
	"strings"

	"github.com/godl-course/godl/tensor"
)

// Layer is one step of the forward-backward algorithm.
//
//   - Forward computes y = f(x) and keeps what Backward will need (x, masks, statistics).
//   - Backward receives Δy = ∂L/∂y (same shape as y), stores ∂L/∂θ for each parameter θ in
//     Param.Grad, and returns Δx = ∂L/∂x (same shape as x), the Δy of the previous layer.
//     By the chain rule: ∂L/∂x = ∂y/∂x · ∂L/∂y.
//   - Params lists the learnable parameters (nil for layers without any).
//
// A student's own layer type that has these three methods can be checked with [CheckLayer].
type Layer interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
	Backward(dy *tensor.Tensor) *tensor.Tensor
	Params() []*Param
}

// Param is a learnable parameter: its current Value and the Grad ∂L/∂Value computed by the
// last Backward (same shape as Value).
type Param struct {
	Name  string // e.g. "W", "b", "gamma"
	Value *tensor.Tensor
	Grad  *tensor.Tensor
}

func newParam(name string, value *tensor.Tensor) *Param {
	return &Param{Name: name, Value: value, Grad: value.ZerosLike()}
}

// Model chains layers: Forward runs them first to last, Backward last to first.
type Model struct {
	Layers []Layer
}

// Sequential returns the chain of the given layers.
func Sequential(layers ...Layer) *Model { return &Model{Layers: layers} }

// Forward runs x through every layer: x → layer 1 → layer 2 → ... → y.
func (s *Model) Forward(x *tensor.Tensor) *tensor.Tensor {
	for _, l := range s.Layers {
		x = l.Forward(x)
	}
	return x
}

// Backward runs the output gradient back through the layers, last to first, and returns Δx.
func (s *Model) Backward(dy *tensor.Tensor) *tensor.Tensor {
	for i := len(s.Layers) - 1; i >= 0; i-- {
		dy = s.Layers[i].Backward(dy)
	}
	return dy
}

// Params returns the parameters of all layers, first layer first.
func (s *Model) Params() []*Param {
	var ps []*Param
	for _, l := range s.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Summary lists the layers and their parameter counts, one per line.
func (s *Model) Summary() string {
	var sb strings.Builder
	total := 0
	for i, l := range s.Layers {
		n := 0
		for _, p := range l.Params() {
			n += p.Value.Size()
		}
		total += n
		fmt.Fprintf(&sb, "%2d  %-40s %8d params\n", i+1, describe(l), n)
	}
	fmt.Fprintf(&sb, "    %-40s %8d params\n", "total", total)
	return sb.String()
}

func describe(l Layer) string {
	if s, ok := l.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", l)
}

// SGDOptimizer is plain stochastic gradient descent: θ ← θ − α ∂L/∂θ, with α = LR.
type SGDOptimizer struct {
	LR float64 // learning rate α; 0 means 0.1
}

// SGD returns plain stochastic gradient descent with learning rate α = lr (as nn.SGD(lr)).
func SGD(lr float64) *SGDOptimizer { return &SGDOptimizer{LR: lr} }

// Step updates every parameter with its gradient: θ ← θ − α ∂L/∂θ.
func (o *SGDOptimizer) Step(params []*Param) {
	lr := o.LR
	if lr == 0 {
		lr = 0.1
	}
	for _, p := range params {
		for i, g := range p.Grad.Data {
			p.Value.Data[i] -= lr * g
		}
	}
}
