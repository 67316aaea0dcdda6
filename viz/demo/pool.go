package demo

import (
	"fmt"
	"strings"

	"github.com/godl-course/godl/tensor"
	"github.com/godl-course/godl/viz"
)

// The max pooling of chapter 4, step by step: one window per frame, forward (its max is the
// output) and backward (the gradient of the output goes to the position of that max, 0 to the
// other cells of the window).
//
// Shapes: one single-channel map x [H, W] (or [1, H, W, 1], scratch's layout), size×size windows
// moved by stride; the output y and its gradient Δy are [Ho, Wo] with
// Ho = ⌊(H − size)/stride⌋ + 1 (same for Wo).

// PoolStep is one frame of [MaxPool]: window (I, J), its max and where it is.
type PoolStep struct {
	I, J     int         // the output position (window I·stride.., J·stride..)
	Row, Col int         // the position in x of the window's max (the first one in row order on a tie, as scratch)
	Value    float64     // y[I,J] = x[Row, Col]
	Output   [][]float64 // the output after this step: values up to (I, J) in row order, NaN after
	Label    string      // e.g. "y[0,1] = max(x[0:2, 2:4]) = max(2, 0, 1, 1) = 2, at x[0,2]"
}

// poolShapes reads x and checks the window.
func poolShapes(fn string, x *tensor.Tensor, size, stride int) ([][]float64, error) {
	xm, err := mxFrom(fn, "x", x, "[1, H, W, 1]")
	if err != nil {
		return nil, err
	}
	if size <= 0 || stride <= 0 {
		return nil, fmt.Errorf("demo.%s: window size %d and stride %d; both must be positive (the lecture's pooling: size 2, stride 2)", fn, size, stride)
	}
	if size > len(xm) || size > len(xm[0]) {
		return nil, fmt.Errorf("demo.%s: the %d×%d window does not fit in the %d×%d input x; use a smaller size", fn, size, size, len(xm), len(xm[0]))
	}
	ho, wo := (len(xm)-size)/stride+1, (len(xm[0])-size)/stride+1
	if ho*wo > 64 {
		return nil, fmt.Errorf("demo.%s: x %d×%d gives %d windows, one frame each; keep it to 64 at most (e.g. a 6×6 input with 2×2 windows: 9)", fn, len(xm), len(xm[0]), ho*wo)
	}
	return xm, nil
}

// poolWindows returns, for every window in row order, its position (i, j), the position of its
// max in x (the first in row order on a tie, as scratch.MaxPool2DForward) and its values.
func poolWindows(xm [][]float64, size, stride int) (ho, wo int, at [][4]int, values [][]float64) {
	ho, wo = (len(xm)-size)/stride+1, (len(xm[0])-size)/stride+1
	for i := range ho {
		for j := range wo {
			br, bc := i*stride, j*stride
			var vals []float64
			for k := range size {
				for l := range size {
					r, c := i*stride+k, j*stride+l
					vals = append(vals, xm[r][c])
					if xm[r][c] > xm[br][bc] {
						br, bc = r, c
					}
				}
			}
			at = append(at, [4]int{i, j, br, bc})
			values = append(values, vals)
		}
	}
	return ho, wo, at, values
}

// MaxPoolSteps computes the max pooling of x [H, W] with size×size windows moved by stride, one
// window per step, row by row:
//
//	y[i,j] = max_{0≤k,l<size} x[i·stride+k, j·stride+l].
//
// The last step's Output is scratch.MaxPool2DForward(x, size, stride) (as a matrix).
func MaxPoolSteps(x *tensor.Tensor, size, stride int) ([]PoolStep, error) {
	xm, err := poolShapes("MaxPoolSteps", x, size, stride)
	if err != nil {
		return nil, err
	}
	return poolSteps(xm, size, stride), nil
}

func poolSteps(xm [][]float64, size, stride int) []PoolStep {
	ho, wo, at, values := poolWindows(xm, size, stride)
	out := mxNaN(ho, wo)
	steps := make([]PoolStep, len(at))
	for n, a := range at {
		i, j, r, c := a[0], a[1], a[2], a[3]
		out[i][j] = xm[r][c]
		nums := make([]string, len(values[n]))
		for k, v := range values[n] {
			nums[k] = mxNum(v)
		}
		label := fmt.Sprintf("y[%d,%d] = max(x[%d:%d, %d:%d]) = max(%s) = %s, at x[%d,%d]",
			i, j, i*stride, i*stride+size, j*stride, j*stride+size, strings.Join(nums, ", "), mxNum(xm[r][c]), r, c)
		steps[n] = PoolStep{I: i, J: j, Row: r, Col: c, Value: xm[r][c], Output: mxClone(out), Label: label}
	}
	return steps
}

