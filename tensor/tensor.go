// Package tensor is the course's one array type: a shape and float64 values in row-major order,
// which every package of the course takes and returns (nn's predictions, weights, layer outputs
// and gradients; nn/scratch's hand-written layers; viz's filters, maps and histograms; datasets'
// examples). Students index it, print it and pass it on; conversions to GoMLX stay inside nn.
//
//	x := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3) // 2 rows, 3 columns
//	fmt.Println(x.At(1, 2))                             // 6: row 1, column 2
//	x.Set(0, 0, 0)                                      // x[0,0] = 0
//	fmt.Println(x)                                      // Tensor[2 3] and one line per row
//
// Values are float64 (Go's own number type: math.Exp and friends take them as they are, and
// numerical gradient checks need the precision). Models compute in float32; nn converts.
package tensor

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

// Full returns a tensor of the given shape with every value v.
func Full(v float64, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.Data {
		t.Data[i] = v
	}
	return t
}

// New returns a tensor with the given values (row-major) and shape; with no shape, a vector of
// len(data) values. It panics if len(data) is not the product of the shape, naming both.
// The data slice is used as is, not copied.
func New(data []float64, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	if n := sizeOf("New", shape); n != len(data) {
		panic(fmt.Sprintf("tensor.New: %d values given for shape %v, which holds %d values; "+
			"give exactly one value per element", len(data), shape, n))
	}
	return &Tensor{Shape: slices.Clone(shape), Data: data}
}

// Scalar returns a tensor of rank 0 (shape []) holding v.
func Scalar(v float64) *Tensor { return &Tensor{Shape: []int{}, Data: []float64{v}} }

// FromFloat32 returns a tensor with a float64 copy of the float32 values (a data set's pixels,
// a GoMLX output) and the given shape; with no shape, a vector.
func FromFloat32(data []float32, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	if n := sizeOf("FromFloat32", shape); n != len(data) {
		panic(fmt.Sprintf("tensor.FromFloat32: %d values given for shape %v, which holds %d values",
			len(data), shape, n))
	}
	t := &Tensor{Shape: slices.Clone(shape), Data: make([]float64, len(data))}
	for i, v := range data {
		t.Data[i] = float64(v)
	}
	return t
}

// FromRows returns the matrix (len(rows), len(rows[0])) with the given rows. It panics when the
// rows have different lengths.
func FromRows(rows [][]float64) *Tensor {
	if len(rows) == 0 {
		return Zeros(0, 0)
	}
	cols := len(rows[0])
	t := Zeros(len(rows), cols)
	for i, r := range rows {
		if len(r) != cols {
			panic(fmt.Sprintf("tensor.FromRows: row %d has %d values but row 0 has %d; all rows need the same length",
				i, len(r), cols))
		}
		copy(t.Data[i*cols:], r)
	}
	return t
}

// Stack returns the tensors, all of the same shape S, as one tensor of shape (len(ts), S...):
// a batch of images from single images. It panics when the shapes differ, naming them.
func Stack(ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		return Zeros(0)
	}
	out := Zeros(append([]int{len(ts)}, ts[0].Shape...)...)
	per := len(ts[0].Data)
	for i, t := range ts {
		if !t.SameShape(ts[0]) {
			panic(fmt.Sprintf("tensor.Stack: tensor %d has shape %v but tensor 0 has shape %v; stack tensors of one shape", i, t.Shape, ts[0].Shape))
		}
		copy(out.Data[i*per:], t.Data)
	}
	return out
}

// RandN returns a tensor of the given shape with values drawn from the normal distribution
// N(0, std²), using rng (tensor.NewRand(seed) gives repeatable values; nil draws different
// values each time).
func RandN(rng *rand.Rand, std float64, shape ...int) *Tensor {
	rng = orRandom(rng)
	t := Zeros(shape...)
	for i := range t.Data {
		t.Data[i] = rng.NormFloat64() * std
	}
	return t
}

// Uniform returns a tensor of the given shape with values drawn uniformly in [lo, hi), using rng
// (nil: different values each time).
func Uniform(rng *rand.Rand, lo, hi float64, shape ...int) *Tensor {
	rng = orRandom(rng)
	t := Zeros(shape...)
	for i := range t.Data {
		t.Data[i] = lo + (hi-lo)*rng.Float64()
	}
	return t
}

