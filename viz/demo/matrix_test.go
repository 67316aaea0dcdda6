package demo

import (
	"math"
	"strings"
	"testing"

	"github.com/godl-course/godl/tensor"
)

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
