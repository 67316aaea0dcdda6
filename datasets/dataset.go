package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/godl-course/godl/tensor"
)

// Dataset is a set of examples held in memory, ready for nn.Fit.
//
// Example i is X[i*n:(i+1)*n] with n = prod(Shape); its label is Labels[i] (classification) or its
// target is Targets[i*m:(i+1)*m] with m = prod(TargetShape) (regression, masks, clean images).
type Dataset struct {
	Name        string
	X           []float32 // all examples, row-major, example after example: len = Len()*prod(Shape)
	Shape       []int     // shape of ONE example, images are H×W×C (channels last), e.g. [28 28 1]
	Labels      []int     // class id per example (classification); nil when Targets is used
	Classes     []string  // class names: of Labels (classification) or of the class ids of a mask in Targets (segmentation)
	Targets     []float32 // dense targets (regression, masks, clean images): Len()*prod(TargetShape); nil for classification
	TargetShape []int

	// Groups, when not nil, holds a group id per example (e.g. the GTSRB physical track, the
	// CHAOS patient): [Dataset.SplitByGroup] keeps each group on one side of the split.
	Groups []int

	// Norm holds the normalization applied to X (nil when X holds raw values); see [Normalize].
	Norm *Normalization

	origin *decodedOrigin // the decoded-cache file X was loaded from (decoded.go), or nil
}

// prod returns the product of the dimensions (1 for a scalar shape).
func prod(shape []int) int {
	p := 1
	for _, d := range shape {
		p *= d
	}
	return p
}

// ExampleSize is the number of float32 values of one example: prod(Shape).
func (d *Dataset) ExampleSize() int { return prod(d.Shape) }

// TargetSize is the number of float32 values of one target: prod(TargetShape), 0 without targets.
func (d *Dataset) TargetSize() int {
	if d.Targets == nil {
		return 0
	}
	return prod(d.TargetShape)
}

// NumClasses is len(Classes), or 1 + the largest label when Classes is empty.
func (d *Dataset) NumClasses() int {
	if len(d.Classes) > 0 {
		return len(d.Classes)
	}
	m := 0
	for _, l := range d.Labels {
		m = max(m, l+1)
	}
	return m
}

// Len is the number of examples.
func (d *Dataset) Len() int {
	if d == nil {
		return 0
	}
	n := d.ExampleSize()
	if n == 0 {
		if d.Labels != nil {
			return len(d.Labels)
		}
		return 0
	}
	return len(d.X) / n
}

// Validate checks that the slices agree with the shapes and that labels are valid class ids.
func (d *Dataset) Validate() error {
	name := d.Name
	if name == "" {
		name = "dataset"
	}
	n := d.ExampleSize()
	if n <= 0 {
		return fmt.Errorf("datasets: %s: Shape %v has no elements", name, d.Shape)
	}
	if len(d.X)%n != 0 {
		return fmt.Errorf("datasets: %s: len(X)=%d is not a multiple of prod(Shape %v)=%d", name, len(d.X), d.Shape, n)
	}
	count := len(d.X) / n
	if d.Labels != nil {
		if len(d.Labels) != count {
			return fmt.Errorf("datasets: %s: %d labels for %d examples", name, len(d.Labels), count)
		}
		if nc := len(d.Classes); nc > 0 {
			for i, l := range d.Labels {
				if l < 0 || l >= nc {
					return fmt.Errorf("datasets: %s: label %d of example %d is not a class id in [0,%d)", name, l, i, nc)
				}
			}
		}
	}
	if d.Targets != nil {
		if m := prod(d.TargetShape); len(d.Targets) != count*m {
			return fmt.Errorf("datasets: %s: len(Targets)=%d, want %d examples × prod(TargetShape %v)=%d", name, len(d.Targets), count, d.TargetShape, count*m)
		}
	}
	if d.Groups != nil && len(d.Groups) != count {
		return fmt.Errorf("datasets: %s: %d groups for %d examples", name, len(d.Groups), count)
	}
	return nil
}

// Take returns the first n examples (all of them when n >= Len()): for smoke runs.
// The result shares no memory with d.
func (d *Dataset) Take(n int) *Dataset {
	n = min(max(n, 0), d.Len())
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return d.Subset(idx)
}

