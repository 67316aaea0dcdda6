package demo

import (
	"math"
	"strings"
	"testing"

	"github.com/godl-course/godl/nn/scratch"
	"github.com/godl-course/godl/tensor"
)

// convExample is a 6×6 image with a vertical edge and the Sobel kernel of vertical edges.
func convExample() (x, w *tensor.Tensor) {
	x = tensor.New([]float64{
		0, 0, 1, 3, 3, 3,
		0, 0, 1, 3, 3, 3,
		0, 1, 2, 3, 2, 1,
		0, 1, 2, 3, 2, 1,
		1, 1, 1, 0, 0, 0,
		1, 1, 1, 0, 0, 0,
	}, 6, 6)
	w = tensor.New([]float64{-1, 0, 1, -2, 0, 2, -1, 0, 1}, 3, 3)
	return x, w
}

func TestConvolutionStepsAddUpToScratch(t *testing.T) {
	rng := tensor.NewRand(11)
	for _, c := range []struct{ h, w, kh, kw int }{{6, 6, 3, 3}, {5, 7, 2, 3}, {4, 4, 4, 4}} {
		x, w := tensor.RandN(rng, 1, 1, c.h, c.w, 1), tensor.RandN(rng, 1, c.kh, c.kw, 1, 1)
		steps, err := ConvolutionSteps(x, w)
		if err != nil {
			t.Fatal(err)
		}
		want := scratch.Conv2DForward(x, w, nil, 1, 0)
		ho, wo := c.h-c.kh+1, c.w-c.kw+1
		if len(steps) != ho*wo {
			t.Fatalf("%v: %d steps, want one per output value (%d)", c, len(steps), ho*wo)
		}
		for n, s := range steps {
			if s.I != n/wo || s.J != n%wo {
				t.Errorf("%v: step %d is at (%d, %d), want (%d, %d): row by row", c, n, s.I, s.J, n/wo, n%wo)
			}
			if got := mxKnown(s.Output); got != n+1 {
				t.Errorf("%v: step %d has %d output values, want %d (exactly one more per step)", c, n, got, n+1)
			}
			if s.Output[s.I][s.J] != s.Value || s.Value != want.At(0, s.I, s.J, 0) {
				t.Errorf("%v: step %d: y[%d,%d] = %v (output %v), scratch gives %v", c, n, s.I, s.J, s.Value, s.Output[s.I][s.J], want.At(0, s.I, s.J, 0))
			}
			if n > 0 { // the values of the previous steps are kept
				prev := steps[n-1].Output
				for i := range prev {
					for j := range prev[i] {
						if !math.IsNaN(prev[i][j]) && prev[i][j] != s.Output[i][j] {
							t.Errorf("%v: step %d changed y[%d,%d]", c, n, i, j)
						}
					}
				}
			}
		}
		if last := steps[len(steps)-1].Output; !mxEqual(last, want) {
			t.Errorf("%v: the last frame's output %v differs from scratch.Conv2DForward %v", c, last, want)
		}
	}
}

func TestConvolutionLabelWritesTheDoubleSum(t *testing.T) {
	x, w := convExample()
	steps, err := ConvolutionSteps(x, w)
	if err != nil {
		t.Fatal(err)
	}
	// y[0,1]: window rows 0..2, columns 1..3 = {0,1,3},{0,1,3},{1,2,3}; Sobel: −0+3 −0+6 −1+3 = 11.
	s := steps[1]
	want := "y[0,1] = Σ_k Σ_l w[k,l]·x[0+k, 1+l] = (-1)·0 + 0·1 + 1·3 + (-2)·0 + 0·1 + 2·3 + (-1)·1 + 0·2 + 1·3 = 11"
	if s.Label != want || s.Value != 11 {
		t.Errorf("step 1:\n got %q (value %v)\nwant %q (11)", s.Label, s.Value, want)
	}
	// The [1, H, W, 1] and [KH, KW, 1, 1] layouts give the same steps.
	steps4, err := ConvolutionSteps(x.Reshape(1, 6, 6, 1), w.Reshape(3, 3, 1, 1))
	if err != nil || len(steps4) != 16 || steps4[15].Label != steps[15].Label {
		t.Errorf("scratch's layout: %d steps, %v", len(steps4), err)
	}
}

func TestConvolutionChartFrames(t *testing.T) {
	x, w := convExample()
	c, err := ConvolutionChart(x, w)
	if err != nil {
		t.Fatal(err)
	}
	steps, _ := ConvolutionSteps(x, w)
	labels := make([]string, len(steps))
	for i, s := range steps {
		labels[i] = "y[" + string(rune('0'+s.I)) + "," + string(rune('0'+s.J)) + "] = " + mxNum(s.Value)
	}
	frames := timeline(t, c, labels)
	for n, f := range frames {
		title := mxTitle(t, f)
		_, numbers, _ := strings.Cut(steps[n].Label, "] = Σ_k Σ_l w[k,l]·x[")
		_, numbers, _ = strings.Cut(numbers, " = ")
		if !strings.Contains(title, numbers) {
			t.Errorf("frame %d title %q does not write the sum %q", n, title, numbers)
		}
		series := f["series"].([]any)
		if len(series) != 3 {
			t.Fatalf("frame %d has %d series, want 3 panels (x, w, y)", n, len(series))
		}
		if got := len(series[2].(map[string]any)["data"].([]any)); got != n+1 {
			t.Errorf("frame %d draws %d output cells, want %d", n, got, n+1)
		}
		// The window of x: the 9 cells at (I..I+2, J..J+2) are outlined.
		marked := 0
		for _, d := range series[0].(map[string]any)["data"].([]any) {
			item := d.(map[string]any)
			v := item["value"].([]any)
			col, row := int(v[0].(float64)), int(v[1].(float64))
			in := row >= steps[n].I && row < steps[n].I+3 && col >= steps[n].J && col < steps[n].J+3
			if (item["itemStyle"].(map[string]any)["borderColor"] == mxWindow) != in {
				t.Errorf("frame %d: x[%d,%d] outlined %v, want %v", n, row, col, !in, in)
			}
			if in {
				marked++
			}
		}
		if marked != 9 {
			t.Errorf("frame %d: %d cells of x outlined, want the 9 of the window", n, marked)
		}
	}
	checkPNG(t, c)
}

