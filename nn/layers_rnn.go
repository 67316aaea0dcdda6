package nn

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
)

// RNNLayer is a simple (Elman) recurrent layer over sequences (batch, time, features):
//
//	h_t = tanh(x_t·W + h_{t−1}·U + b),   h_0 = 0
//
// It returns the last state h_T (batch, units), or every h_t (batch, time, units) with
// ReturnSequences.
type RNNLayer struct {
	Units           int
	ReturnSequences bool
}

// RNN returns a simple recurrent layer with the given state size.
func RNN(units int) *RNNLayer { return &RNNLayer{Units: units} }

// Sequences makes the layer return the state at every time step.
func (l *RNNLayer) Sequences() *RNNLayer { l.ReturnSequences = true; return l }

func (l *RNNLayer) String() string { return fmt.Sprintf("RNN(%d)", l.Units) }

func checkSequence(name string, x *Node) (batch, steps, feat int) {
	if x.Rank() != 3 {
		failf("%s expects sequences of shape (batch, time, features), got %s", name, shapeString(x.Shape()))
	}
	d := x.Shape().Dimensions
	return d[0], d[1], d[2]
}

func stepAt(x *Node, t int) *Node {
	return graph.Reshape(graph.Slice(x, graph.AxisRange(), graph.AxisElem(t), graph.AxisRange()), x.Shape().Dimensions[0], -1)
}

// Forward implements [Layer].
func (l *RNNLayer) Forward(c *Ctx, x *Node) *Node {
	batch, steps, feat := checkSequence("RNN", x)
	W := c.Weight("W", nil, feat, l.Units)
	U := c.Weight("U", nil, l.Units, l.Units)
	b := c.Weight("bias", Zeros, l.Units)
	h := graph.Zeros(c.Graph(), shapeOf(batch, l.Units))
	var all []*Node
	for t := range steps {
		z := graph.Add(graph.Add(graph.MatMul(stepAt(x, t), W), graph.MatMul(h, U)), graph.ExpandLeftToRank(b, 2))
		h = graph.Tanh(z)
		all = append(all, h)
	}
	if l.ReturnSequences {
		return graph.Stack(all, 1)
	}
	return h
}

// LSTMLayer is a long short-term memory layer over sequences (batch, time, features):
//
//	i_t = σ(x_t W_i + h_{t−1} U_i + b_i)     input gate
//	f_t = σ(x_t W_f + h_{t−1} U_f + b_f)     forget gate (b_f starts at 1)
//	o_t = σ(x_t W_o + h_{t−1} U_o + b_o)     output gate
//	g_t = tanh(x_t W_g + h_{t−1} U_g + b_g)  candidate
//	c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
//	h_t = o_t ⊙ tanh(c_t)
//
// It returns h_T (batch, units), or every h_t with ReturnSequences.
type LSTMLayer struct {
	Units           int
	ReturnSequences bool
}

// LSTM returns an LSTM layer with the given state size.
func LSTM(units int) *LSTMLayer { return &LSTMLayer{Units: units} }

// Sequences makes the layer return the state at every time step.
func (l *LSTMLayer) Sequences() *LSTMLayer { l.ReturnSequences = true; return l }

func (l *LSTMLayer) String() string { return fmt.Sprintf("LSTM(%d)", l.Units) }

// Forward implements [Layer].
func (l *LSTMLayer) Forward(c *Ctx, x *Node) *Node {
	batch, steps, feat := checkSequence("LSTM", x)
	n := l.Units
	// The four gates' weights side by side: columns [i | f | o | g].
	W := c.Weight("W", nil, feat, 4*n)
	U := c.Weight("U", nil, n, 4*n)
	b := c.Weight("bias", lstmBiasInit(n), 4*n)
	g := c.Graph()
	h := graph.Zeros(g, shapeOf(batch, n))
	cell := graph.Zeros(g, shapeOf(batch, n))
	gate := func(z *Node, k int) *Node {
		return graph.Slice(z, graph.AxisRange(), graph.AxisRange(k*n, (k+1)*n))
	}
	var all []*Node
	for t := range steps {
		z := graph.Add(graph.Add(graph.MatMul(stepAt(x, t), W), graph.MatMul(h, U)), graph.ExpandLeftToRank(b, 2))
		i := graph.Logistic(gate(z, 0))
		f := graph.Logistic(gate(z, 1))
		o := graph.Logistic(gate(z, 2))
		cand := graph.Tanh(gate(z, 3))
		cell = graph.Add(graph.Mul(f, cell), graph.Mul(i, cand))
		h = graph.Mul(o, graph.Tanh(cell))
		all = append(all, h)
	}
	if l.ReturnSequences {
		return graph.Stack(all, 1)
	}
	return h
}
