package datasets

import (
	"math"
	"slices"
	"testing"
)

// img3x3 returns one 3×3×1 image with values 1..9 (row-major).
func img3x3() *Dataset {
	return &Dataset{Name: "img", Shape: []int{3, 3, 1}, X: []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, Labels: []int{0}}
}

func TestWarp(t *testing.T) {
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	flip := slices.Clone(x)
	geometry{flip: true}.warp(flip, 3, 3, 1, nil, false)
	if !slices.Equal(flip, []float32{3, 2, 1, 6, 5, 4, 9, 8, 7}) {
		t.Errorf("flip = %v", flip)
	}
	sh := slices.Clone(x)
	geometry{dx: 1, dy: -1}.warp(sh, 3, 3, 1, nil, false)
	// x'(i,j) = x(i+1, j−1): row 0 = 0,4,5; row 1 = 0,7,8; row 2 = 0,0,0.
	if !slices.Equal(sh, []float32{0, 4, 5, 0, 7, 8, 0, 0, 0}) {
		t.Errorf("shift = %v", sh)
	}
	// A 90° rotation maps the grid onto itself: bilinear sampling gives exact pixels.
	r := slices.Clone(x)
	geometry{cos: math.Cos(math.Pi / 2), sin: math.Sin(math.Pi / 2), rotate: true}.warp(r, 3, 3, 1, nil, false)
	// out(i,j) = x(cy + (i−cy)cos − (j−cx)sin, cx + (i−cy)sin + (j−cx)cos) = x(2−j, i).
	want := []float32{7, 4, 1, 8, 5, 2, 9, 6, 3}
	for i := range r {
		if math.Abs(float64(r[i]-want[i])) > 1e-5 {
			t.Fatalf("rotate 90° = %v, want %v", r, want)
		}
	}
}

func TestAugmentPhotometric(t *testing.T) {
	d := img3x3()
	for i := range d.X {
		d.X[i] /= 10 // 0.1 .. 0.9, mean 0.5
	}
	a := &Augmentation{Brightness: 0.1, Seed: 3}
	p := a.Preview(d, 1)
	delta := p.X[0] - d.X[0]
	if delta == 0 || math.Abs(float64(delta)) > 0.1 {
		t.Fatalf("brightness delta %v not in (0, 0.1]", delta)
	}
	for i := range p.X {
		if math.Abs(float64(p.X[i]-d.X[i]-delta)) > 1e-6 {
			t.Fatalf("brightness must add the same β to every pixel")
		}
	}
	c := (&Augmentation{Contrast: 0.5, Seed: 3}).Preview(d, 1)
	// (x − 0.5)·α + 0.5: the mean stays 0.5 and the values stay ordered.
	var mean float64
	for _, v := range c.X {
		mean += float64(v) / 9
	}
	alpha := (c.X[8] - c.X[0]) / (d.X[8] - d.X[0])
	if math.Abs(mean-0.5) > 1e-5 || alpha < 0.5 || alpha > 1.5 || alpha == 1 {
		t.Errorf("contrast: mean %v, α %v", mean, alpha)
	}
	big := (&Augmentation{Brightness: 5, Seed: 1}).Preview(d, 1)
	for _, v := range big.X {
		if v < 0 || v > 1 {
			t.Fatalf("values must be clipped to [0,1]: %v", big.X)
		}
	}
}