func TestConvGradientStepsAddUpToScratch(t *testing.T) {
	rng := tensor.NewRand(12)
	for _, c := range []struct{ h, w, kh, kw int }{{6, 6, 3, 3}, {5, 6, 2, 3}} {
		x, w := tensor.RandN(rng, 1, 1, c.h, c.w, 1), tensor.RandN(rng, 1, c.kh, c.kw, 1, 1)
		ho, wo := c.h-c.kh+1, c.w-c.kw+1
		dy := tensor.RandN(rng, 1, 1, ho, wo, 1)
		steps, err := ConvGradientSteps(x, w, dy)
		if err != nil {
			t.Fatal(err)
		}
		if len(steps) != ho*wo {
			t.Fatalf("%v: %d steps, want %d", c, len(steps), ho*wo)
		}
		// Each step adds Δy[i,j] times the window of (i, j).
		prev := make([][]float64, c.kh)
		for k := range prev {
			prev[k] = make([]float64, c.kw)
		}
		for n, s := range steps {
			if s.DY != dy.At(0, s.I, s.J, 0) {
				t.Errorf("step %d: Δy %v, want %v", n, s.DY, dy.At(0, s.I, s.J, 0))
			}
			for k := range c.kh {
				for l := range c.kw {
					if d := s.DW[k][l] - prev[k][l] - s.DY*x.At(0, s.I+k, s.J+l, 0); math.Abs(d) > 1e-12 {
						t.Errorf("step %d: ∂L/∂w[%d,%d] grew by %v more than Δy·x", n, k, l, d)
					}
				}
			}
			prev = s.DW
		}
		_, dw, _ := scratch.Conv2DBackward(x, w, dy, 1, 0)
		if !mxEqual(steps[len(steps)-1].DW, dw.Reshape(1, c.kh, c.kw, 1)) {
			t.Errorf("%v: the last frame's ∂L/∂w %v differs from scratch.Conv2DBackward's %v", c, steps[len(steps)-1].DW, dw)
		}
	}
}

func TestConvGradientChart(t *testing.T) {
	x, w := convExample()
	dy := tensor.New([]float64{1, 0, -1, 0, 0, 2, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0}, 4, 4)
	c, err := ConvGradientChart(x, w, dy)
	if err != nil {
		t.Fatal(err)
	}
	steps, _ := ConvGradientSteps(x, w, dy)
	labels := make([]string, 16)
	for i, s := range steps {
		labels[i] = "+ Δy[" + string(rune('0'+s.I)) + "," + string(rune('0'+s.J)) + "]·window"
	}
	frames := timeline(t, c, labels)
	// Frame 5, position (1,1): Δy = 2; x[1,1] = 0, so ∂L/∂w[0,0] stays 0·1 + 0 = 0.
	if title := mxTitle(t, frames[5]); !strings.Contains(title, "position (1,1) adds Δy[1,1] = 2 times its window") {
		t.Errorf("frame 5 title %q", title)
	}
	if !strings.Contains(steps[5].Label, "= 2 × the window") {
		t.Errorf("step 5 label %q", steps[5].Label)
	}
	checkPNG(t, c)
}

func TestConvolutionErrors(t *testing.T) {
	x, w := convExample()
	for _, c := range []struct {
		err  error
		want string
	}{
		{mxErr(ConvolutionSteps(nil, w)), "demo.ConvolutionSteps: x is nil"},
		{mxErr(ConvolutionSteps(x, nil)), "w is nil"},
		{mxErr(ConvolutionSteps(tensor.Zeros(2, 6, 6, 1), w)), "x has shape [2 6 6 1]"},
		{mxErr(ConvolutionSteps(x, tensor.Zeros(3, 3, 2, 1))), "w has shape [3 3 2 1]"},
		{mxErr(ConvolutionSteps(tensor.Zeros(2, 2), w)), "the kernel w is 3×3 but the image x only 2×2"},
		{mxErr(ConvolutionSteps(tensor.Zeros(20, 20), w)), "324 output values"},
		{mxErr(ConvolutionChart(x, tensor.Zeros(7, 1))), "demo.ConvolutionChart: the kernel w is 7×1"},
		{mxErr(ConvGradientSteps(x, w, tensor.Zeros(3, 4))), "dy is 3×4 but the output of a 3×3 kernel on the 6×6 image is 4×4"},
		{mxErr(ConvGradientChart(x, w, nil)), "demo.ConvGradientChart: dy is nil"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", c.err, c.want)
		}
	}
}

// mxErr returns the error of a (value, error) pair.
func mxErr[T any](_ T, err error) error { return err }