// Subset returns the examples idx[0], idx[1], ... in that order (copied).
// It panics with a clear message when an index is out of range.
func (d *Dataset) Subset(idx []int) *Dataset {
	n, m, count := d.ExampleSize(), d.TargetSize(), d.Len()
	out := &Dataset{
		Name:        d.Name,
		Shape:       append([]int(nil), d.Shape...),
		Classes:     append([]string(nil), d.Classes...),
		TargetShape: append([]int(nil), d.TargetShape...),
		X:           make([]float32, 0, len(idx)*n),
		Norm:        d.Norm.clone(),
	}
	if d.Classes == nil {
		out.Classes = nil
	}
	if d.TargetShape == nil {
		out.TargetShape = nil
	}
	if d.Labels != nil {
		out.Labels = make([]int, 0, len(idx))
	}
	if d.Targets != nil {
		out.Targets = make([]float32, 0, len(idx)*m)
	}
	if d.Groups != nil {
		out.Groups = make([]int, 0, len(idx))
	}
	for _, i := range idx {
		if i < 0 || i >= count {
			panic(fmt.Sprintf("datasets: Subset of %q: index %d out of range [0,%d)", d.Name, i, count))
		}
		out.X = append(out.X, d.X[i*n:(i+1)*n]...)
		if d.Labels != nil {
			out.Labels = append(out.Labels, d.Labels[i])
		}
		if d.Targets != nil {
			out.Targets = append(out.Targets, d.Targets[i*m:(i+1)*m]...)
		}
		if d.Groups != nil {
			out.Groups = append(out.Groups, d.Groups[i])
		}
	}
	return out
}

// Split shuffles the examples with the given seed and returns the first round(frac·Len())
// of them in a and the rest in b, e.g. train, val := full.Split(0.9, 1).
// It panics when frac is not in [0, 1].
func (d *Dataset) Split(frac float64, seed int64) (a, b *Dataset) {
	if !(frac >= 0 && frac <= 1) {
		panic(fmt.Sprintf("datasets: Split of %q: fraction %v is not in [0,1]", d.Name, frac))
	}
	perm := Permutation(d.Len(), seed)
	k := int(math.Round(frac * float64(len(perm))))
	return d.Subset(perm[:k]), d.Subset(perm[k:])
}

// Shuffle returns the examples in a random order given by seed (copied).
func (d *Dataset) Shuffle(seed int64) *Dataset {
	return d.Subset(Permutation(d.Len(), seed))
}

// Permutation returns a random permutation of 0..n-1, the same for the same seed on every
// machine (PCG generator).
func Permutation(n int, seed int64) []int {
	return newRand(seed).Perm(n)
}

// newRand returns the generator used everywhere in the package: the same sequence on every
// machine and Go version for a given seed.
func newRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
}

// Image returns a copy of example i as a tensor of shape Shape (an image H×W×C), e.g.
// train.Image(0).At(14, 14, 0) is the centre pixel of the first digit.
func (d *Dataset) Image(i int) *tensor.Tensor {
	n := d.ExampleSize()
	return tensor.FromFloat32(d.X[i*n:(i+1)*n], d.Shape...)
}

// Target returns a copy of the target of example i as a tensor of shape TargetShape (a mask, a
// clean image); nil when the data set has no Targets.
func (d *Dataset) Target(i int) *tensor.Tensor {
	if d.Targets == nil {
		return nil
	}
	m := d.TargetSize()
	return tensor.FromFloat32(d.Targets[i*m:(i+1)*m], d.TargetShape...)
}

// Inputs returns a copy of all examples as one tensor of shape (Len(), Shape...), as float64
// (8 bytes per value: take a subset first for large sets, e.g. train.Take(500).Inputs()).
func (d *Dataset) Inputs() *tensor.Tensor {
	return tensor.FromFloat32(d.X, append([]int{d.Len()}, d.Shape...)...)
}

