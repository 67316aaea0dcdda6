package datasets

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBoxCheck(t *testing.T) {
	ok := Box{X1: 1, Y1: 2, X2: 4, Y2: 8, Class: 2}
	if err := ok.Check(); err != nil {
		t.Fatal(err)
	}
	if ok.Width() != 3 || ok.Height() != 6 || ok.Area() != 18 {
		t.Errorf("width %g, height %g, area %g; want 3, 6, 18", ok.Width(), ok.Height(), ok.Area())
	}
	if cx, cy := ok.Center(); cx != 2.5 || cy != 5 {
		t.Errorf("centre (%g, %g), want (2.5, 5)", cx, cy)
	}
	for _, c := range []struct {
		b    Box
		want string
	}{
		{Box{X1: 4, X2: 1, Y2: 1}, "x2 = 1 is left of x1 = 4"},
		{Box{Y1: 4, X2: 1, Y2: 1}, "y2 = 1 is above y1 = 4"},
		{Box{X2: 0, Y2: 1}, "is empty"},
		{Box{X2: math.Inf(1), Y2: 1}, "not a finite number"},
		{Box{X2: 1, Y2: 1, Class: -2}, "class -2 is negative"},
	} {
		if err := c.b.Check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Check(%v) = %v, want an error with %q", c.b, err, c.want)
		}
	}
}

func TestGridTargetsByHand(t *testing.T) {
	// 12×12 image, 3×3 grid (cells of 4 pixels), 2 classes: 7 values per cell.
	boxes := []Box{
		{X1: 5, Y1: 1, X2: 7, Y2: 4, Class: 1},   // centre (6, 2.5): row 0, column 1, offsets (0.5, 0.625)
		{X1: 0, Y1: 6, X2: 12, Y2: 12, Class: 0}, // centre (6, 9): row 2, column 1, offsets (0.5, 0.25)
		{X1: 5, Y1: 2, X2: 6, Y2: 3, Class: 0},   // centre (5.5, 2.5): same cell as the first, smaller: dropped
	}
	got, err := GridTargets(boxes, 12, 12, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3*3*7 {
		t.Fatalf("%d values, want 63", len(got))
	}
	want := make([]float32, 63)
	copy(want[1*7:], []float32{1, 0.5, 0.625, float32(math.Log(2.0 / 12)), float32(math.Log(3.0 / 12)), 0, 1})
	copy(want[7*7:], []float32{1, 0.5, 0.25, 0, float32(math.Log(0.5)), 1, 0})
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("value %d (cell %d, channel %d) = %v, want %v\ngot  %v\nwant %v", i, i/7, i%7, got[i], want[i], got, want)
		}
	}
	if _, err := GridTargets([]Box{{X1: 0, Y1: 0, X2: 1, Y2: 1, Class: 2}}, 12, 12, 3, 2); err == nil || !strings.Contains(err.Error(), "class 2, but there are 2 classes") {
		t.Errorf("class out of range: %v", err)
	}
	if _, err := GridTargets([]Box{{X1: 3, Y1: 0, X2: 1, Y2: 1}}, 12, 12, 3, 2); err == nil || !strings.Contains(err.Error(), "box 0") {
		t.Errorf("bad box: %v", err)
	}
	if _, err := GridTargets(nil, 12, 12, 0, 2); err == nil {
		t.Error("grid 0 gave no error")
	}
}