// MaxPoolChart builds the frames of [MaxPool]: in each, the input x with the current window
// outlined (black) and its max (green), and the output y filled up to the current window.
// Options are those of viz.FramesChart (viz.AtFrame, viz.PlayMillis, viz.AutoPlay).
func MaxPoolChart(x *tensor.Tensor, size, stride int, options ...viz.Option) (*viz.Chart, error) {
	xm, err := poolShapes("MaxPoolChart", x, size, stride)
	if err != nil {
		return nil, err
	}
	steps := poolSteps(xm, size, stride)
	final := steps[len(steps)-1].Output
	frames := make([]*viz.Chart, len(steps))
	labels := make([]string, len(steps))
	for n, s := range steps {
		title := fmt.Sprintf("y[i,j] = max_{k,l} x[%d·i+k, %d·j+l]   (window %d of %d)\n%s", stride, stride, n+1, len(steps), s.Label)
		c, err := viz.MatrixGridChart([]viz.MatrixPanel{
			mxPanel(fmt.Sprintf("input x (%d×%d)", len(xm), len(xm[0])), xm, xm,
				viz.MatrixMark{Row: s.I * stride, Col: s.J * stride, Rows: size, Cols: size, Color: mxWindow},
				viz.MatrixMark{Row: s.Row, Col: s.Col, Color: mxCurrent}),
			mxPanel(fmt.Sprintf("output y (%d×%d)", len(final), len(final[0])), s.Output, xm, viz.MatrixMark{Row: s.I, Col: s.J, Color: mxCurrent}),
		}, viz.Title(title))
		if err != nil {
			return nil, err
		}
		frames[n] = c
		labels[n] = fmt.Sprintf("y[%d,%d] = %s", s.I, s.J, mxNum(s.Value))
	}
	return viz.FramesChart(frames, labels, options...)
}

// MaxPool shows max pooling window by window (see [MaxPoolChart] and [MaxPoolSteps]):
//
//	demo.MaxPool(x, 2, 2)   // x [6, 6]: 9 windows, 9 frames
func MaxPool(x *tensor.Tensor, size, stride int, options ...viz.Option) (viz.Files, error) {
	return show(MaxPoolChart(x, size, stride, options...))
}

// PoolGradStep is one frame of [MaxPoolGradient]: the gradient of window (I, J) routed to its max.
type PoolGradStep struct {
	I, J     int         // the window (output position)
	Row, Col int         // the position in x of its max, which receives DY
	DY       float64     // Δy[I,J] = ∂L/∂y[I,J]
	DX       [][]float64 // Δx = ∂L/∂x after routing the windows up to (I, J) in row order; the last step's is Δx
	Label    string      // e.g. "Δy[0,1] = 20 goes to x[0,2], the max of its window; the other cells get 0"
}

// MaxPoolGradientSteps routes the gradient Δy = ∂L/∂y [Ho, Wo] (or [1, Ho, Wo, 1]) of the max
// pooling of x [H, W] back to x, one window per step: the max y[i,j] = x[r,q] depends only on
// the cell (r, q) of its window, with derivative 1, so
//
//	Δx[r,q] = Σ over the windows (i, j) whose max is at (r, q) of Δy[i,j]   (0 for the other cells).
//
// The last step's DX is scratch.MaxPool2DBackward(x, dy, size, stride) (as a matrix).
func MaxPoolGradientSteps(x, dy *tensor.Tensor, size, stride int) ([]PoolGradStep, error) {
	xm, dym, err := poolGradShapes("MaxPoolGradientSteps", x, dy, size, stride)
	if err != nil {
		return nil, err
	}
	return poolGradSteps(xm, dym, size, stride), nil
}

func poolGradShapes(fn string, x, dy *tensor.Tensor, size, stride int) (xm, dym [][]float64, err error) {
	if xm, err = poolShapes(fn, x, size, stride); err != nil {
		return nil, nil, err
	}
	if dym, err = mxFrom(fn, "dy", dy, "[1, Ho, Wo, 1]"); err != nil {
		return nil, nil, err
	}
	ho, wo := (len(xm)-size)/stride+1, (len(xm[0])-size)/stride+1
	if len(dym) != ho || len(dym[0]) != wo {
		return nil, nil, fmt.Errorf("demo.%s: dy is %d×%d but the %d×%d pooling (stride %d) of the %d×%d input has %d×%d windows; give one gradient per window",
			fn, len(dym), len(dym[0]), size, size, stride, len(xm), len(xm[0]), ho, wo)
	}
	return xm, dym, nil
}