// NewRand returns a random number generator seeded with seed: the same seed gives the same numbers.
func NewRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// orRandom returns rng, or a generator with a random seed when rng is nil.
func orRandom(rng *rand.Rand) *rand.Rand {
	if rng == nil {
		return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return rng
}

func sizeOf(where string, shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor.%s: shape %v has a negative dimension", where, shape))
		}
		n *= d
	}
	return n
}

// Size is the number of values, the product of the shape.
func (t *Tensor) Size() int { return len(t.Data) }

// Rank is the number of axes.
func (t *Tensor) Rank() int { return len(t.Shape) }

// Len is the size of the first axis (the number of examples of a batch); 1 for a scalar.
func (t *Tensor) Len() int {
	if len(t.Shape) == 0 {
		return 1
	}
	return t.Shape[0]
}

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: slices.Clone(t.Shape), Data: slices.Clone(t.Data)}
}

// ZerosLike returns a tensor of zeros with the shape of t.
func (t *Tensor) ZerosLike() *Tensor { return Zeros(t.Shape...) }

// Reshape returns a tensor sharing t's data with a new shape of the same size. One dimension
// may be -1: it is then computed from the others, e.g. x.Reshape(-1, 784).
func (t *Tensor) Reshape(shape ...int) *Tensor {
	shape = slices.Clone(shape)
	free, known := -1, 1
	for i, d := range shape {
		if d == -1 && free < 0 {
			free = i
			continue
		}
		if d < 0 {
			panic(fmt.Sprintf("tensor.Reshape: shape %v has a negative dimension (only one -1 is allowed)", shape))
		}
		known *= d
	}
	if free >= 0 {
		if known == 0 || len(t.Data)%known != 0 {
			panic(fmt.Sprintf("tensor.Reshape: cannot reshape %v (%d values) to %v", t.Shape, len(t.Data), shape))
		}
		shape[free] = len(t.Data) / known
	}
	if n := sizeOf("Reshape", shape); n != len(t.Data) {
		panic(fmt.Sprintf("tensor.Reshape: cannot reshape %v (%d values) to %v (%d values)",
			t.Shape, len(t.Data), shape, n))
	}
	return &Tensor{Shape: shape, Data: t.Data}
}

