package viz

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestMatrixGridOptionAndPicture(t *testing.T) {
	nan := math.NaN()
	panels := []MatrixPanel{
		{Name: "input x", Values: [][]float64{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}, Marks: []MatrixMark{{Row: 1, Col: 1, Rows: 2, Cols: 2, Color: "#2ca02c"}}},
		{Name: "kernel w", Values: [][]float64{{-1, 0.5}, {0, 1}}},
		{Name: "output y", Values: [][]float64{{12, nan}, {nan, nan}}, Min: 0, Max: 20, Format: "%.1f"},
	}
	c, err := MatrixGridChart(panels, Title("first line\nsecond line"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "first line second line" {
		t.Errorf("chart title %q", c.Title)
	}
	opt := optionOf(t, c)
	series := seriesOf(t, opt)
	if len(series) != 3 {
		t.Fatalf("%d series, want one heatmap per panel (3)", len(series))
	}
	for i, sr := range series {
		if sr["type"] != "heatmap" || int(sr["xAxisIndex"].(float64)) != i || int(sr["yAxisIndex"].(float64)) != i {
			t.Errorf("series %d: %v", i, sr)
		}
		if sr["label"].(map[string]any)["show"] != true {
			t.Errorf("series %d does not write the numbers in the cells", i)
		}
	}
	// Panel 0: 9 cells, the 4 of the mark outlined in its colour, the others not.
	cells := series[0]["data"].([]any)
	if len(cells) != 9 {
		t.Fatalf("panel 0 has %d cells, want 9", len(cells))
	}
	marked := 0
	for _, d := range cells {
		item := d.(map[string]any)
		v := item["value"].([]any)
		r, col, val := int(v[1].(float64)), int(v[0].(float64)), v[2].(float64)
		if val != float64(3*r+col+1) {
			t.Errorf("cell (%d, %d) = %v, want %d", r, col, val, 3*r+col+1)
		}
		if item["label"].(map[string]any)["formatter"] != strconv.Itoa(3*r+col+1) {
			t.Errorf("cell (%d, %d) label %v", r, col, item["label"])
		}
		in := r >= 1 && col >= 1
		if got := item["itemStyle"].(map[string]any)["borderColor"] == "#2ca02c"; got != in {
			t.Errorf("cell (%d, %d): marked %v, want %v", r, col, got, in)
		}
		if in {
			marked++
		}
	}
	if marked != 4 {
		t.Errorf("%d marked cells, want 4", marked)
	}
	// Panel 2: NaN cells are left out; the format is applied; the colour range is the given one.
	out := series[2]["data"].([]any)
	if len(out) != 1 || out[0].(map[string]any)["label"].(map[string]any)["formatter"] != "12.0" {
		t.Errorf("output panel data %v, want the one computed cell written 12.0", out)
	}
	vms := opt["visualMap"].([]any)
	if len(vms) != 3 {
		t.Fatalf("%d visual maps, want one per panel", len(vms))
	}
	vm1, vm2 := vms[1].(map[string]any), vms[2].(map[string]any)
	if vm1["min"] != -1.0 || vm1["max"] != 1.0 || len(vm1["inRange"].(map[string]any)["color"].([]any)) != 3 {
		t.Errorf("kernel panel (values of both signs) should have a diverging scale -1..1 with 3 colours: %v", vm1)
	}
	if vm2["min"] != 0.0 || vm2["max"] != 20.0 || int(vm2["seriesIndex"].(float64)) != 2 {
		t.Errorf("output panel scale %v, want the given 0..20 for series 2", vm2)
	}
	if n := len(opt["title"].([]any)); n != 4 {
		t.Errorf("%d titles, want the chart's and one per panel (4)", n)
	}

	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, b, c.Width, c.Height)
	if n := countNear(img, mustHex("#2ca02c"), 10); n < 100 {
		t.Errorf("%d pixels of the mark colour, want ≥ 100 (the outline of a 2×2 block)", n)
	}
	if n := countNear(img, mustHex(matrixPositive), 6); n < 200 {
		t.Errorf("%d pixels of the full positive colour, want ≥ 200 (cell 9 of the input)", n)
	}
	if n := countNear(img, mustHex(matrixNegative), 6); n < 200 {
		t.Errorf("%d pixels of the full negative colour, want ≥ 200 (cell -1 of the kernel)", n)
	}
}

func TestMatrixColorMatchesTheScale(t *testing.T) {
	if c, _ := matrixColor(0, -2, 2); c != mustHex("#ffffff") {
		t.Errorf("0 on a diverging scale is %v, want white", c)
	}
	if c, dark := matrixColor(5, 0, 5); c != mustHex(matrixPositive) || !dark {
		t.Errorf("the top of a positive scale is %v (dark %v), want %s, dark", c, dark, matrixPositive)
	}
	if c, _ := matrixColor(-9, -4, 4); c != mustHex(matrixNegative) {
		t.Errorf("below the scale is %v, want the end colour %s", c, matrixNegative)
	}
	if s := matrixNumber("%.2f", -0.001); s != "0.00" {
		t.Errorf("negative zero written %q", s)
	}
}

func TestMatrixGridBadInput(t *testing.T) {
	for _, c := range []struct {
		panels []MatrixPanel
		want   string
	}{
		{nil, "no panels"},
		{[]MatrixPanel{{Name: "x"}}, "x (panel 0) has no values"},
		{[]MatrixPanel{{Name: "x", Values: [][]float64{{1, 2}, {3}}}}, "row 1 has 1 values but row 0 has 2"},
		{[]MatrixPanel{{Name: "x", Values: [][]float64{{math.Inf(1)}}}}, "cell (0, 0) is +Inf"},
		{[]MatrixPanel{{Name: "x", Values: [][]float64{{1, 2}}, Marks: []MatrixMark{{Row: 0, Col: 1, Cols: 2}}}}, "mark 0 covers rows 0..0 and columns 1..2, outside the 1×2 matrix"},
		{[]MatrixPanel{{Name: "x", Values: [][]float64{{1}}, Marks: []MatrixMark{{Color: "red"}}}}, `mark 0 has colour "red"`},
		{[]MatrixPanel{{Name: "x", Values: [][]float64{{1}}, Min: 2, Max: 1}}, "Min 2, Max 1"},
	} {
		if _, err := MatrixGridChart(c.panels); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("MatrixGridChart(%v): error %v, want it to contain %q", c.panels, err, c.want)
		}
	}
	if _, err := MatrixGridChart([]MatrixPanel{{Values: [][]float64{make([]float64, 100)}}}, Size(200, 100)); err == nil || !strings.Contains(err.Error(), "larger viz.Size") {
		t.Errorf("tiny size: %v", err)
	}
}