func poolGradSteps(xm, dym [][]float64, size, stride int) []PoolGradStep {
	_, _, at, _ := poolWindows(xm, size, stride)
	dx := mxZeros(len(xm), len(xm[0]))
	steps := make([]PoolGradStep, len(at))
	for n, a := range at {
		i, j, r, c := a[0], a[1], a[2], a[3]
		g := dym[i][j]
		dx[r][c] += g
		label := fmt.Sprintf("Δy[%d,%d] = %s goes to x[%d,%d] = %s, the max of x[%d:%d, %d:%d]: Δx[%d,%d] is now %s; the other cells of the window get 0",
			i, j, mxNum(g), r, c, mxNum(xm[r][c]), i*stride, i*stride+size, j*stride, j*stride+size, r, c, mxNum(dx[r][c]))
		steps[n] = PoolGradStep{I: i, J: j, Row: r, Col: c, DY: g, DX: mxClone(dx), Label: label}
	}
	return steps
}

// MaxPoolGradientChart builds the frames of [MaxPoolGradient]: in each, the input x with the
// current window (black) and its max (green), Δy with the current value, and Δx with the
// gradients routed so far. Options are those of viz.FramesChart.
func MaxPoolGradientChart(x, dy *tensor.Tensor, size, stride int, options ...viz.Option) (*viz.Chart, error) {
	xm, dym, err := poolGradShapes("MaxPoolGradientChart", x, dy, size, stride)
	if err != nil {
		return nil, err
	}
	steps := poolGradSteps(xm, dym, size, stride)
	var all [][]float64 // the colour range of Δx covers every partial sum (and 0)
	for _, s := range steps {
		all = append(all, s.DX...)
	}
	frames := make([]*viz.Chart, len(steps))
	labels := make([]string, len(steps))
	for n, s := range steps {
		title := fmt.Sprintf("Backward: each Δy[i,j] goes to the max of its window, 0 to the other cells   (window %d of %d)\n"+
			"Δy[%d,%d] = %s → Δx[%d,%d]  (x[%d,%d] = %s is the max of its window)",
			n+1, len(steps), s.I, s.J, mxNum(s.DY), s.Row, s.Col, s.Row, s.Col, mxNum(xm[s.Row][s.Col]))
		c, err := viz.MatrixGridChart([]viz.MatrixPanel{
			mxPanel(fmt.Sprintf("input x (%d×%d)", len(xm), len(xm[0])), xm, xm,
				viz.MatrixMark{Row: s.I * stride, Col: s.J * stride, Rows: size, Cols: size, Color: mxWindow},
				viz.MatrixMark{Row: s.Row, Col: s.Col, Color: mxCurrent}),
			mxPanel(fmt.Sprintf("Δy = ∂L/∂y (%d×%d)", len(dym), len(dym[0])), dym, dym, viz.MatrixMark{Row: s.I, Col: s.J, Color: mxCurrent}),
			mxPanel(fmt.Sprintf("Δx = ∂L/∂x so far (%d×%d)", len(xm), len(xm[0])), s.DX, all,
				viz.MatrixMark{Row: s.I * stride, Col: s.J * stride, Rows: size, Cols: size, Color: mxWindow},
				viz.MatrixMark{Row: s.Row, Col: s.Col, Color: mxCurrent}),
		}, viz.Title(title))
		if err != nil {
			return nil, err
		}
		frames[n] = c
		labels[n] = fmt.Sprintf("Δy[%d,%d] → x[%d,%d]", s.I, s.J, s.Row, s.Col)
	}
	return viz.FramesChart(frames, labels, options...)
}

// MaxPoolGradient shows the backward pass of max pooling window by window: each Δy[i,j] goes to
// the position of its window's max, 0 to the other cells (see [MaxPoolGradientChart] and
// [MaxPoolGradientSteps]):
//
//	demo.MaxPoolGradient(x, dy, 2, 2)   // dy: one value per window
func MaxPoolGradient(x, dy *tensor.Tensor, size, stride int, options ...viz.Option) (viz.Files, error) {
	return show(MaxPoolGradientChart(x, dy, size, stride, options...))
}