// TargetValues returns a copy of all targets as one tensor of shape (Len(), TargetShape...);
// nil when the data set has no Targets.
func (d *Dataset) TargetValues() *tensor.Tensor {
	if d.Targets == nil {
		return nil
	}
	return tensor.FromFloat32(d.Targets, append([]int{d.Len()}, d.TargetShape...)...)
}

// Pixels returns a copy of the first n examples with the normalization undone (Norm cleared):
// the pictures as they were before Normalize, for display. Without Norm it is Take(n).
func (d *Dataset) Pixels(n int) *Dataset {
	c := d.Take(n)
	if c.Norm != nil {
		c.Norm.Invert(c.X)
		c.Norm = nil
	}
	return c
}

// Concat returns a new data set with the examples of d followed by those of the others, which
// must have the same example shape and the same kind of labels or targets (and the same
// normalization). Class names, the name and the normalization are d's.
func (d *Dataset) Concat(others ...*Dataset) (*Dataset, error) {
	out := d.Take(d.Len())
	for _, o := range others {
		switch {
		case o == nil:
			return nil, fmt.Errorf("datasets: Concat: a data set is nil")
		case !slices.Equal(o.Shape, d.Shape):
			return nil, fmt.Errorf("datasets: Concat: %s has examples of shape %v but %s of shape %v", o.Name, o.Shape, d.Name, d.Shape)
		case (o.Labels == nil) != (d.Labels == nil) || (o.Targets == nil) != (d.Targets == nil):
			return nil, fmt.Errorf("datasets: Concat: %s and %s do not both have labels (or both targets)", d.Name, o.Name)
		case d.Targets != nil && !slices.Equal(o.TargetShape, d.TargetShape):
			return nil, fmt.Errorf("datasets: Concat: %s has targets of shape %v but %s of shape %v", o.Name, o.TargetShape, d.Name, d.TargetShape)
		case (o.Norm == nil) != (d.Norm == nil) || (o.Norm != nil && fmt.Sprint(*o.Norm) != fmt.Sprint(*d.Norm)):
			return nil, fmt.Errorf("datasets: Concat: %s and %s are not normalized alike; normalize both with the same statistics (datasets.Normalize(train, others...))", d.Name, o.Name)
		case (o.Groups == nil) != (d.Groups == nil):
			return nil, fmt.Errorf("datasets: Concat: %s and %s do not both have Groups", d.Name, o.Name)
		}
		if err := o.Validate(); err != nil {
			return nil, err
		}
		out.X = append(out.X, o.X...)
		out.Labels = appendNotNil(out.Labels, o.Labels)
		out.Targets = appendNotNil(out.Targets, o.Targets)
		out.Groups = appendNotNil(out.Groups, o.Groups)
	}
	return out, nil
}

func appendNotNil[T any](a, b []T) []T {
	if a == nil && b == nil {
		return nil
	}
	return append(a, b...)
}

// String is a one-line summary, e.g. `mnist-train: 60000 examples of [28 28 1], 10 classes`.
func (d *Dataset) String() string {
	s := fmt.Sprintf("%s: %d examples of %v", d.Name, d.Len(), d.Shape)
	if d.Labels != nil {
		s += fmt.Sprintf(", %d classes", d.NumClasses())
	}
	if d.Targets != nil {
		s += fmt.Sprintf(", targets %v", d.TargetShape)
	}
	if d.Norm != nil {
		s += ", normalized"
	}
	return s
}

// FromTensor returns a data set of the examples of x, a tensor (N, example shape...): example i
// is x.Sub(i). It has no labels or targets: set Labels (and Classes) or Targets for training;
// for Predict, Classify and Activations it is ready as it is:
//
//	out := nb.Must(G.Predict(datasets.FromTensor("noise", z)))
func FromTensor(name string, x *tensor.Tensor) *Dataset {
	if x == nil || x.Rank() < 2 {
		shape := "nil"
		if x != nil {
			shape = fmt.Sprint(x.Shape)
		}
		panic(fmt.Sprintf("datasets.FromTensor(%q): want a tensor of examples (N, example shape...), got shape %s", name, shape))
	}
	return &Dataset{Name: name, Shape: slices.Clone(x.Shape[1:]), X: x.Float32()}
}
