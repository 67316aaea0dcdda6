package demo

import (
	"fmt"
	"strings"

	"github.com/godl-course/godl/tensor"
	"github.com/godl-course/godl/viz"
)

// The convolution of chapter 3, step by step: the kernel slides over a small image (stride 1, no
// padding), one output value per frame; then the weight gradient, one position per frame.
//
// Shapes: one single-channel image x [H, W] (or [1, H, W, 1], scratch's layout), one kernel
// w [KH, KW] (or [KH, KW, 1, 1]); the output y and its gradient Δy are [H−KH+1, W−KW+1].

// ConvStep is one frame of [Convolution]: the output value y[I,J] computed from the window of x
// at (I, J).
type ConvStep struct {
	I, J   int         // the output position, and the top-left corner of the window in x
	Value  float64     // y[I,J] = Σ_k Σ_l w[k,l]·x[I+k, J+l]
	Output [][]float64 // the output after this step: the values up to (I, J) in row order, NaN after
	Label  string      // the double sum with the numbers, e.g. "y[0,1] = Σ_k Σ_l w[k,l]·x[0+k, 1+l] = … = 5"
}

// convShapes reads x and w as matrices and checks that the kernel fits in the image.
func convShapes(fn string, x, w *tensor.Tensor) (xm, wm [][]float64, err error) {
	if xm, err = mxFrom(fn, "x", x, "[1, H, W, 1]"); err != nil {
		return nil, nil, err
	}
	if wm, err = mxFrom(fn, "w", w, "[KH, KW, 1, 1]"); err != nil {
		return nil, nil, err
	}
	if len(wm) > len(xm) || len(wm[0]) > len(xm[0]) {
		return nil, nil, fmt.Errorf("demo.%s: the kernel w is %d×%d but the image x only %d×%d; the kernel must fit in the image (no padding): use a smaller kernel or a larger image",
			fn, len(wm), len(wm[0]), len(xm), len(xm[0]))
	}
	if n := (len(xm) - len(wm) + 1) * (len(xm[0]) - len(wm[0]) + 1); n > 64 {
		return nil, nil, fmt.Errorf("demo.%s: x %d×%d and w %d×%d give %d output values, one frame each; keep it to 64 at most (e.g. a 6×6 image and a 3×3 kernel: 16)",
			fn, len(xm), len(xm[0]), len(wm), len(wm[0]), n)
	}
	return xm, wm, nil
}

// ConvolutionSteps computes the convolution (the lecture's cross-correlation, stride 1, no
// padding, no bias) of the image x [H, W] with the kernel w [KH, KW], one output value per step,
// row by row:
//
//	y[i,j] = Σ_k Σ_l w[k,l] · x[i+k, j+l],   y: [H−KH+1, W−KW+1].
//
// The last step's Output is scratch.Conv2DForward(x, w, nil, 1, 0) (as a matrix).
func ConvolutionSteps(x, w *tensor.Tensor) ([]ConvStep, error) {
	xm, wm, err := convShapes("ConvolutionSteps", x, w)
	if err != nil {
		return nil, err
	}
	return convSteps(xm, wm), nil
}

func convSteps(xm, wm [][]float64) []ConvStep {
	kh, kw := len(wm), len(wm[0])
	ho, wo := len(xm)-kh+1, len(xm[0])-kw+1
	out := mxNaN(ho, wo)
	var steps []ConvStep
	for i := range ho {
		for j := range wo {
			sum := 0.0
			var terms []string
			for k := range kh {
				for l := range kw {
					sum += wm[k][l] * xm[i+k][j+l]
					terms = append(terms, mxFactor(wm[k][l])+"·"+mxFactor(xm[i+k][j+l]))
				}
			}
			out[i][j] = sum
			label := fmt.Sprintf("y[%d,%d] = Σ_k Σ_l w[k,l]·x[%d+k, %d+l] = %s = %s", i, j, i, j, strings.Join(terms, " + "), mxNum(sum))
			steps = append(steps, ConvStep{I: i, J: j, Value: sum, Output: mxClone(out), Label: label})
		}
	}
	return steps
}

