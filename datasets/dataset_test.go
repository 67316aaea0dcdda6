package datasets

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// seq builds a data set of n examples of shape [2] with X = (i, 10i), label i mod 3, and
// targets (−i).
func seq(n int) *Dataset {
	d := &Dataset{Name: "seq", Shape: []int{2}, Classes: []string{"a", "b", "c"}, TargetShape: []int{1}}
	for i := range n {
		d.X = append(d.X, float32(i), float32(10*i))
		d.Labels = append(d.Labels, i%3)
		d.Targets = append(d.Targets, float32(-i))
	}
	return d
}

func TestTakeSubset(t *testing.T) {
	d := seq(10)
	if d.Len() != 10 || d.Validate() != nil {
		t.Fatalf("Len = %d, Validate = %v", d.Len(), d.Validate())
	}
	tk := d.Take(3)
	if tk.Len() != 3 || !slices.Equal(tk.X, []float32{0, 0, 1, 10, 2, 20}) || !slices.Equal(tk.Labels, []int{0, 1, 2}) {
		t.Fatalf("Take(3) = %v %v", tk.X, tk.Labels)
	}
	if d.Take(100).Len() != 10 || d.Take(-1).Len() != 0 {
		t.Error("Take must clamp n to [0, Len]")
	}
	s := d.Subset([]int{7, 2})
	if !slices.Equal(s.X, []float32{7, 70, 2, 20}) || !slices.Equal(s.Labels, []int{1, 2}) || !slices.Equal(s.Targets, []float32{-7, -2}) {
		t.Fatalf("Subset = %v %v %v", s.X, s.Labels, s.Targets)
	}
	s.X[0] = 99
	if d.X[14] != 7 {
		t.Error("Subset must copy, not share memory")
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("Subset with an index out of range must panic")
		}
	}()
	d.Subset([]int{10})
}

func TestSplit(t *testing.T) {
	d := seq(100)
	a, b := d.Split(0.8, 42)
	if a.Len() != 80 || b.Len() != 20 {
		t.Fatalf("Split sizes %d, %d", a.Len(), b.Len())
	}
	seen := map[float32]bool{}
	for _, part := range []*Dataset{a, b} {
		for i := range part.Len() {
			x := rawImage(part, i)
			if x[1] != 10*x[0] || part.Labels[i] != int(x[0])%3 || part.Targets[i] != -x[0] {
				t.Fatalf("example %v lost its label/target", x)
			}
			seen[x[0]] = true
		}
	}
	if len(seen) != 100 {
		t.Fatalf("Split lost or duplicated examples: %d distinct", len(seen))
	}
	a2, _ := d.Split(0.8, 42)
	a3, _ := d.Split(0.8, 43)
	if !slices.Equal(a.X, a2.X) || slices.Equal(a.X, a3.X) {
		t.Error("Split must depend on the seed only")
	}
	if slices.Equal(a.X[:20], d.X[:20]) {
		t.Error("Split must shuffle")
	}
}

func TestSplitByGroup(t *testing.T) {
	// 4 classes × 10 groups (tracks) × 3 examples.
	d := &Dataset{Name: "tracks", Shape: []int{1}, Classes: []string{"a", "b", "c", "d"}}
	for k := range 4 {
		for g := range 10 {
			for range 3 {
				d.X = append(d.X, float32(k*100+g))
				d.Labels = append(d.Labels, k)
				d.Groups = append(d.Groups, k*100+g)
			}
		}
	}
	a, b := d.SplitByGroup(0.8, 1)
	if a.Len()+b.Len() != d.Len() {
		t.Fatal("examples lost")
	}
	inA := map[int]bool{}
	for _, g := range a.Groups {
		inA[g] = true
	}
	for _, g := range b.Groups {
		if inA[g] {
			t.Fatalf("group %d is on both sides", g)
		}
	}
	// Class balance: each class has 2 of its 10 groups (6 examples) in b.
	counts := make([]int, 4)
	for _, l := range b.Labels {
		counts[l]++
	}
	for k, c := range counts {
		if c != 6 {
			t.Errorf("class %d has %d validation examples, want 6", k, c)
		}
	}
}

func TestNormalize(t *testing.T) {
	// Two 1×2 RGB-less images with 2 channels: channel 0 values 1,3,5,7 (μ=4, σ=√5), channel 1
	// constant 2 (σ=0 → 1).
	train := &Dataset{Name: "train", Shape: []int{1, 2, 2}, X: []float32{1, 2, 3, 2, 5, 2, 7, 2}}
	test := &Dataset{Name: "test", Shape: []int{1, 2, 2}, X: []float32{4, 3}}
	n, err := Normalize(train, test)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(n.Mean[0])-4) > 1e-6 || math.Abs(float64(n.Std[0])-math.Sqrt(5)) > 1e-6 || n.Mean[1] != 2 || n.Std[1] != 1 {
		t.Fatalf("stats %+v", n)
	}
	if got := train.X[0]; math.Abs(float64(got)-(-3/math.Sqrt(5))) > 1e-6 {
		t.Errorf("normalized train x0 = %v", got)
	}
	if test.X[0] != 0 || test.X[1] != 1 {
		t.Errorf("test normalized with the train stats: %v, want [0 1]", test.X)
	}
	if _, err := Normalize(train); err == nil {
		t.Error("normalizing twice must fail")
	}
	path := filepath.Join(t.TempDir(), "norm.json")
	if err := n.Save(path); err != nil {
		t.Fatal(err)
	}
	m, err := LoadNormalization(path)
	if err != nil || !slices.Equal(m.Mean, n.Mean) || !slices.Equal(m.Std, n.Std) {
		t.Fatalf("round trip: %+v, %v", m, err)
	}
	x := []float32{4, 3}
	m.Apply(x)
	m.Invert(x)
	if x[0] != 4 || x[1] != 3 {
		t.Errorf("Invert(Apply(x)) = %v", x)
	}
	bad := &Dataset{Name: "rgb", Shape: []int{1, 1, 3}, X: []float32{1, 2, 3}}
	if err := bad.NormalizeWith(n); err == nil {
		t.Error("channel mismatch must fail")
	}
}

