package viz

import (
	"image/color"
	"strings"
	"testing"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/tensor"
)

func TestToImage(t *testing.T) {
	img, err := ToImage(tensor.New([]float64{0, 0.5, 1, 2}, 2, 2, 1), false)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []uint8{0, 128, 255, 255} { // 2 is clamped to 1
		if got := color.NRGBAModel.Convert(img.At(i%2, i/2)).(color.NRGBA); got.R != want || got.G != want {
			t.Errorf("pixel %d = %v, want grey %d", i, got, want)
		}
	}
	img, err = ToImage(tensor.New([]float64{-1, 0, 0, 3, 3, 3}, 1, 2, 3), true) // min -1 → 0, max 3 → 255
	if err != nil {
		t.Fatal(err)
	}
	if got := color.NRGBAModel.Convert(img.At(0, 0)).(color.NRGBA); got != (color.NRGBA{0, 64, 64, 255}) {
		t.Errorf("RGB pixel %v, want (0,64,64)", got)
	}
	if _, err := ToImage(&tensor.Tensor{Shape: []int{2, 2, 1}, Data: make([]float64, 5)}, false); err == nil || !strings.Contains(err.Error(), "needs 4 values, got 5") {
		t.Errorf("wrong length: %v", err)
	}
	if _, err := ToImage(tensor.Zeros(2, 2, 2), false); err == nil || !strings.Contains(err.Error(), "C = 1 or 3") {
		t.Errorf("two channels: %v", err)
	}
}

func tinyDataset() *datasets.Dataset {
	// Four 4×4 images: all black, all white, left half white, top half white.
	ds := &datasets.Dataset{Name: "tiny", Shape: []int{4, 4, 1}, Labels: []int{0, 1, 2, 3}, Classes: []string{"black", "white", "left", "top"}}
	for k := range 4 {
		for y := range 4 {
			for x := range 4 {
				v := float32(0)
				if k == 1 || (k == 2 && x < 2) || (k == 3 && y < 2) {
					v = 1
				}
				ds.X = append(ds.X, v)
			}
		}
	}
	return ds
}

func TestPredictionsMarksWrong(t *testing.T) {
	ds := tinyDataset()
	c, err := PredictionsChart(ds, []int{0, 1, 2, 2}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "Predicted (true): 1 of 4 wrong" {
		t.Errorf("title %q", c.Title)
	}
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, b, c.Width, c.Height)
	if n := countNear(img, wrongColor, 30); n < 100 {
		t.Errorf("%d red pixels, want a red frame (≥ 100)", n)
	}
	if n := countNear(img, color.NRGBA{0, 0, 0, 255}, 10); n < 2000 {
		t.Errorf("%d black pixels, want the black image (≥ 2000)", n)
	}
	// All right: no red.
	c, _ = PredictionsChart(ds, []int{0, 1, 2, 3}, 4)
	b, _ = c.PNG()
	if n := countNear(decodePNG(t, b, c.Width, c.Height), wrongColor, 30); n != 0 {
		t.Errorf("%d red pixels when every prediction is right", n)
	}
	if c.option != nil {
		t.Error("an image grid is a picture only")
	}
	if _, err := PredictionsChart(ds, []int{0}, 4); err == nil || !strings.Contains(err.Error(), "1 predictions for 4 images") {
		t.Errorf("too few predictions: %v", err)
	}
	if _, err := SamplesChart(&datasets.Dataset{}, 3); err == nil {
		t.Error("empty data set gave no error")
	}
}

func TestFiltersLayout(t *testing.T) {
	// Kernel [2, 2, 1, 2]: filter 0 is a vertical edge (left 1, right 0), filter 1 the opposite.
	// Index ((y*kw+x)*in+c)*out+o.
	k := tensor.Zeros(2, 2, 1, 2)
	for y := range 2 {
		k.Set(1, y, 0, 0, 0)
		k.Set(1, y, 1, 0, 1)
	}
	c, err := FiltersChart(k, Size(200, 120))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, b, 200, 120)
	if n := countNear(img, color.NRGBA{0, 0, 0, 255}, 10); n < 400 {
		t.Errorf("%d black pixels, want the filters' zero halves", n)
	}
	if _, err := FiltersChart(k.Reshape(2, 2, 2), Size(200, 120)); err == nil || !strings.Contains(err.Error(), "[kh, kw, in, out]") {
		t.Errorf("bad shape: %v", err)
	}
	if _, err := ActivationMapsChart(tensor.Zeros(2, 2, 3)); err != nil {
		t.Error(err)
	}
	if _, err := ActivationMapsChart(&tensor.Tensor{Shape: []int{2, 2, 3}, Data: make([]float64, 11)}); err == nil {
		t.Error("wrong activation length gave no error")
	}
	if _, err := ActivationMapsChart(tensor.Zeros(1, 2, 2, 3), Classes("edges", "blur")); err != nil {
		t.Error(err)
	}
	named := newSettings([]Option{Classes("edges", "blur")})
	if got := []string{mapLabel(named, 0), mapLabel(named, 1), mapLabel(named, 2), mapLabel(newSettings(nil), 0)}; strings.Join(got, ",") != "edges,blur,2,0" {
		t.Errorf("activation map captions %q, want the Classes names, then the channel numbers", got)
	}
}