// ConvolutionChart builds the frames of [Convolution]: in each, the input x with the current
// window outlined, the kernel w, and the output y filled up to the current position; the title
// writes the double sum with its numbers. Options are those of viz.FramesChart (viz.AtFrame,
// viz.PlayMillis, viz.AutoPlay).
func ConvolutionChart(x, w *tensor.Tensor, options ...viz.Option) (*viz.Chart, error) {
	xm, wm, err := convShapes("ConvolutionChart", x, w)
	if err != nil {
		return nil, err
	}
	steps := convSteps(xm, wm)
	final := steps[len(steps)-1].Output
	kh, kw := len(wm), len(wm[0])
	frames := make([]*viz.Chart, len(steps))
	labels := make([]string, len(steps))
	for n, s := range steps {
		head, sum, _ := strings.Cut(s.Label, " = ")
		sum, numbers, _ := strings.Cut(sum, " = ")
		title := fmt.Sprintf("%s = %s  (position %d of %d)\n= %s", head, sum, n+1, len(steps), numbers)
		c, err := viz.MatrixGridChart([]viz.MatrixPanel{
			mxPanel(fmt.Sprintf("input x (%d×%d)", len(xm), len(xm[0])), xm, xm, viz.MatrixMark{Row: s.I, Col: s.J, Rows: kh, Cols: kw, Color: mxWindow}),
			mxPanel(fmt.Sprintf("kernel w (%d×%d)", kh, kw), wm, wm),
			mxPanel(fmt.Sprintf("output y (%d×%d)", len(final), len(final[0])), s.Output, final, viz.MatrixMark{Row: s.I, Col: s.J, Color: mxCurrent}),
		}, viz.Title(title))
		if err != nil {
			return nil, err
		}
		frames[n] = c
		labels[n] = fmt.Sprintf("y[%d,%d] = %s", s.I, s.J, mxNum(s.Value))
	}
	return viz.FramesChart(frames, labels, options...)
}

// Convolution shows the kernel w sliding over the image x, one output value per frame (see
// [ConvolutionChart] and [ConvolutionSteps]):
//
//	x := tensor.New([]float64{...}, 6, 6)
//	w := tensor.New([]float64{-1, 0, 1, -2, 0, 2, -1, 0, 1}, 3, 3)
//	demo.Convolution(x, w)   // 16 frames: y[0,0] … y[3,3]
func Convolution(x, w *tensor.Tensor, options ...viz.Option) (viz.Files, error) {
	return show(ConvolutionChart(x, w, options...))
}

// ConvGradStep is one frame of [ConvGradient]: the output position (I, J) adds its share to the
// weight gradient.
type ConvGradStep struct {
	I, J int         // the output position: its gradient Δy[I,J] and its window of x
	DY   float64     // Δy[I,J] = ∂L/∂y[I,J]
	DW   [][]float64 // ∂L/∂w summed over the positions up to (I, J) in row order; the last step's is ∂L/∂w
	// Label writes the contribution, e.g. "∂L/∂w += Δy[0,1]·x[0:3, 1:4] = 2 × the window".
	Label string
}

// ConvGradientSteps computes the gradient of the loss with respect to the kernel, position by
// position, given the input x [H, W], the kernel w [KH, KW] (only its size is used) and the
// gradient coming back Δy = ∂L/∂y [H−KH+1, W−KW+1] (or [1, Ho, Wo, 1]):
//
//	∂L/∂w[k,l] = Σ_i Σ_j Δy[i,j] · x[i+k, j+l]
//
// each step adding the term of one (i, j), the window of x times Δy[i,j]. The last step's DW is
// the dw of scratch.Conv2DBackward(x, w, dy, 1, 0).
func ConvGradientSteps(x, w, dy *tensor.Tensor) ([]ConvGradStep, error) {
	xm, wm, dym, err := convGradShapes("ConvGradientSteps", x, w, dy)
	if err != nil {
		return nil, err
	}
	return convGradSteps(xm, wm, dym), nil
}

func convGradShapes(fn string, x, w, dy *tensor.Tensor) (xm, wm, dym [][]float64, err error) {
	if xm, wm, err = convShapes(fn, x, w); err != nil {
		return nil, nil, nil, err
	}
	if dym, err = mxFrom(fn, "dy", dy, "[1, Ho, Wo, 1]"); err != nil {
		return nil, nil, nil, err
	}
	ho, wo := len(xm)-len(wm)+1, len(xm[0])-len(wm[0])+1
	if len(dym) != ho || len(dym[0]) != wo {
		return nil, nil, nil, fmt.Errorf("demo.%s: dy is %d×%d but the output of a %d×%d kernel on the %d×%d image is %d×%d; give one gradient per output value",
			fn, len(dym), len(dym[0]), len(wm), len(wm[0]), len(xm), len(xm[0]), ho, wo)
	}
	return xm, wm, dym, nil
}

