package datasets

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/godl-course/godl/tensor"
)

// tiny returns n examples of shape [2] with X = (i, 10+i) and label i%3.
func tiny(n int) *Dataset {
	d := &Dataset{Name: "tiny", Shape: []int{2}, Classes: []string{"a", "b", "c"}}
	for i := range n {
		d.X = append(d.X, float32(i), float32(10+i))
		d.Labels = append(d.Labels, i%3)
	}
	return d
}

func TestFillLastCompletesWithTheEpochsFirstExamples(t *testing.T) {
	d := tiny(10)
	b := d.Batches(4).Shuffle(7).FillLast().Done()
	if b.Len() != 3 {
		t.Fatalf("Len = %d, want 3 batches of 4 for 10 examples", b.Len())
	}
	order := b.Order(2)
	var sizes []int
	var last []int
	for bt := range b.Epoch(2) {
		sizes = append(sizes, bt.Size)
		last = slices.Clone(bt.Index)
		for k, i := range bt.Index {
			if bt.Labels[k] != d.Labels[i] || bt.X[2*k] != d.X[2*i] {
				t.Fatalf("batch example %d is not example %d of the data set", k, i)
			}
		}
	}
	if !slices.Equal(sizes, []int{4, 4, 4}) {
		t.Errorf("batch sizes %v, want every batch of 4", sizes)
	}
	want := append(slices.Clone(order[8:]), order[:2]...)
	if !slices.Equal(last, want) {
		t.Errorf("last batch %v, want the last two of the order then its first two: %v", last, want)
	}
	// Without FillLast, the last batch is smaller.
	sizes = nil
	for bt := range d.Batches(4).Done().Epoch(0) {
		sizes = append(sizes, bt.Size)
	}
	if !slices.Equal(sizes, []int{4, 4, 2}) {
		t.Errorf("without FillLast: sizes %v, want [4 4 2]", sizes)
	}
}

func TestAugmentNormalizedDataAsPictures(t *testing.T) {
	// A 3×3 white square on black, normalized: a shift must bring in black (0 as a pixel), not
	// 0 as a normalized value (the mean grey).
	d := &Dataset{Name: "square", Shape: []int{5, 5, 1}, Labels: []int{0}, Classes: []string{"x"}, X: make([]float32, 25)}
	for i := 1; i < 4; i++ {
		for j := 1; j < 4; j++ {
			d.X[i*5+j] = 1
		}
	}
	raw := d.Take(1)
	if _, err := Normalize(d); err != nil {
		t.Fatal(err)
	}
	a := Augmentation{Shift: 2, Seed: 3}
	p := a.Preview(d, 1)
	if p.Norm == nil {
		t.Fatal("the preview of normalized data should stay normalized")
	}
	pix := p.Pixels(1)
	ref := a.Preview(raw, 1) // the same draws on the raw pictures
	for i := range pix.X {
		if math.Abs(float64(pix.X[i]-ref.X[i])) > 1e-5 {
			t.Fatalf("pixel %d: augmenting normalized data gives %v, augmenting the picture gives %v", i, pix.X[i], ref.X[i])
		}
	}
	if slices.Equal(ref.X, raw.X) {
		t.Fatal("the draw did not move the square: choose another seed")
	}
	if err := d.Batches(1).Augment(Augmentation{Shift: 1}).Err(); err != nil {
		t.Errorf("a shift of images is valid: %v", err)
	}
	if err := tiny(3).Batches(1).Augment(Augmentation{Shift: 1}).Err(); err == nil {
		t.Error("a shift of examples that are not images should be an error")
	}
	if err := d.Batches(1).Augment(Augmentation{Brightness: -1}).Err(); err == nil {
		t.Error("a negative brightness should be an error")
	}
}

func TestConcat(t *testing.T) {
	a, b := tiny(3), tiny(2)
	c, err := a.Concat(b)
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 5 || !slices.Equal(c.Labels, []int{0, 1, 2, 0, 1}) || c.X[6] != 0 || c.X[7] != 10 {
		t.Errorf("Concat: %d examples, labels %v, X %v", c.Len(), c.Labels, c.X)
	}
	c.X[0] = 99
	if a.X[0] == 99 {
		t.Error("Concat shares memory with its input")
	}
	img := &Dataset{Name: "img", Shape: []int{2, 1, 1}, X: []float32{1, 2}, Labels: []int{0}}
	if _, err := a.Concat(img); err == nil {
		t.Error("Concat of different shapes should fail")
	}
	targets := &Dataset{Name: "t", Shape: []int{2}, X: []float32{1, 2}, Targets: []float32{1}, TargetShape: []int{1}}
	if _, err := a.Concat(targets); err == nil {
		t.Error("Concat of labels with targets should fail")
	}
	n := tiny(2)
	if _, err := Normalize(n); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Concat(n); err == nil {
		t.Error("Concat of raw with normalized data should fail")
	}
}

func TestImageAndInputsAreTensors(t *testing.T) {
	d := tiny(3)
	img := d.Image(1)
	if !slices.Equal(img.Shape, []int{2}) || img.At(0) != 1 || img.At(1) != 11 {
		t.Errorf("Image(1) = %v", img)
	}
	img.Data[0] = -5
	if d.X[2] != 1 {
		t.Error("Image must return a copy")
	}
	all := d.Inputs()
	if !slices.Equal(all.Shape, []int{3, 2}) || all.At(2, 1) != 12 {
		t.Errorf("Inputs() = %v", all)
	}
	if d.TargetValues() != nil || d.Target(0) != nil {
		t.Error("a data set without targets has no target tensor")
	}
}

func TestFromTensor(t *testing.T) {
	x := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2)
	d := FromTensor("pts", x)
	if d.Len() != 3 || !slices.Equal(d.Shape, []int{2}) || d.X[5] != 6 || d.Validate() != nil {
		t.Errorf("FromTensor: %v %v", d, d.X)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "(N, example shape...)") {
			t.Errorf("a vector should be refused with a clear message, got %v", r)
		}
	}()
	FromTensor("v", tensor.New([]float64{1, 2}))
}