func TestDetectionShapes(t *testing.T) {
	d, err := DetectionShapes(200, 3, ShapesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if d.Len() != 200 || !slices.Equal(d.Shape, []int{48, 48, 3}) || !slices.Equal(d.TargetShape, []int{6, 6, 8}) || d.Grid != 6 {
		t.Fatalf("got %v", d)
	}
	perClass := make([]int, 3)
	counts := map[int]int{}
	overlapping := 0
	for i, boxes := range d.Boxes {
		counts[len(boxes)]++
		for k, b := range boxes {
			if err := b.Check(); err != nil {
				t.Fatalf("image %d: %v", i, err)
			}
			if b.X1 < 0 || b.Y1 < 0 || b.X2 > 48 || b.Y2 > 48 || b.Width() < 8 || b.Width() > 20 {
				t.Errorf("image %d: box %v outside the image or of a size outside 8..20", i, b)
			}
			perClass[b.Class]++
			for _, o := range boxes[:k] {
				w, h := min(b.X2, o.X2)-max(b.X1, o.X1), min(b.Y2, o.Y2)-max(b.Y1, o.Y1)
				if w > 0 && h > 0 {
					overlapping++
					if w*h > 0.35*min(b.Area(), o.Area())+1e-9 {
						t.Errorf("image %d: boxes %v and %v overlap by more than 35%% of the smaller", i, b, o)
					}
				}
			}
		}
		// The targets are the boxes' encoding.
		want, err := GridTargets(boxes, 48, 48, 6, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(want, d.Targets[i*288:(i+1)*288]) {
			t.Fatalf("image %d: the targets are not GridTargets of its boxes", i)
		}
		objects := 0
		for c := range 36 {
			objects += int(d.Targets[i*288+c*8])
		}
		if objects != len(boxes) {
			t.Errorf("image %d: %d boxes but %d cells with an object", i, len(boxes), objects)
		}
	}
	for n := 1; n <= 4; n++ {
		if counts[n] < 20 {
			t.Errorf("%d images with %d objects (of 200), want every count from 1 to 4: %v", counts[n], n, counts)
		}
	}
	for c, n := range perClass {
		if n < 100 {
			t.Errorf("%d objects of class %s, want about a third of them: %v", n, ShapeClasses[c], perClass)
		}
	}
	if overlapping < 5 {
		t.Errorf("%d overlapping pairs, want some", overlapping)
	}
	for _, v := range d.X {
		if v < 0 || v > 1 {
			t.Fatalf("pixel value %v outside [0, 1]", v)
		}
	}
	// The same seed gives the same images; another seed other images.
	again, _ := DetectionShapes(200, 3, ShapesOptions{})
	if !slices.Equal(again.X, d.X) {
		t.Error("same seed, different images")
	}
	other, _ := DetectionShapes(200, 4, ShapesOptions{})
	if slices.Equal(other.X, d.X) {
		t.Error("other seed, same images")
	}
	// Take and Split keep the boxes with their images.
	a, b := d.Split(0.75, 1)
	if a.Len() != 150 || b.Len() != 50 || len(a.Boxes) != 150 || len(b.Boxes) != 50 {
		t.Fatalf("split %d/%d images, %d/%d box lists", a.Len(), b.Len(), len(a.Boxes), len(b.Boxes))
	}
	perm := Permutation(200, 1)
	if !slices.Equal(a.Boxes[3], d.Boxes[perm[3]]) || !slices.Equal(a.X[:48*48*3], d.X[perm[0]*6912:(perm[0]+1)*6912]) {
		t.Error("split: boxes or images not those of the permutation")
	}
	if tk := d.Take(5); tk.Len() != 5 || !slices.Equal(tk.Boxes[4], d.Boxes[4]) {
		t.Error("Take lost the boxes")
	}
	if _, err := DetectionShapes(10, 1, ShapesOptions{Grid: 2, MaxObjects: 5}); err == nil || !strings.Contains(err.Error(), "one object per cell") {
		t.Errorf("5 objects on 4 cells: %v", err)
	}
	if _, err := DetectionShapes(10, 1, ShapesOptions{MinSide: 30, MaxSide: 20}); err == nil {
		t.Error("MaxSide < MinSide gave no error")
	}
}

func TestShapeMasks(t *testing.T) {
	// A circle of diameter 4: the 12 pixels whose centre is within 2 of (2, 2).
	n := 0
	for _, in := range shapeMask(0, 4) {
		if in {
			n++
		}
	}
	if n != 12 {
		t.Errorf("circle of diameter 4 has %d pixels, want 12", n)
	}
	// An upright triangle of side 4: rows of 0, 2, 2, 4 pixels? Centres at y = 0.5..3.5 give
	// half-widths 0.25, 0.75, 1.25, 1.75 around x = 2: 0, 2, 2, 4 pixel centres.
	m := shapeMask(2, 4)
	rows := make([]int, 4)
	for y := range 4 {
		for x := range 4 {
			if m[y*4+x] {
				rows[y]++
			}
		}
	}
	if !slices.Equal(rows, []int{0, 2, 2, 4}) {
		t.Errorf("triangle rows %v, want [0 2 2 4]", rows)
	}
	if b := maskBox(m, 4, 10, 20, 2); b != (Box{X1: 10, Y1: 21, X2: 14, Y2: 24, Class: 2}) {
		t.Errorf("tight box %v, want (10, 21)-(14, 24)", b)
	}
}

func TestZoomOut(t *testing.T) {
	// One 4×4 grey image: the left half 1, the right half 0; its box the whole image.
	d := &Dataset{Name: "z", Shape: []int{4, 4, 1}, TargetShape: []int{4}, Targets: []float32{0, 0, 1, 1}}
	for range 4 {
		d.X = append(d.X, 1, 1, 0, 0)
	}
	z, err := ZoomOut(d, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(z.X, d.X) || !slices.Equal(z.Targets, d.Targets) {
		t.Errorf("zoom 1 changed the image: %v %v", z.X, z.Targets)
	}
	z, err = ZoomOut(d, 2, 7)
	if err != nil {
		t.Fatal(err)
	}
	b := z.Targets
	s := float64(b[2] - b[0])
	if s < 0.5-1e-6 || s > 1+1e-6 || math.Abs(float64(b[3]-b[1])-s) > 1e-6 || b[0] < 0 || b[2] > 1 {
		t.Fatalf("box after zoom out %v: want a square of side in [0.5, 1] inside [0, 1]", b)
	}
	// The pixels left of the box repeat the photo's left border (1), those right of it its right border (0).
	for y := range 4 {
		for x := range 4 {
			v, u := z.X[y*4+x], (float64(x)+0.5)/4
			if u < float64(b[0]) && v != 1 || u > float64(b[2]) && v != 0 {
				t.Errorf("pixel (%d, %d) = %v with the box at %v", x, y, v, b)
			}
		}
	}
	if _, err := ZoomOut(d, 0.5, 1); err == nil || !strings.Contains(err.Error(), "maxZoom = 0.5") {
		t.Errorf("zoom 0.5: %v", err)
	}
	if _, err := ZoomOut(&Dataset{Name: "x", Shape: []int{4, 4, 1}, X: make([]float32, 16), Labels: []int{0}}, 2, 1); err == nil || !strings.Contains(err.Error(), "TargetShape [4]") {
		t.Errorf("labels instead of boxes: %v", err)
	}
}

func TestGTSRBBoxesOnSamples(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gtsrb")
	if err := WriteSampleGTSRB(dir, 3, 2, 2, 1); err != nil {
		t.Fatal(err)
	}
	train, test, err := GTSRBBoxes(GTSRBOptions{Dir: dir, Size: 16})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*Dataset{train, test} {
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		if d.Labels != nil || !slices.Equal(d.TargetShape, []int{4}) || len(d.Targets) != 4*d.Len() || !slices.Equal(d.Shape, []int{16, 16, 3}) {
			t.Fatalf("%v: want whole photos 16×16×3 with one box each, no labels", d)
		}
		for i := range d.Len() {
			b := d.Targets[4*i : 4*i+4]
			// The sample photos have a margin of about 10% around the sign.
			if !(b[0] > 0.02 && b[0] < 0.2 && b[2] > 0.8 && b[2] < 0.98 && b[1] > 0.02 && b[3] < 0.98) {
				t.Errorf("%s photo %d: box %v, want about (0.1, 0.1, 0.9, 0.9)", d.Name, i, b)
			}
		}
	}
	if train.Groups == nil || train.Name != "gtsrb-boxes-train" || test.Name != "gtsrb-boxes-test" {
		t.Errorf("groups %v, names %q %q", train.Groups != nil, train.Name, test.Name)
	}
}
