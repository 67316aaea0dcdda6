package scratch

import (
	"fmt"
	"math"
	"strconv"
)

// Value is a scalar that remembers how it was computed, so that Backward can apply the chain
// rule through the whole computation (reverse-mode automatic differentiation, the micrograd idea):
//
//	a := scratch.NewValue(2).Named("a")
//	b := scratch.NewValue(-3).Named("b")
//	L := a.Mul(b).Add(scratch.NewValue(10)).Tanh().Named("L")
//	L.Backward()   // a.Grad = ∂L/∂a, b.Grad = ∂L/∂b
//
// Each operation creates a node whose Prev are its operands; the graph of nodes, with Data and
// Grad on each, is what the chain-rule drawings show.
type Value struct {
	Data  float64  // the value computed by the forward pass
	Grad  float64  // ∂root/∂this, filled by Backward on the root
	Op    string   // "+", "-", "*", "/", "neg", "^2", "exp", "log", "tanh", "relu", "sigmoid"; "" for leaves
	Label string   // optional name shown in drawings, e.g. "w1"
	Prev  []*Value // operands (children in the graph)

	// backward adds this node's contribution to the Grad of its operands (Prev), given v.Grad:
	// for out = f(a, b): a.Grad += ∂f/∂a · out.Grad (the chain rule).
	backward func()
}

// NewValue returns a leaf (an input or a parameter) holding data.
func NewValue(data float64) *Value { return &Value{Data: data} }

// Named sets the label shown in drawings and returns v, e.g. x.Mul(w).Named("xw").
func (v *Value) Named(label string) *Value {
	v.Label = label
	return v
}

func newOp(data float64, op string, prev ...*Value) *Value {
	return &Value{Data: data, Op: op, Prev: prev}
}

// mustOperands panics with a clear message when an operand of method is nil.
func mustOperands(method string, v, o *Value) {
	switch {
	case v == nil:
		panic(fmt.Sprintf("scratch.Value.%s called on a nil *Value; create values with scratch.NewValue", method))
	case o == nil:
		panic(fmt.Sprintf("scratch.Value.%s: the operand is nil; create values with scratch.NewValue", method))
	}
}

// Add returns v + o. ∂/∂v = 1, ∂/∂o = 1: the gradient is passed unchanged to both.
func (v *Value) Add(o *Value) *Value {
	mustOperands("Add", v, o)
	out := newOp(v.Data+o.Data, "+", v, o)
	out.backward = func() {
		v.Grad += out.Grad
		o.Grad += out.Grad
	}
	return out
}

// Sub returns v − o. ∂/∂v = 1, ∂/∂o = −1.
func (v *Value) Sub(o *Value) *Value {
	mustOperands("Sub", v, o)
	out := newOp(v.Data-o.Data, "-", v, o)
	out.backward = func() {
		v.Grad += out.Grad
		o.Grad -= out.Grad
	}
	return out
}

// Mul returns v·o. ∂/∂v = o, ∂/∂o = v: each operand gets the gradient times the other one.
func (v *Value) Mul(o *Value) *Value {
	mustOperands("Mul", v, o)
	out := newOp(v.Data*o.Data, "*", v, o)
	out.backward = func() {
		v.Grad += o.Data * out.Grad
		o.Grad += v.Data * out.Grad
	}
	return out
}

// Div returns v/o. ∂/∂v = 1/o, ∂/∂o = −v/o².
func (v *Value) Div(o *Value) *Value {
	mustOperands("Div", v, o)
	out := newOp(v.Data/o.Data, "/", v, o)
	out.backward = func() {
		v.Grad += out.Grad / o.Data
		o.Grad -= v.Data / (o.Data * o.Data) * out.Grad
	}
	return out
}

// Neg returns −v.
func (v *Value) Neg() *Value {
	out := newOp(-v.Data, "neg", v)
	out.backward = func() { v.Grad -= out.Grad }
	return out
}

// Pow returns v^p for a constant exponent p. ∂/∂v = p·v^(p−1).
func (v *Value) Pow(p float64) *Value {
	out := newOp(math.Pow(v.Data, p), "^"+strconv.FormatFloat(p, 'g', -1, 64), v)
	out.backward = func() { v.Grad += p * math.Pow(v.Data, p-1) * out.Grad }
	return out
}

// Exp returns e^v. ∂/∂v = e^v.
func (v *Value) Exp() *Value {
	out := newOp(math.Exp(v.Data), "exp", v)
	out.backward = func() { v.Grad += out.Data * out.Grad }
	return out
}

// Log returns ln v. ∂/∂v = 1/v.
func (v *Value) Log() *Value {
	out := newOp(math.Log(v.Data), "log", v)
	out.backward = func() { v.Grad += out.Grad / v.Data }
	return out
}

// Tanh returns tanh v. ∂/∂v = 1 − tanh² v.
func (v *Value) Tanh() *Value {
	t := math.Tanh(v.Data)
	out := newOp(t, "tanh", v)
	out.backward = func() { v.Grad += (1 - t*t) * out.Grad }
	return out
}

// ReLU returns max(0, v). ∂/∂v = 1 if v > 0, else 0.
func (v *Value) ReLU() *Value {
	out := newOp(max(v.Data, 0), "relu", v)
	out.backward = func() {
		if v.Data > 0 {
			v.Grad += out.Grad
		}
	}
	return out
}

// Sigmoid returns σ(v) = 1/(1 + e^{−v}). ∂/∂v = σ(v)(1 − σ(v)).
func (v *Value) Sigmoid() *Value {
	s := sigmoid(v.Data)
	out := newOp(s, "sigmoid", v)
	out.backward = func() { v.Grad += s * (1 - s) * out.Grad }
	return out
}

// Sum returns the sum of the values (one "+" node per addition).
func Sum(values ...*Value) *Value {
	if len(values) == 0 {
		return NewValue(0)
	}
	s := values[0]
	for _, v := range values[1:] {
		s = s.Add(v)
	}
	return s
}

// Topo returns every node of the graph that computed v in topological order: each node comes
// after its operands (Prev), leaves first and v last. Backward walks it in reverse.
func (v *Value) Topo() []*Value {
	var order []*Value
	seen := map[*Value]bool{}
	var visit func(n *Value)
	visit = func(n *Value) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, p := range n.Prev {
			visit(p)
		}
		order = append(order, n)
	}
	visit(v)
	return order
}

// Backward computes ∂v/∂n for every node n of v's graph and stores it in n.Grad.
//
// It sets every Grad to 0, then v.Grad = ∂v/∂v = 1, and visits the nodes from v back to the
// leaves (reverse topological order), each node passing its gradient to its operands by the
// chain rule: ∂v/∂a = ∂out/∂a · ∂v/∂out. A node used twice (a.Mul(a)) receives both
// contributions, summed. Calling Backward again gives the same gradients.
func (v *Value) Backward() {
	topo := v.Topo()
	for _, n := range topo {
		n.Grad = 0
	}
	v.Grad = 1
	for i := len(topo) - 1; i >= 0; i-- {
		if b := topo[i].backward; b != nil {
			b()
		}
	}
}

// String shows the node, e.g. "Value(L = tanh: data=0.7616 grad=1)" or "Value(a: data=2 grad=-3)".
func (v *Value) String() string {
	name := v.Label
	switch {
	case name != "" && v.Op != "":
		name += " = " + v.Op
	case name == "" && v.Op != "":
		name = v.Op
	case name == "":
		name = "leaf"
	}
	return fmt.Sprintf("Value(%s: data=%.4g grad=%.4g)", name, v.Data, v.Grad)
}