func TestAugmentBatchesAligned(t *testing.T) {
	// Segmentation: the target (mask) equals the image; after flip/shift/rotation it must still.
	d := &Dataset{Name: "seg", Shape: []int{8, 8, 1}, TargetShape: []int{8, 8, 1}}
	for k := range 6 {
		for i := range 64 {
			v := float32((i*7+k)%11) / 10
			d.X = append(d.X, v)
			d.Targets = append(d.Targets, v)
		}
	}
	a := Augmentation{FlipH: true, Shift: 2, Rotate: 15, Seed: 5}
	b := d.Batches(4).Augment(a).Done()
	changed := false
	for batch := range b.Epoch(0) {
		if !slices.Equal(batch.X, batch.Targets) {
			t.Fatal("image and target are no longer aligned")
		}
		if !slices.Equal(batch.X, d.X[:len(batch.X)]) {
			changed = true
		}
	}
	if !changed {
		t.Error("augmentation changed nothing")
	}
	if !slices.Equal(d.X, d.Targets) || d.X[1] != 0.7 {
		t.Error("augmentation must not change the data set")
	}
	// Same seed, same epoch → same batches; another epoch → other draws.
	get := func(e int) []float32 {
		var out []float32
		for batch := range b.Epoch(e) {
			out = append(out, batch.X...)
		}
		return out
	}
	if !slices.Equal(get(1), get(1)) || slices.Equal(get(1), get(2)) {
		t.Error("augmentation must be reproducible per (seed, epoch)")
	}
}

func TestAugmentKeepsClassIDs(t *testing.T) {
	// A 10×10 mask of class ids 1 (left half) and 3 (right half): rotated bilinearly, the border
	// would get 2 (a class that is not there); with the nearest pixel it keeps 0 (outside), 1, 3.
	d := &Dataset{Name: "seg", Shape: []int{10, 10, 1}, TargetShape: []int{10, 10, 1}}
	for i := range 100 {
		d.X = append(d.X, float32(i)/100)
		c := float32(1)
		if i%10 >= 5 {
			c = 3
		}
		d.Targets = append(d.Targets, c)
	}
	p := (&Augmentation{Rotate: 30, Seed: 2}).Preview(d, 1)
	count := map[float32]int{}
	for _, v := range p.Targets {
		count[v]++
	}
	if len(count) != 3 || count[0] == 0 || count[1] == 0 || count[3] == 0 {
		t.Errorf("rotated mask values %v, want only 0 (outside), 1 and 3", count)
	}
	bilinearSeen := false
	for _, v := range p.X {
		if v*100 != float32(math.Round(float64(v*100))) {
			bilinearSeen = true
		}
	}
	if !bilinearSeen {
		t.Error("the image itself must still be interpolated bilinearly")
	}
	// The 90° rotation of the warp test, nearest: exact pixels too.
	r := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	geometry{cos: math.Cos(math.Pi / 2), sin: math.Sin(math.Pi / 2), rotate: true}.warp(r, 3, 3, 1, nil, true)
	if !slices.Equal(r, []float32{7, 4, 1, 8, 5, 2, 9, 6, 3}) {
		t.Errorf("nearest rotate 90° = %v", r)
	}
}

// Transform applies one augmentation with chosen amounts: checked by hand on a 2×3 image.
func TestTransformByHand(t *testing.T) {
	img := func() []float32 { return []float32{0.1, 0.2, 0.3, 0.4, 0.5, 0.6} } // H=2, W=3, C=1
	for _, tc := range []struct {
		t    Transform
		want []float32
	}{
		{Transform{}, []float32{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}},
		{Transform{DX: 1}, []float32{0, 0.1, 0.2, 0, 0.4, 0.5}},
		{Transform{DY: -1}, []float32{0.4, 0.5, 0.6, 0, 0, 0}},
		{Transform{FlipH: true}, []float32{0.3, 0.2, 0.1, 0.6, 0.5, 0.4}},
		{Transform{Rotate: 180}, []float32{0.6, 0.5, 0.4, 0.3, 0.2, 0.1}},
		{Transform{Brightness: 0.5}, []float32{0.6, 0.7, 0.8, 0.9, 1, 1}},    // clipped to 1
		{Transform{Contrast: 1}, []float32{0, 0.05, 0.25, 0.45, 0.65, 0.85}}, // (x − 0.35)·2 + 0.35, clipped
	} {
		x := img()
		tc.t.Apply(x, 2, 3, 1)
		for i := range x {
			if math.Abs(float64(x[i]-tc.want[i])) > 1e-6 {
				t.Errorf("%+v: got %v, want %v", tc.t, x, tc.want)
				break
			}
		}
	}
}
