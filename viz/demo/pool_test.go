package demo

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/godl-course/godl/nn/scratch"
	"github.com/godl-course/godl/tensor"
)

// poolExample is a 6×6 map with negative values and ties (two 4s in window (0,0): the first wins).
func poolExample() *tensor.Tensor {
	return tensor.New([]float64{
		1, 4, 2, 0, -1, -3,
		4, 2, 1, 5, -2, -1,
		0, 1, 5, 6, 3, 1,
		2, 1, 7, 0, 2, 8,
		-1, -2, 0, 0, 1, 1,
		-3, -1, 0, 0, 1, 1,
	}, 6, 6)
}

func TestMaxPoolStepsMatchScratch(t *testing.T) {
	rng := tensor.NewRand(21)
	cases := []struct {
		x            *tensor.Tensor
		size, stride int
	}{
		{poolExample(), 2, 2},
		{poolExample(), 3, 2},
		{tensor.RandN(rng, 1, 7, 5), 2, 1},
		{tensor.RandN(rng, 1, 1, 6, 6, 1), 3, 3},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%v size %d stride %d", c.x.Shape, c.size, c.stride)
		x4 := c.x // scratch's layout [1, H, W, 1]
		if len(c.x.Shape) == 2 {
			x4 = c.x.Reshape(1, c.x.Shape[0], c.x.Shape[1], 1)
		}
		steps, err := MaxPoolSteps(c.x, c.size, c.stride)
		if err != nil {
			t.Fatal(err)
		}
		want := scratch.MaxPool2DForward(x4, c.size, c.stride)
		ho, wo := want.Shape[1], want.Shape[2]
		if len(steps) != ho*wo {
			t.Fatalf("%s: %d steps, want one per window (%d)", name, len(steps), ho*wo)
		}
		for n, s := range steps {
			if mxKnown(s.Output) != n+1 || s.Output[s.I][s.J] != s.Value {
				t.Errorf("%s: step %d has %d outputs (want %d), y[%d,%d] = %v", name, n, mxKnown(s.Output), n+1, s.I, s.J, s.Output[s.I][s.J])
			}
			if s.Row < s.I*c.stride || s.Row >= s.I*c.stride+c.size || s.Col < s.J*c.stride || s.Col >= s.J*c.stride+c.size {
				t.Errorf("%s: step %d: the max at x[%d,%d] is outside window (%d, %d)", name, n, s.Row, s.Col, s.I, s.J)
			}
			if x4.At(0, s.Row, s.Col, 0) != s.Value {
				t.Errorf("%s: step %d: value %v is not x[%d,%d] = %v", name, n, s.Value, s.Row, s.Col, x4.At(0, s.Row, s.Col, 0))
			}
		}
		if !mxEqual(steps[len(steps)-1].Output, want) {
			t.Errorf("%s: the last frame's output %v differs from scratch.MaxPool2DForward %v", name, steps[len(steps)-1].Output, want)
		}

		// Backward: the routed gradient is scratch's.
		dy := tensor.RandN(rng, 1, 1, ho, wo, 1)
		gsteps, err := MaxPoolGradientSteps(c.x, dy, c.size, c.stride)
		if err != nil {
			t.Fatal(err)
		}
		if len(gsteps) != ho*wo {
			t.Fatalf("%s: %d gradient steps, want %d", name, len(gsteps), ho*wo)
		}
		prev := mxZeros(x4.Shape[1], x4.Shape[2])
		for n, s := range gsteps {
			if s.Row != steps[n].Row || s.Col != steps[n].Col || s.DY != dy.At(0, s.I, s.J, 0) {
				t.Errorf("%s: gradient step %d goes to x[%d,%d] with %v; want the max x[%d,%d] and Δy %v", name, n, s.Row, s.Col, s.DY, steps[n].Row, steps[n].Col, dy.At(0, s.I, s.J, 0))
			}
			for r := range prev {
				for q := range prev[r] {
					want := prev[r][q]
					if r == s.Row && q == s.Col {
						want += s.DY
					}
					if s.DX[r][q] != want {
						t.Errorf("%s: gradient step %d: Δx[%d,%d] = %v, want %v (only the max of the window changes)", name, n, r, q, s.DX[r][q], want)
					}
				}
			}
			prev = s.DX
		}
		if dx := scratch.MaxPool2DBackward(x4, dy, c.size, c.stride); !mxEqual(prev, dx) {
			t.Errorf("%s: the last frame's Δx %v differs from scratch.MaxPool2DBackward %v", name, prev, dx)
		}
	}
}

