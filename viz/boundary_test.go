package viz

import (
	"image/color"
	"strings"
	"testing"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/tensor"
)

func TestDecisionBoundary(t *testing.T) {
	// Class 0 on the left (x < 0), class 1 on the right; the classifier splits at x = 0.
	ds := &datasets.Dataset{Name: "halves", Shape: []int{2}, X: []float32{-1, -1, -1, 1, 1, -1, 1, 1}, Labels: []int{0, 0, 1, 1}, Classes: []string{"left", "right"}}
	predict := func(p *tensor.Tensor) []int {
		out := make([]int, p.Len())
		for i := range out {
			if p.At(i, 0) > 0 {
				out[i] = 1
			}
		}
		return out
	}
	c, err := DecisionBoundaryChart(ds, predict)
	if err != nil {
		t.Fatal(err)
	}
	series := seriesOf(t, optionOf(t, c))
	if len(series) != 4 || series[0]["name"] != "left region" || series[3]["name"] != "right" {
		t.Fatalf("series %d", len(series))
	}
	left := series[0]["data"].([]any)
	if len(left) != boundaryGrid*boundaryGrid/2 {
		t.Errorf("%d cells predicted left, want half of %d", len(left), boundaryGrid*boundaryGrid)
	}
	for _, d := range left {
		if x := d.(map[string]any)["value"].([]any)[0].(float64); x > 0 {
			t.Fatalf("cell at x=%v predicted left", x)
		}
	}
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, b, c.Width, c.Height)
	for k := range 2 {
		col := mustHex(paletteColor(k))
		light := color.NRGBA{lighten(col.R), lighten(col.G), lighten(col.B), 255}
		if n := countNear(img, light, 4); n < 30000 {
			t.Errorf("class %d region: %d pixels of its light colour, want ≥ 30000", k, n)
		}
	}
	bad := func(p *tensor.Tensor) []int { return []int{0} }
	if _, err := DecisionBoundaryChart(ds, bad); err == nil || !strings.Contains(err.Error(), "returned 1 classes") {
		t.Errorf("bad predict: %v", err)
	}
	if _, err := DecisionBoundaryChart(&datasets.Dataset{Shape: []int{3}, X: make([]float32, 3), Labels: []int{0}}, predict); err == nil {
		t.Error("3-D data gave no error")
	}
}