func TestBatches(t *testing.T) {
	d := seq(10)
	b := d.Batches(4).Done()
	if b.Len() != 3 {
		t.Fatalf("Len = %d, want 3", b.Len())
	}
	var sizes []int
	var firsts []float32
	for batch := range b.Epoch(0) {
		sizes = append(sizes, batch.Size)
		firsts = append(firsts, batch.X[0])
		if len(batch.X) != 2*batch.Size || len(batch.Labels) != batch.Size || len(batch.Targets) != batch.Size {
			t.Fatalf("batch sizes inconsistent: %d %d %d", len(batch.X), len(batch.Labels), len(batch.Targets))
		}
	}
	if !slices.Equal(sizes, []int{4, 4, 2}) || !slices.Equal(firsts, []float32{0, 4, 8}) {
		t.Errorf("unshuffled batches: sizes %v, first x %v", sizes, firsts)
	}
	s := d.Batches(3).Shuffle(7).DropLast().Done()
	if s.Len() != 3 {
		t.Fatalf("DropLast Len = %d", s.Len())
	}
	epoch := func(e int) []int {
		var idx []int
		for batch := range s.Epoch(e) {
			for k, i := range batch.Index {
				if batch.X[2*k] != float32(i) || batch.Labels[k] != i%3 {
					t.Fatalf("batch example %d does not match index %d", k, i)
				}
			}
			idx = append(idx, batch.Index...)
		}
		return idx
	}
	e0, e0b, e1 := epoch(0), epoch(0), epoch(1)
	if len(e0) != 9 || !slices.Equal(e0, e0b) || slices.Equal(e0, e1) {
		t.Errorf("shuffled epochs: %v %v %v", e0, e0b, e1)
	}
	if err := d.Batches(0).Err(); err == nil {
		t.Error("batch size 0 must be an error")
	}
}

// rawImage and rawTarget return example i's stored float32 values (no copy), for exact checks.
func rawImage(d *Dataset, i int) []float32 {
	n := d.ExampleSize()
	return d.X[i*n : (i+1)*n]
}

func rawTarget(d *Dataset, i int) []float32 {
	m := d.TargetSize()
	return d.Targets[i*m : (i+1)*m]
}

func TestValidationSplit(t *testing.T) {
	// 1,000 examples: class 0 has 700, class 1 has 200, class 2 has 100.
	d := &Dataset{Name: "toy", Shape: []int{1}}
	for i := range 1000 {
		c := 0
		if i >= 700 {
			c = 1
		}
		if i >= 900 {
			c = 2
		}
		d.X = append(d.X, float32(i))
		d.Labels = append(d.Labels, c)
	}
	train, val := d.ValidationSplit(100)
	if train.Len() != 900 || val.Len() != 100 {
		t.Fatalf("sizes %d, %d; want 900, 100", train.Len(), val.Len())
	}
	count := map[int]int{}
	seen := map[float32]bool{}
	for i := range val.Len() {
		count[val.Labels[i]]++
		seen[val.X[i]] = true
	}
	if count[0] != 70 || count[1] != 20 || count[2] != 10 {
		t.Errorf("validation classes %v, want 70/20/10 (class-balanced)", count)
	}
	for i := range train.Len() {
		if seen[train.X[i]] {
			t.Fatalf("example %v is in both parts", train.X[i])
		}
		seen[train.X[i]] = true
	}
	if len(seen) != 1000 {
		t.Fatalf("%d distinct examples, want 1000", len(seen))
	}
	_, val2 := d.ValidationSplit(100)
	if !slices.Equal(val.X, val2.X) {
		t.Error("ValidationSplit must give the same split on every run")
	}
	if val.Name != "toy (validation part)" || train.Name != "toy (training part)" {
		t.Errorf("names %q, %q", train.Name, val.Name)
	}
	// Rounding: 3 classes of 1/3 each and n = 10 still hold out exactly 10.
	e := &Dataset{Name: "thirds", Shape: []int{1}}
	for i := range 30 {
		e.X, e.Labels = append(e.X, float32(i)), append(e.Labels, i%3)
	}
	if _, v := e.ValidationSplit(10); v.Len() != 10 {
		t.Errorf("held out %d, want 10", v.Len())
	}
	for _, n := range []int{0, -1, 1000} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), `ValidationSplit of "toy": cannot hold out`) {
					t.Errorf("n=%d: panic %v", n, r)
				}
			}()
			d.ValidationSplit(n)
		}()
	}
}
