package viz

import (
	"math"
	"strings"
	"testing"
)

func TestConfusionCountsAndNormalized(t *testing.T) {
	labels := []int{0, 0, 0, 1, 1, 2, 2, 2, 2}
	preds := []int{0, 0, 1, 1, 1, 2, 2, 0, 1}
	c, err := ConfusionChart(preds, labels, Classes("cat", "dog", "bird"), Normalized())
	if err != nil {
		t.Fatal(err)
	}
	opt := optionOf(t, c)
	if names := opt["xAxis"].([]any)[0].(map[string]any)["data"].([]any); len(names) != 3 || names[2] != "bird" {
		t.Errorf("x axis names %v", names)
	}
	// Cell (pred 0, true 2) holds 1/4 of row "bird"; (pred 0, true 0) holds 2/3 of row "cat".
	cells := map[[2]int]float64{}
	for _, d := range seriesOf(t, opt)[0]["data"].([]any) {
		v := d.(map[string]any)["value"].([]any)
		cells[[2]int{int(v[0].(float64)), int(v[1].(float64))}] = v[2].(float64)
	}
	if len(cells) != 9 || cells[[2]int{0, 2}] != 0.25 || math.Abs(cells[[2]int{0, 0}]-0.6667) > 1e-9 {
		t.Errorf("normalized cells %v", cells)
	}

	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, b, c.Width, c.Height)
	// The largest value (row "dog": 2/2 = 1) is drawn in the full colour.
	if n := countNear(img, mustHex(palette[0]), 6); n < 500 {
		t.Errorf("%d pixels of the full heat colour, want ≥ 500 (one cell)", n)
	}
}

func TestConfusionBadInput(t *testing.T) {
	if _, err := ConfusionChart([]int{0, 1}, []int{0}); err == nil || !strings.Contains(err.Error(), "2 predictions but 1 labels") {
		t.Errorf("length mismatch: %v", err)
	}
	if _, err := ConfusionChart([]int{0, 0}, []int{0, -1}); err == nil || !strings.Contains(err.Error(), "example 1 has prediction 0 and label -1") {
		t.Errorf("negative label: %v", err)
	}
	// The order matters: predictions first. Example 1 is true class 3 predicted as 0, which
	// is row 3, column 0 (not the transposed cell).
	c, err := ConfusionChart([]int{0, 0}, []int{0, 3})
	if err != nil {
		t.Fatal(err)
	}
	cells := map[[2]int]float64{}
	for _, d := range seriesOf(t, optionOf(t, c))[0]["data"].([]any) {
		v := d.(map[string]any)["value"].([]any)
		cells[[2]int{int(v[0].(float64)), int(v[1].(float64))}] = v[2].(float64)
	}
	if cells[[2]int{0, 3}] != 1 || cells[[2]int{3, 0}] != 0 {
		t.Errorf("cell (predicted 0, true 3) = %v, (predicted 3, true 0) = %v; want 1 and 0", cells[[2]int{0, 3}], cells[[2]int{3, 0}])
	}
	if _, err := ConfusionChart([]int{0, 0}, []int{0, 3}, Classes("a", "b")); err == nil || !strings.Contains(err.Error(), "2 class names for 4 classes") {
		t.Errorf("too few names: %v", err)
	}
}
