package viz

import (
	"math"
	"strings"
	"testing"

	"github.com/godl-course/godl/tensor"
)

func TestHistogram(t *testing.T) {
	c, d := histogram([]float32{0, 0.1, 0.6, 1, float32(math.NaN()), 5}, 2, 0, 1)
	if c[0] != 0.25 || c[1] != 0.75 {
		t.Errorf("centres %v", c)
	}
	// 4 values kept (NaN and 5 skipped), width 0.5: densities 2/(4·0.5)=1 and 1.
	if d[0] != 1 || d[1] != 1 {
		t.Errorf("densities %v, want [1 1]", d)
	}
	if m, s := meanStd([]float32{1, 3}); m != 2 || s != 1 {
		t.Errorf("mean, std = %v, %v; want 2, 1", m, s)
	}
}

func TestHistogramsChart(t *testing.T) {
	a := tensor.New([]float64{-1, 1, -1, 1}, 2, 2) // σ = 1; any shape
	b := tensor.New([]float64{-0.1, 0.1, 0, 0})    // σ ≈ 0.0707
	c, err := HistogramsChart([]string{"layer 1", "layer 2"}, []*tensor.Tensor{a, b})
	if err != nil {
		t.Fatal(err)
	}
	series := seriesOf(t, optionOf(t, c))
	if series[0]["name"] != "layer 1 (σ=1)" || series[1]["name"] != "layer 2 (σ=0.0707)" {
		t.Errorf("names %v, %v", series[0]["name"], series[1]["name"])
	}
	// Each density integrates to 1 over the common range [-1, 1] (50 bins of width 0.04).
	for _, s := range series {
		area := 0.0
		for _, p := range pointsOf(t, s) {
			area += p[1] * 0.04
		}
		if math.Abs(area-1) > 1e-9 {
			t.Errorf("%s: area %v, want 1", s["name"], area)
		}
	}
	b2, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	decodePNG(t, b2, 720, 400)
	if _, err := HistogramsChart([]string{"x"}, nil); err == nil || !strings.Contains(err.Error(), "1 names for 0 sets") {
		t.Errorf("mismatch: %v", err)
	}
}
