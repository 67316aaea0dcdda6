package nn

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
)

// DenseLayer is a fully connected (linear) layer: y = x·W + b, with W of shape
// (n_in, n_out) and b of shape (n_out,), so it has n_in·n_out + n_out parameters.
//
// Input shape (batch, ..., n_in); output shape (batch, ..., n_out): it acts on the last axis.
type DenseLayer struct {
	Units  int         // n_out
	Init   Initializer // for W; nil means GlorotUniform. The bias starts at 0.
	NoBias bool        // drop b
}

// Dense returns a fully connected layer with the given number of outputs (see [DenseLayer]).
// Linear is the same layer under the lecture's other name.
func Dense(units int) *DenseLayer { return &DenseLayer{Units: units} }

// Linear is another name for [Dense].
func Linear(units int) *DenseLayer { return Dense(units) }

// WithInit sets the initializer of the weights W and returns the layer.
func (l *DenseLayer) WithInit(init Initializer) *DenseLayer { l.Init = init; return l }

// WithoutBias drops the bias b (y = x·W) and returns the layer.
func (l *DenseLayer) WithoutBias() *DenseLayer { l.NoBias = true; return l }

func (l *DenseLayer) String() string { return fmt.Sprintf("Dense(%d)", l.Units) }

// Forward implements [Layer].
func (l *DenseLayer) Forward(c *Ctx, x *Node) *Node {
	if l.Units <= 0 {
		failf("Dense needs a positive number of units, got %d", l.Units)
	}
	if x.Rank() < 2 {
		failf("Dense expects an input of shape (batch, features), got %s", shapeString(x.Shape()))
	}
	dims := x.Shape().Dimensions
	nIn := dims[len(dims)-1]
	w := c.Weight("weights", l.Init, nIn, l.Units)
	flat := x
	if x.Rank() > 2 {
		flat = graph.Reshape(x, -1, nIn)
	}
	y := graph.MatMul(flat, w)
	if !l.NoBias {
		b := c.Weight("bias", Zeros, l.Units)
		y = graph.Add(y, graph.ExpandLeftToRank(b, 2))
	}
	if x.Rank() > 2 {
		outDims := append(append([]int{}, dims[:len(dims)-1]...), l.Units)
		y = graph.Reshape(y, outDims...)
	}
	return y
}

// FlattenLayer reshapes (batch, d1, d2, ...) to (batch, d1·d2·...).
type FlattenLayer struct{}

// Flatten returns a layer that reshapes each example into a vector: (batch, 28, 28, 1) becomes
// (batch, 784).
func Flatten() *FlattenLayer { return &FlattenLayer{} }

func (l *FlattenLayer) String() string { return "Flatten()" }

// Forward implements [Layer].
func (l *FlattenLayer) Forward(_ *Ctx, x *Node) *Node {
	if x.Rank() < 1 {
		failf("Flatten needs an input with a batch axis, got a scalar")
	}
	return graph.Reshape(x, x.Shape().Dimensions[0], -1)
}

// ActivationLayer applies an element-wise (or, for Softmax, per-example) function.
type ActivationLayer struct {
	name string
	fn   func(x *Node) *Node
}

func (l *ActivationLayer) String() string { return l.name }

// Forward implements [Layer].
func (l *ActivationLayer) Forward(_ *Ctx, x *Node) *Node { return l.fn(x) }

// ReLU is max(0, x).
func ReLU() *ActivationLayer { return &ActivationLayer{"ReLU()", relu} }

// Sigmoid is σ(x) = 1/(1+e^{−x}).
func Sigmoid() *ActivationLayer { return &ActivationLayer{"Sigmoid()", graph.Logistic} }

// Tanh is tanh(x) = (e^x − e^{−x})/(e^x + e^{−x}).
func Tanh() *ActivationLayer { return &ActivationLayer{"Tanh()", graphTanh} }

// LeakyReLU is x for x > 0 and α·x otherwise (α = 0.01 is common).
func LeakyReLU(alpha float64) *ActivationLayer {
	return &ActivationLayer{fmt.Sprintf("LeakyReLU(%g)", alpha), func(x *Node) *Node { return leakyReLU(x, alpha) }}
}

// Softmax is softmax(x)_i = e^{x_i}/Σ_j e^{x_j} over the last axis. Do not put it at the end of
// a classifier trained with CrossEntropy: that loss takes the logits and applies softmax itself.
func Softmax() *ActivationLayer {
	return &ActivationLayer{"Softmax()", func(x *Node) *Node { return graphSoftmax(x, -1) }}
}

func relu(x *Node) *Node { return graph.Max(x, graph.ZerosLike(x)) }

func leakyReLU(x *Node, alpha float64) *Node {
	return graph.Where(graph.GreaterThan(x, graph.ZerosLike(x)), x, graph.MulScalar(x, alpha))
}

func graphTanh(x *Node) *Node { return graph.Tanh(x) }

func graphSoftmax(x *Node, axis int) *Node { return graph.Softmax(x, axis) }