func convGradSteps(xm, wm, dym [][]float64) []ConvGradStep {
	kh, kw := len(wm), len(wm[0])
	dw := mxZeros(kh, kw)
	var steps []ConvGradStep
	for i := range dym {
		for j, g := range dym[i] {
			for k := range kh {
				for l := range kw {
					dw[k][l] += xm[i+k][j+l] * g
				}
			}
			label := fmt.Sprintf("∂L/∂w += Δy[%d,%d]·x[%d:%d, %d:%d] = %s × the window; ∂L/∂w[0,0] += x[%d,%d]·Δy[%d,%d] = %s·%s → %s",
				i, j, i, i+kh, j, j+kw, mxFactor(g), i, j, i, j, mxFactor(xm[i][j]), mxFactor(g), mxNum(dw[0][0]))
			steps = append(steps, ConvGradStep{I: i, J: j, DY: g, DW: mxClone(dw), Label: label})
		}
	}
	return steps
}

// ConvGradientChart builds the frames of [ConvGradient]: in each, the input x with the window of
// the current position outlined, Δy with the current value outlined, and ∂L/∂w summed so far.
// Options are those of viz.FramesChart.
func ConvGradientChart(x, w, dy *tensor.Tensor, options ...viz.Option) (*viz.Chart, error) {
	xm, wm, dym, err := convGradShapes("ConvGradientChart", x, w, dy)
	if err != nil {
		return nil, err
	}
	steps := convGradSteps(xm, wm, dym)
	final := steps[len(steps)-1].DW
	kh, kw := len(wm), len(wm[0])
	// The colour range of ∂L/∂w covers every partial sum, so that no frame leaves the scale.
	var all [][]float64
	for _, s := range steps {
		all = append(all, s.DW...)
	}
	frames := make([]*viz.Chart, len(steps))
	labels := make([]string, len(steps))
	for n, s := range steps {
		title := fmt.Sprintf("∂L/∂w[k,l] = Σ_i Σ_j Δy[i,j]·x[i+k, j+l]   (position %d of %d)\n"+
			"position (%d,%d) adds Δy[%d,%d] = %s times its window: ∂L/∂w[0,0] += %s·%s, now %s",
			n+1, len(steps), s.I, s.J, s.I, s.J, mxNum(s.DY), mxFactor(xm[s.I][s.J]), mxFactor(s.DY), mxNum(s.DW[0][0]))
		c, err := viz.MatrixGridChart([]viz.MatrixPanel{
			mxPanel(fmt.Sprintf("input x (%d×%d)", len(xm), len(xm[0])), xm, xm, viz.MatrixMark{Row: s.I, Col: s.J, Rows: kh, Cols: kw, Color: mxWindow}),
			mxPanel(fmt.Sprintf("Δy = ∂L/∂y (%d×%d)", len(dym), len(dym[0])), dym, dym, viz.MatrixMark{Row: s.I, Col: s.J, Color: mxCurrent}),
			mxPanel(fmt.Sprintf("∂L/∂w so far (%d×%d)", len(final), len(final[0])), s.DW, all),
		}, viz.Title(title))
		if err != nil {
			return nil, err
		}
		frames[n] = c
		labels[n] = fmt.Sprintf("+ Δy[%d,%d]·window", s.I, s.J)
	}
	return viz.FramesChart(frames, labels, options...)
}

// ConvGradient shows the weight gradient of the convolution built up position by position:
// each output position (i, j) adds Δy[i,j] times its window of x to ∂L/∂w (see
// [ConvGradientChart] and [ConvGradientSteps]):
//
//	demo.ConvGradient(x, w, dy)   // dy: [H−KH+1, W−KW+1], the gradient coming back
func ConvGradient(x, w, dy *tensor.Tensor, options ...viz.Option) (viz.Files, error) {
	return show(ConvGradientChart(x, w, dy, options...))
}