// Index returns the position in Data of the element at the given indices (one per axis).
func (t *Tensor) Index(idx ...int) int {
	if len(idx) != len(t.Shape) {
		panic(fmt.Sprintf("tensor: %d indices %v given for a tensor of shape %v; give one index per axis",
			len(idx), idx, t.Shape))
	}
	pos := 0
	for axis, i := range idx {
		if i < 0 || i >= t.Shape[axis] {
			panic(fmt.Sprintf("tensor: index %v out of range for shape %v (axis %d)", idx, t.Shape, axis))
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

// Sub returns t[i], the sub-tensor at index i of the first axis (an example of a batch, a row of
// a matrix), sharing t's data: for a batch of images (N, H, W, C), t.Sub(i) is image i (H, W, C).
func (t *Tensor) Sub(i int) *Tensor {
	if len(t.Shape) == 0 {
		panic("tensor.Sub: a scalar has no first axis")
	}
	if i < 0 || i >= t.Shape[0] {
		panic(fmt.Sprintf("tensor.Sub: index %d out of range for shape %v (first axis has %d entries)", i, t.Shape, t.Shape[0]))
	}
	per := sizeOf("Sub", t.Shape[1:])
	return &Tensor{Shape: slices.Clone(t.Shape[1:]), Data: t.Data[i*per : (i+1)*per]}
}

// Rows returns the rows of a matrix (R, C) as slices sharing t's data; a tensor of higher rank
// is seen as (Shape[0], rest): one row per example.
func (t *Tensor) Rows() [][]float64 {
	if len(t.Shape) == 0 {
		return [][]float64{t.Data}
	}
	n := t.Shape[0]
	rows := make([][]float64, n)
	if n == 0 {
		return rows
	}
	per := len(t.Data) / n
	for i := range rows {
		rows[i] = t.Data[i*per : (i+1)*per : (i+1)*per]
	}
	return rows
}

// Float32 returns the values as a new float32 slice (what GoMLX and data sets store).
func (t *Tensor) Float32() []float32 {
	out := make([]float32, len(t.Data))
	for i, v := range t.Data {
		out[i] = float32(v)
	}
	return out
}

// SameShape tells whether t and u have the same shape.
func (t *Tensor) SameShape(u *Tensor) bool { return slices.Equal(t.Shape, u.Shape) }

// Map returns a new tensor of t's shape with f applied to every value, e.g.
// probs := logits.Map(func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }).
func (t *Tensor) Map(f func(float64) float64) *Tensor {
	out := t.ZerosLike()
	for i, v := range t.Data {
		out.Data[i] = f(v)
	}
	return out
}

// Sum returns the sum of the values.
func (t *Tensor) Sum() float64 {
	s := 0.0
	for _, v := range t.Data {
		s += v
	}
	return s
}

// Mean returns the mean of the values (NaN for an empty tensor).
func (t *Tensor) Mean() float64 { return t.Sum() / float64(len(t.Data)) }

// Std returns the standard deviation of the values, σ = sqrt((1/n) Σ (x − μ)²).
func (t *Tensor) Std() float64 {
	mu := t.Mean()
	s := 0.0
	for _, v := range t.Data {
		s += (v - mu) * (v - mu)
	}
	return math.Sqrt(s / float64(len(t.Data)))
}

// Min returns the smallest value (+Inf for an empty tensor).
func (t *Tensor) Min() float64 {
	m := math.Inf(1)
	for _, v := range t.Data {
		m = math.Min(m, v)
	}
	return m
}

// Max returns the largest value (−Inf for an empty tensor).
func (t *Tensor) Max() float64 {
	m := math.Inf(-1)
	for _, v := range t.Data {
		m = math.Max(m, v)
	}
	return m
}

// ArgMax returns, for each row (each example: see [Tensor.Rows]), the position of its largest
// value: the predicted class of each row of logits.
func (t *Tensor) ArgMax() []int {
	rows := t.Rows()
	out := make([]int, len(rows))
	for i, r := range rows {
		best := 0
		for j, v := range r {
			if v > r[best] {
				best = j
			}
		}
		out[i] = best
	}
	return out
}

// String prints the shape and the values, rows on separate lines for rank ≥ 2; large tensors
// are cut after 20 rows of at most 12 values, with "…" where values were left out.
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
	if cols == 0 {
		return sb.String()
	}
	rows := len(t.Data) / cols
	for r := 0; r < rows; r++ {
		if r == 20 && rows > 21 {
			fmt.Fprintf(&sb, "\n  … %d more rows", rows-20)
			break
		}
		fmt.Fprintf(&sb, "\n  %v", fmtValues(t.Data[r*cols:(r+1)*cols]))
	}
	return sb.String()
}

func fmtValues(v []float64) string {
	const most = 12
	parts := make([]string, 0, min(len(v), most+1))
	for i, x := range v {
		if i == most && len(v) > most+1 {
			parts = append(parts, fmt.Sprintf("… (%d more)", len(v)-most))
			break
		}
		parts = append(parts, fmt.Sprintf("%.4g", x))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// MaxAbsDiff returns max_i |a_i − b_i|; +Inf when the shapes differ.
func MaxAbsDiff(a, b *Tensor) float64 {
	if a == nil || b == nil || !a.SameShape(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a.Data {
		m = math.Max(m, math.Abs(a.Data[i]-b.Data[i]))
	}
	return m
}

// RelDiff returns max_i |a_i − b_i| / max_i |b_i|: the difference relative to the size of the
// reference b (0 when both are zero); +Inf when the shapes differ. Use it to compare a
// hand-written result a with a reference b.
func RelDiff(a, b *Tensor) float64 {
	d := MaxAbsDiff(a, b)
	if math.IsInf(d, 1) || d == 0 {
		return d
	}
	scale := 0.0
	for _, v := range b.Data {
		scale = math.Max(scale, math.Abs(v))
	}
	if scale == 0 {
		return math.Inf(1)
	}
	return d / scale
}