func TestMaxPoolLabelsOnTheNotebookExample(t *testing.T) {
	x := tensor.New([]float64{1, 3, 2, 0, 4, 2, 1, 1, 0, 1, 5, 6, 2, 1, 7, 0}, 1, 4, 4, 1)
	steps, err := MaxPoolSteps(x, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"y[0,0] = max(x[0:2, 0:2]) = max(1, 3, 4, 2) = 4, at x[1,0]",
		"y[0,1] = max(x[0:2, 2:4]) = max(2, 0, 1, 1) = 2, at x[0,2]",
		"y[1,0] = max(x[2:4, 0:2]) = max(0, 1, 2, 1) = 2, at x[3,0]",
		"y[1,1] = max(x[2:4, 2:4]) = max(5, 6, 7, 0) = 7, at x[3,2]",
	}
	for i, s := range steps {
		if s.Label != want[i] {
			t.Errorf("step %d: %q, want %q", i, s.Label, want[i])
		}
	}
	dy := tensor.New([]float64{10, 20, 30, 40}, 1, 2, 2, 1)
	g, err := MaxPoolGradientSteps(x, dy, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(g[1].Label, "Δy[0,1] = 20 goes to x[0,2] = 2, the max of x[0:2, 2:4]: Δx[0,2] is now 20") {
		t.Errorf("gradient step 1: %q", g[1].Label)
	}
}

func TestMaxPoolCharts(t *testing.T) {
	x := poolExample()
	c, err := MaxPoolChart(x, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	steps, _ := MaxPoolSteps(x, 2, 2)
	labels := make([]string, len(steps))
	for i, s := range steps {
		labels[i] = fmt.Sprintf("y[%d,%d] = %s", s.I, s.J, mxNum(s.Value))
	}
	frames := timeline(t, c, labels)
	for n, f := range frames {
		if title := mxTitle(t, f); !strings.Contains(title, steps[n].Label) {
			t.Errorf("frame %d title %q does not contain %q", n, title, steps[n].Label)
		}
		series := f["series"].([]any)
		if len(series) != 2 || len(series[1].(map[string]any)["data"].([]any)) != n+1 {
			t.Errorf("frame %d: %d panels, want 2 with %d output cells", n, len(series), n+1)
		}
		// The max of the window is outlined in green in x.
		for _, d := range series[0].(map[string]any)["data"].([]any) {
			item := d.(map[string]any)
			v := item["value"].([]any)
			col, row := int(v[0].(float64)), int(v[1].(float64))
			if green := item["itemStyle"].(map[string]any)["borderColor"] == mxCurrent; green != (row == steps[n].Row && col == steps[n].Col) {
				t.Errorf("frame %d: x[%d,%d] green %v; the max is x[%d,%d]", n, row, col, green, steps[n].Row, steps[n].Col)
			}
		}
	}
	checkPNG(t, c)

	dy := tensor.New([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3)
	g, err := MaxPoolGradientChart(x, dy, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	gsteps, _ := MaxPoolGradientSteps(x, dy, 2, 2)
	glabels := make([]string, len(gsteps))
	for i, s := range gsteps {
		glabels[i] = fmt.Sprintf("Δy[%d,%d] → x[%d,%d]", s.I, s.J, s.Row, s.Col)
	}
	gframes := timeline(t, g, glabels)
	if len(gframes[0]["series"].([]any)) != 3 {
		t.Errorf("gradient frames: want 3 panels (x, Δy, Δx)")
	}
	// Window (0,0) holds two 4s: the first in row order, x[0,1], gets the gradient (as scratch).
	if gsteps[0].Row != 0 || gsteps[0].Col != 1 {
		t.Errorf("tie: the gradient of window (0,0) goes to x[%d,%d], want x[0,1]", gsteps[0].Row, gsteps[0].Col)
	}
	checkPNG(t, g)
}

func TestMaxPoolErrors(t *testing.T) {
	x := poolExample()
	for _, c := range []struct {
		err  error
		want string
	}{
		{mxErr(MaxPoolSteps(nil, 2, 2)), "demo.MaxPoolSteps: x is nil"},
		{mxErr(MaxPoolSteps(tensor.Zeros(1, 6, 6, 3), 2, 2)), "x has shape [1 6 6 3]"},
		{mxErr(MaxPoolSteps(x, 0, 2)), "window size 0 and stride 2"},
		{mxErr(MaxPoolChart(x, 7, 1)), "demo.MaxPoolChart: the 7×7 window does not fit in the 6×6 input"},
		{mxErr(MaxPoolSteps(tensor.Zeros(30, 30), 2, 2)), "225 windows"},
		{mxErr(MaxPoolGradientSteps(x, tensor.Zeros(2, 2), 2, 2)), "dy is 2×2 but the 2×2 pooling (stride 2) of the 6×6 input has 3×3 windows"},
		{mxErr(MaxPoolGradientChart(x, tensor.New([]float64{math.Inf(1)}, 1, 1), 6, 1)), "dy[0,0] is +Inf"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", c.err, c.want)
		}
	}
}
