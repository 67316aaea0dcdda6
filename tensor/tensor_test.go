package tensor

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), want) {
			t.Errorf("panic %v, want one mentioning %q", r, want)
		}
	}()
	f()
}

func TestIndexingRowMajor(t *testing.T) {
	x := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	if x.At(1, 2) != 6 || x.At(0, 1) != 2 || x.Index(1, 0) != 3 {
		t.Errorf("At/Index: %v %v %v", x.At(1, 2), x.At(0, 1), x.Index(1, 0))
	}
	if !slices.Equal(x.Indices(4), []int{1, 1}) {
		t.Errorf("Indices(4) = %v", x.Indices(4))
	}
	x.Set(-1, 0, 0)
	if x.Data[0] != -1 {
		t.Error("Set")
	}
	if v := New([]float64{1, 2, 3}); !slices.Equal(v.Shape, []int{3}) {
		t.Errorf("New without shape: %v, want a vector [3]", v.Shape)
	}
	if s := Scalar(2); s.Rank() != 0 || s.Size() != 1 || s.Len() != 1 {
		t.Errorf("Scalar: rank %d size %d", s.Rank(), s.Size())
	}
	mustPanic(t, "3 values given for shape [2 2]", func() { New([]float64{1, 2, 3}, 2, 2) })
	mustPanic(t, "out of range", func() { x.At(2, 0) })
	mustPanic(t, "one index per axis", func() { x.At(1) })
}

func TestSubRowsReshapeStack(t *testing.T) {
	b := New([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2, 1) // two 2×2 images
	img := b.Sub(1)
	if !slices.Equal(img.Shape, []int{2, 2, 1}) || img.At(0, 1, 0) != 6 {
		t.Errorf("Sub(1) = %v", img)
	}
	img.Set(0, 0, 0, 0)
	if b.Data[4] != 0 {
		t.Error("Sub must share the data")
	}
	rows := b.Rows()
	if len(rows) != 2 || len(rows[1]) != 4 {
		t.Errorf("Rows: %v", rows)
	}
	r := b.Reshape(-1, 4)
	if !slices.Equal(r.Shape, []int{2, 4}) {
		t.Errorf("Reshape(-1, 4) = %v", r.Shape)
	}
	mustPanic(t, "cannot reshape", func() { b.Reshape(3, -1) })
	s := Stack(New([]float64{1, 2}), New([]float64{3, 4}), New([]float64{5, 6}))
	if !slices.Equal(s.Shape, []int{3, 2}) || s.At(2, 1) != 6 {
		t.Errorf("Stack = %v", s)
	}
	mustPanic(t, "tensor 1 has shape [3]", func() { Stack(New([]float64{1, 2}), New([]float64{1, 2, 3})) })
	m := FromRows([][]float64{{1, 2}, {3, 4}})
	if m.At(1, 0) != 3 {
		t.Errorf("FromRows %v", m)
	}
}

func TestStatisticsAndArgMax(t *testing.T) {
	x := New([]float64{1, 5, 2, 9, 0, 3}, 2, 3)
	if x.Sum() != 20 || x.Max() != 9 || x.Min() != 0 {
		t.Errorf("Sum %v Max %v Min %v", x.Sum(), x.Max(), x.Min())
	}
	if !slices.Equal(x.ArgMax(), []int{1, 0}) {
		t.Errorf("ArgMax %v", x.ArgMax())
	}
	if std := New([]float64{1, 3}).Std(); std != 1 {
		t.Errorf("Std of {1, 3} = %v, want 1", std)
	}
	sig := x.Map(func(v float64) float64 { return 1 / (1 + math.Exp(-v)) })
	if math.Abs(sig.At(1, 1)-0.5) > 1e-15 || x.At(1, 1) != 0 {
		t.Error("Map must return a new tensor")
	}
	f := FromFloat32([]float32{0.5, 1.5}, 2, 1)
	if f.At(1, 0) != 1.5 || !slices.Equal(f.Float32(), []float32{0.5, 1.5}) {
		t.Errorf("FromFloat32/Float32 %v", f)
	}
}

func TestDifferences(t *testing.T) {
	a, b := New([]float64{1, 2, 4}), New([]float64{1, 2.5, 4})
	if d := MaxAbsDiff(a, b); d != 0.5 {
		t.Errorf("MaxAbsDiff %v", d)
	}
	if d := RelDiff(a, b); d != 0.5/4 {
		t.Errorf("RelDiff %v, want 0.125", d)
	}
	if !math.IsInf(RelDiff(a, New([]float64{1, 2})), 1) {
		t.Error("RelDiff of different shapes should be +Inf")
	}
	if RelDiff(Zeros(2), Zeros(2)) != 0 {
		t.Error("RelDiff of two zeros should be 0")
	}
}

func TestStringCutsLargeTensors(t *testing.T) {
	small := New([]float64{1, 2, 3, 4}, 2, 2).String()
	if small != "Tensor[2 2]\n  [1 2]\n  [3 4]" {
		t.Errorf("small: %q", small)
	}
	big := Zeros(100, 50).String()
	if !strings.Contains(big, "… 80 more rows") || !strings.Contains(big, "… (38 more)") || strings.Count(big, "\n") > 22 {
		t.Errorf("a large tensor should print 20 rows of 12 values:\n%s", big)
	}
}

// TestRandomWithoutGenerator: nil draws (different) values instead of a nil-pointer panic.
func TestRandomWithoutGenerator(t *testing.T) {
	a, b := RandN(nil, 1, 100), RandN(nil, 1, 100)
	u := Uniform(nil, 2, 3, 100)
	same := true
	for i := range a.Data {
		same = same && a.Data[i] == b.Data[i]
		if u.Data[i] < 2 || u.Data[i] >= 3 {
			t.Fatalf("Uniform(nil, 2, 3) gave %g", u.Data[i])
		}
	}
	if same {
		t.Error("two RandN(nil, ...) gave the same values")
	}
	if x, y := RandN(NewRand(7), 1, 5), RandN(NewRand(7), 1, 5); x.String() != y.String() {
		t.Error("one seed gave two sequences")
	}
}
