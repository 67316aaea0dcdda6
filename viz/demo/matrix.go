package demo

import (
	"fmt"
	"math"
	"strings"

	"github.com/godl-course/godl/tensor"
	"github.com/godl-course/godl/viz"
)

// Helpers of the small-matrix demos (convolution, max pooling): single-channel 2-D matrices
// taken from tensors, the numbers written in the labels, the colour range kept fixed across frames.

// mxFrom returns the rows of a single-channel matrix given as [H, W] or in scratch's layout:
// [1, H, W, 1] (one image, one channel) when batchShape starts with "[1,", else [KH, KW, 1, 1]
// (one kernel). fn and arg name the function and the argument in errors.
func mxFrom(fn, arg string, t *tensor.Tensor, batchShape string) ([][]float64, error) {
	if t == nil {
		return nil, fmt.Errorf("demo.%s: %s is nil; give a tensor [H, W] or %s", fn, arg, batchShape)
	}
	var h, w int
	switch {
	case len(t.Shape) == 2:
		h, w = t.Shape[0], t.Shape[1]
	case len(t.Shape) == 4 && strings.HasPrefix(batchShape, "[1,") && t.Shape[0] == 1 && t.Shape[3] == 1:
		h, w = t.Shape[1], t.Shape[2] // an image of scratch: [N=1, H, W, C=1]
	case len(t.Shape) == 4 && !strings.HasPrefix(batchShape, "[1,") && t.Shape[2] == 1 && t.Shape[3] == 1:
		h, w = t.Shape[0], t.Shape[1] // a kernel of scratch: [KH, KW, Cin=1, Cout=1]
	default:
		return nil, fmt.Errorf("demo.%s: %s has shape %v; the demo takes one single-channel matrix, [H, W] or %s "+
			"(for a batch or several channels, pick one: e.g. tensor.New(data, H, W))", fn, arg, t.Shape, batchShape)
	}
	if h == 0 || w == 0 || len(t.Data) != h*w {
		return nil, fmt.Errorf("demo.%s: %s has shape %v and %d values; give a non-empty [H, W] matrix", fn, arg, t.Shape, len(t.Data))
	}
	m := make([][]float64, h)
	for i := range m {
		m[i] = append([]float64(nil), t.Data[i*w:(i+1)*w]...)
		for j, v := range m[i] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("demo.%s: %s[%d,%d] is %v; give finite numbers", fn, arg, i, j, v)
			}
		}
	}
	return m, nil
}

// mxNaN returns a rows × cols matrix of NaN (cells not computed yet).
func mxNaN(rows, cols int) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
		for j := range m[i] {
			m[i][j] = math.NaN()
		}
	}
	return m
}

// mxZeros returns a rows × cols matrix of zeros.
func mxZeros(rows, cols int) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
	}
	return m
}

// mxClone copies m.
func mxClone(m [][]float64) [][]float64 {
	out := make([][]float64, len(m))
	for i, row := range m {
		out[i] = append([]float64(nil), row...)
	}
	return out
}

// mxTensor returns m as a tensor [1, H, W, 1], the layout of scratch's layers.
func mxTensor(m [][]float64) *tensor.Tensor {
	h, w := len(m), len(m[0])
	t := tensor.Zeros(1, h, w, 1)
	for i, row := range m {
		copy(t.Data[i*w:], row)
	}
	return t
}

// mxPanel is a panel whose colour range is fixed to the range of the values of full (the final
// matrix of the demo), so that a cell keeps its colour from frame to frame.
func mxPanel(name string, values, full [][]float64, marks ...viz.MatrixMark) viz.MatrixPanel {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range full {
		for _, v := range row {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	switch {
	case math.IsInf(lo, 1):
		lo, hi = 0, 1
	case hi <= lo:
		lo, hi = lo-1, hi+1
	}
	return viz.MatrixPanel{Name: name, Values: values, Marks: marks, Min: lo, Max: hi, Format: "%.3g"}
}

// mxNum writes a number for the labels: 4 significant digits, no "-0".
func mxNum(v float64) string {
	s := strings.TrimSpace(fmt.Sprintf("%.4g", v))
	if s == "-0" {
		s = "0"
	}
	return s
}

// mxFactor writes a number as a factor of a product: negative numbers in parentheses.
func mxFactor(v float64) string {
	s := mxNum(v)
	if strings.HasPrefix(s, "-") {
		return "(" + s + ")"
	}
	return s
}

// Colours of the marks: the current window (black), the cell the step writes or reads (green).
const (
	mxWindow  = "#000000"
	mxCurrent = "#2ca02c"
)
