package scratch

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Tensor is a multidimensional array of float64: a shape and the values in row-major order
// (the last axis varies fastest). For Shape [2 3], Data holds x[0,0] x[0,1] x[0,2] x[1,0] ...
//
// The zero value is an empty tensor. A tensor with Shape [] (rank 0) is a scalar with one value.
type Tensor struct {
	Shape []int
	Data  []float64
}

// Zeros returns a tensor of the given shape filled with zeros.
func Zeros(shape ...int) *Tensor {
	return &Tensor{Shape: slices.Clone(shape), Data: make([]float64, sizeOf("Zeros", shape))}
}

// New returns a tensor with the given values (row-major) and shape.
// It panics if len(data) is not the product of the shape, naming both.
// The data slice is used as is, not copied.
func New(data []float64, shape ...int) *Tensor {
	if n := sizeOf("New", shape); n != len(data) {
		panic(fmt.Sprintf("scratch.New: %d values given for shape %v, which holds %d values; "+
			"give exactly one value per element", len(data), shape, n))
	}
	return &Tensor{Shape: slices.Clone(shape), Data: data}
}

// RandN returns a tensor of the given shape with values drawn from the normal distribution
// N(0, std²), using rng (pass rand.New(rand.NewPCG(seed, seed)) for repeatable values).
func RandN(rng *rand.Rand, std float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.Data {
		t.Data[i] = rng.NormFloat64() * std
	}
	return t
}

// NewRand returns a random number generator seeded with seed: the same seed gives the same numbers.
func NewRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

func sizeOf(where string, shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("scratch.%s: shape %v has a negative dimension", where, shape))
		}
		n *= d
	}
	return n
}

// Size is the number of values, the product of the shape.
func (t *Tensor) Size() int { return len(t.Data) }

// Rank is the number of axes.
func (t *Tensor) Rank() int { return len(t.Shape) }

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: slices.Clone(t.Shape), Data: slices.Clone(t.Data)}
}

// ZerosLike returns a tensor of zeros with the shape of t.
func (t *Tensor) ZerosLike() *Tensor { return Zeros(t.Shape...) }

// Reshape returns a tensor sharing t's data with a new shape of the same size.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	if n := sizeOf("Reshape", shape); n != len(t.Data) {
		panic(fmt.Sprintf("scratch.Tensor.Reshape: cannot reshape %v (%d values) to %v (%d values)",
			t.Shape, len(t.Data), shape, n))
	}
	return &Tensor{Shape: slices.Clone(shape), Data: t.Data}
}

// Index returns the position in Data of the element at the given indices (one per axis).
func (t *Tensor) Index(idx ...int) int {
	if len(idx) != len(t.Shape) {
		panic(fmt.Sprintf("scratch.Tensor: %d indices %v given for a tensor of shape %v; give one index per axis",
			len(idx), idx, t.Shape))
	}
	pos := 0
	for axis, i := range idx {
		if i < 0 || i >= t.Shape[axis] {
			panic(fmt.Sprintf("scratch.Tensor: index %v out of range for shape %v (axis %d)", idx, t.Shape, axis))
		}
		pos = pos*t.Shape[axis] + i
	}
	return pos
}

// Indices is the inverse of Index: the indices of the element at position pos of Data.
func (t *Tensor) Indices(pos int) []int {
	idx := make([]int, len(t.Shape))
	for axis := len(t.Shape) - 1; axis >= 0; axis-- {
		idx[axis] = pos % t.Shape[axis]
		pos /= t.Shape[axis]
	}
	return idx
}

// At returns the element at the given indices, e.g. x.At(n, i, j, c).
func (t *Tensor) At(idx ...int) float64 { return t.Data[t.Index(idx...)] }

// Set sets the element at the given indices to v.
func (t *Tensor) Set(v float64, idx ...int) { t.Data[t.Index(idx...)] = v }

// SameShape tells whether t and u have the same shape.
func (t *Tensor) SameShape(u *Tensor) bool { return slices.Equal(t.Shape, u.Shape) }

// String prints the shape and the values, rows on separate lines for rank ≥ 2.
func (t *Tensor) String() string {
	if t == nil {
		return "Tensor(nil)"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Tensor%v", t.Shape)
	if len(t.Shape) < 2 {
		fmt.Fprintf(&sb, " %v", fmtValues(t.Data))
		return sb.String()
	}
	cols := t.Shape[len(t.Shape)-1]
	for r := 0; r*cols < len(t.Data); r++ {
		fmt.Fprintf(&sb, "\n  %v", fmtValues(t.Data[r*cols:(r+1)*cols]))
	}
	return sb.String()
}

func fmtValues(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.4g", x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// MaxAbsDiff returns max_i |a_i − b_i|; +Inf when the shapes differ.
func MaxAbsDiff(a, b *Tensor) float64 {
	if !a.SameShape(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a.Data {
		m = max(m, math.Abs(a.Data[i]-b.Data[i]))
	}
	return m
}

// mustShape panics with a message naming the layer when x does not have the expected rank.
func mustRank(layer string, x *Tensor, rank int, layout string) {
	if x == nil {
		panic(fmt.Sprintf("scratch.%s: input is nil; pass a tensor shaped %s", layer, layout))
	}
	if len(x.Shape) != rank {
		panic(fmt.Sprintf("scratch.%s: input has shape %v (rank %d), want rank %d shaped %s",
			layer, x.Shape, len(x.Shape), rank, layout))
	}
	if sizeOf(layer, x.Shape) != len(x.Data) {
		panic(fmt.Sprintf("scratch.%s: input has shape %v but %d values; build tensors with scratch.New or scratch.Zeros",
			layer, x.Shape, len(x.Data)))
	}
}

// mustSameShape panics when the gradient dy does not have the shape of the layer's output y.
func mustGradShape(layer string, dy *Tensor, want []int) {
	if dy == nil {
		panic(fmt.Sprintf("scratch.%s.Backward: output gradient is nil; pass Δy shaped like the forward output %v", layer, want))
	}
	if !slices.Equal(dy.Shape, want) {
		panic(fmt.Sprintf("scratch.%s.Backward: output gradient has shape %v, want the forward output's shape %v",
			layer, dy.Shape, want))
	}
}

func mustForwardFirst(layer string, cached *Tensor) {
	if cached == nil {
		panic(fmt.Sprintf("scratch.%s.Backward called before Forward: call Forward on a batch first "+
			"(Backward uses the values saved by Forward)", layer))
	}
}
