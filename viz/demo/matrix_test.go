package demo

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/godl-course/godl/tensor"
	"github.com/godl-course/godl/viz"
)

// mxTimeline decodes a frames chart's option, checks that it is a timeline whose labels are
// labels, one option per frame, and returns the frames' options.
func mxTimeline(t *testing.T, c *viz.Chart, labels []string) []map[string]any {
	t.Helper()
	b, err := frameOptions(t, c), error(nil)
	if err != nil {
		t.Fatal(err)
	}
	var o map[string]any
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	base, ok := o["baseOption"].(map[string]any)
	if !ok {
		t.Fatalf("option has no baseOption: not a frames (timeline) chart")
	}
	tl, ok := base["timeline"].(map[string]any)
	if !ok {
		t.Fatalf("baseOption has no timeline")
	}
	data, _ := tl["data"].([]any)
	if len(data) != len(labels) {
		t.Fatalf("timeline has %d labels, want %d", len(data), len(labels))
	}
	for i, d := range data {
		if d != labels[i] {
			t.Errorf("timeline label %d = %q, want %q", i, d, labels[i])
		}
	}
	frames, _ := o["options"].([]any)
	if len(frames) != len(labels) {
		t.Fatalf("%d frame options, want %d", len(frames), len(labels))
	}
	out := make([]map[string]any, len(frames))
	for i, f := range frames {
		out[i] = f.(map[string]any)
	}
	return out
}

// mxTitle returns the text of a frame's first title.
func mxTitle(t *testing.T, frame map[string]any) string {
	t.Helper()
	titles, _ := frame["title"].([]any)
	if len(titles) == 0 {
		t.Fatalf("frame without a title")
	}
	s, _ := titles[0].(map[string]any)["text"].(string)
	return s
}

// mxCheckPNG checks that the static picture decodes, has the chart's size and is not blank.
func mxCheckPNG(t *testing.T, c *viz.Chart) {
	t.Helper()
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if s := img.Bounds().Size(); s.X != c.Width || s.Y != c.Height {
		t.Fatalf("PNG is %v, want %dx%d", s, c.Width, c.Height)
	}
	dark := 0
	for y := 0; y < img.Bounds().Dy(); y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r < 0x8000 && g < 0x8000 && b < 0x8000 {
				dark++
			}
		}
	}
	if dark < 500 {
		t.Errorf("the PNG has %d dark pixels: no text or marks drawn", dark)
	}
}

// mxEqual reports whether matrix m equals the single-channel tensor want [1, H, W, 1] exactly.
func mxEqual(m [][]float64, want *tensor.Tensor) bool {
	if len(want.Shape) != 4 || want.Shape[1] != len(m) || want.Shape[2] != len(m[0]) {
		return false
	}
	for i, row := range m {
		for j, v := range row {
			if v != want.At(0, i, j, 0) {
				return false
			}
		}
	}
	return true
}

// mxKnown counts the cells of m that are not NaN.
func mxKnown(m [][]float64) int {
	n := 0
	for _, row := range m {
		for _, v := range row {
			if !math.IsNaN(v) {
				n++
			}
		}
	}
	return n
}

func TestMatrixHelpers(t *testing.T) {
	m, err := mxFrom("F", "x", tensor.New([]float64{1, 2, 3, 4, 5, 6}, 1, 2, 3, 1), "[1, H, W, 1]")
	if err != nil || len(m) != 2 || len(m[0]) != 3 || m[1][0] != 4 {
		t.Errorf("[1, 2, 3, 1] as a matrix: %v, %v", m, err)
	}
	if !mxEqual(m, mxTensor(m)) {
		t.Errorf("mxTensor does not give back the matrix")
	}
	for _, c := range []struct {
		t    *tensor.Tensor
		want string
	}{
		{nil, "demo.F: x is nil"},
		{tensor.Zeros(2, 2, 2), "x has shape [2 2 2]"},
		{tensor.Zeros(2, 3, 3, 1), "x has shape [2 3 3 1]"},
		{tensor.New([]float64{1, math.NaN()}, 1, 2), "x[0,1] is NaN"},
	} {
		if _, err := mxFrom("F", "x", c.t, "[1, H, W, 1]"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("mxFrom(%v): %v, want an error with %q", c.t, err, c.want)
		}
	}
	if mxFactor(-2) != "(-2)" || mxFactor(0.5) != "0.5" || mxNum(-0.0) != "0" || mxNum(1.0/3) != "0.3333" {
		t.Errorf("number formats: %q %q %q %q", mxFactor(-2), mxFactor(0.5), mxNum(-0.0), mxNum(1.0/3))
	}
	p := mxPanel("y", mxNaN(2, 2), [][]float64{{1, 5}, {3, math.NaN()}})
	if p.Min != 1 || p.Max != 5 {
		t.Errorf("panel range %v..%v, want the final matrix's 1..5", p.Min, p.Max)
	}
}
