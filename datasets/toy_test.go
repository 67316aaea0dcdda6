package datasets

import (
	"math"
	"slices"
	"testing"
)

func TestToySets(t *testing.T) {
	sets := map[string]*Dataset{
		"spiral":  Spiral(50, 3, 0.1, 1),
		"moons":   Moons(100, 0.05, 1),
		"circles": Circles(100, 0.5, 0.05, 1),
		"xor":     XOR(100, 0, 1),
		"blobs":   Blobs(30, 4, 0.3, 1),
	}
	wantLen := map[string]int{"spiral": 150, "moons": 100, "circles": 100, "xor": 100, "blobs": 120}
	for name, d := range sets {
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if d.Len() != wantLen[name] || !slices.Equal(d.Shape, []int{2}) {
			t.Errorf("%s: %d examples of %v", name, d.Len(), d.Shape)
		}
	}
	if !slices.Equal(Spiral(50, 3, 0.1, 1).X, sets["spiral"].X) || slices.Equal(Spiral(50, 3, 0.1, 2).X, sets["spiral"].X) {
		t.Error("spiral must depend on the seed only")
	}
	// Without noise the geometry is exact.
	s := Spiral(10, 2, 0, 1)
	for i := range s.Len() {
		x, y := float64(s.X[2*i]), float64(s.X[2*i+1])
		if r := math.Hypot(x, y); math.Abs(r-float64(i%10)/9) > 1e-6 {
			t.Fatalf("spiral point %d radius %v, want %v", i, r, float64(i%10)/9)
		}
	}
	c := Circles(50, 0.3, 0, 1)
	for i := range c.Len() {
		r := math.Hypot(float64(c.X[2*i]), float64(c.X[2*i+1]))
		want := 1.0
		if c.Labels[i] == 1 {
			want = 0.3
		}
		if math.Abs(r-want) > 1e-6 {
			t.Fatalf("circle point of class %d at radius %v", c.Labels[i], r)
		}
	}
	x := sets["xor"]
	for i := range x.Len() {
		if (x.X[2*i]*x.X[2*i+1] < 0) != (x.Labels[i] == 1) {
			t.Fatal("xor label is not the sign product")
		}
	}
	m := Moons(40, 0, 1)
	for i := range m.Len() {
		px, py := float64(m.X[2*i]), float64(m.X[2*i+1])
		if m.Labels[i] == 1 {
			px, py = 1-px, 0.5-py
		}
		if math.Abs(math.Hypot(px, py)-1) > 1e-6 || py < -1e-9 {
			t.Fatalf("moon point %d off its half circle", i)
		}
	}
	// Blobs: each class mean is near its centre (2cos a, 2sin a).
	bl := Blobs(200, 4, 0.3, 3)
	for k := range 4 {
		var mx, my float64
		for i := range bl.Len() {
			if bl.Labels[i] == k {
				mx += float64(bl.X[2*i]) / 200
				my += float64(bl.X[2*i+1]) / 200
			}
		}
		a := 2 * math.Pi * float64(k) / 4
		if math.Hypot(mx-2*math.Cos(a), my-2*math.Sin(a)) > 0.1 {
			t.Errorf("blob %d mean (%v, %v)", k, mx, my)
		}
	}
}
