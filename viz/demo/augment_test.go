package demo

import (
	"math"
	"strings"
	"testing"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/tensor"
	"github.com/godl-course/godl/viz"
)

// digits returns the first n MNIST training images (n, 28, 28, 1), pixels in [0, 1].
func augDigits(t *testing.T, n int) *tensor.Tensor {
	t.Helper()
	train, _, err := datasets.MNIST()
	if err != nil {
		t.Skipf("MNIST is not available: %v", err)
	}
	return train.Take(n).Inputs()
}

// f32 is the tolerance of the transformations, computed in float32 as in training
// (datasets.Transform).
const f32 = 1e-6

func TestAugmentAmountZeroGivesTheOriginals(t *testing.T) {
	imgs := augDigits(t, 4)
	orig := imgs.Clone()
	for _, p := range []string{"shift", "vshift", "rotation", "brightness", "contrast"} {
		out, err := AugmentSteps(imgs, p, []float64{-0.5, 0, 3})
		if p == "shift" || p == "vshift" {
			out, err = AugmentSteps(imgs, p, []float64{-2, 0, 3})
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 3 {
			t.Fatalf("%s: %d results for 3 amounts", p, len(out))
		}
		if d := tensor.MaxAbsDiff(out[1], orig); d > 1e-12 {
			t.Errorf("%s by 0: differs from the originals by %g", p, d)
		}
		if d := tensor.MaxAbsDiff(out[2], orig); d == 0 {
			t.Errorf("%s by 3: unchanged images", p)
		}
		if !out[0].SameShape(orig) {
			t.Errorf("%s: shape %v, want %v", p, out[0].Shape, orig.Shape)
		}
	}
	if tensor.MaxAbsDiff(imgs, orig) != 0 {
		t.Error("AugmentSteps changed its input")
	}
}

// A 3×4 image shifted 2 right and 1 up, by hand.
func TestAugmentShiftByHand(t *testing.T) {
	x := tensor.New([]float64{
		0.1, 0.2, 0.3, 0.4,
		0.5, 0.6, 0.7, 0.8,
		0.9, 1.0, 0.0, 0.5,
	}, 1, 3, 4)
	right, err := AugmentSteps(x, "shift", []float64{2})
	if err != nil {
		t.Fatal(err)
	}
	up, err := AugmentSteps(x, "vshift", []float64{-1})
	if err != nil {
		t.Fatal(err)
	}
	wantRight := []float64{0, 0, 0.1, 0.2, 0, 0, 0.5, 0.6, 0, 0, 0.9, 1.0}
	wantUp := []float64{0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.0, 0.5, 0, 0, 0, 0}
	if tensor.MaxAbsDiff(right[0], tensor.New(wantRight, 1, 3, 4)) > f32 {
		t.Errorf("shift by 2:\n%v\nwant %v", right[0], wantRight)
	}
	if tensor.MaxAbsDiff(up[0], tensor.New(wantUp, 1, 3, 4)) > f32 {
		t.Errorf("vshift by −1:\n%v\nwant %v", up[0], wantUp)
	}
}

// Rotation by 90° on a square image is exact (the samples fall on pixels) and turns clockwise:
// the pixel above the centre goes to the right of it.
func TestAugmentRotation90IsClockwise(t *testing.T) {
	x := tensor.Zeros(1, 5, 5, 1)
	x.Set(1, 0, 0, 2, 0)   // top middle
	x.Set(0.5, 0, 2, 0, 0) // middle left
	out, err := AugmentSteps(x, "rotation", []float64{90})
	if err != nil {
		t.Fatal(err)
	}
	y := out[0]
	if !(math.Abs(y.At(0, 2, 4, 0)-1) < 1e-9 && math.Abs(y.At(0, 0, 2, 0)-0.5) < 1e-9 && math.Abs(y.Sum()-1.5) < 1e-9) {
		t.Errorf("rotation by 90°: top middle should go to the middle right, middle left to the top middle; got\n%v", y.Reshape(5, 5))
	}
}

func TestAugmentRotationBackAndForthIsCloseInTheCentre(t *testing.T) {
	imgs := augDigits(t, 6)
	for _, a := range []float64{15, 30} {
		there, err := AugmentSteps(imgs, "rotation", []float64{a})
		if err != nil {
			t.Fatal(err)
		}
		back, err := AugmentSteps(there[0], "rotation", []float64{-a})
		if err != nil {
			t.Fatal(err)
		}
		// Centre 14×14 of each 28×28 digit: bilinear interpolation, done twice, blurs a little.
		var diff, moved float64
		var n int
		for i := range 6 {
			for r := 7; r < 21; r++ {
				for c := 7; c < 21; c++ {
					diff += math.Abs(back[0].At(i, r, c, 0) - imgs.At(i, r, c, 0))
					moved += math.Abs(there[0].At(i, r, c, 0) - imgs.At(i, r, c, 0))
					n++
				}
			}
		}
		diff, moved = diff/float64(n), moved/float64(n)
		if diff > 0.1 || diff > moved/2 {
			t.Errorf("rotation by %g° then %g°: mean difference %.3f in the centre (rotated once: %.3f)", a, -a, diff, moved)
		}
	}
}

func TestAugmentBrightnessShiftsTheMean(t *testing.T) {
	// Pixels in [0.25, 0.75]: no clipping, the mean moves by exactly β.
	x := tensor.Zeros(2, 4, 4, 1)
	for i := range x.Data {
		x.Data[i] = 0.25 + 0.5*float64(i%7)/6
	}
	out, err := AugmentSteps(x, "brightness", []float64{-0.2, 0.1, 0.25})
	if err != nil {
		t.Fatal(err)
	}
	for k, b := range []float64{-0.2, 0.1, 0.25} {
		if d := out[k].Mean() - x.Mean(); math.Abs(d-b) > f32 {
			t.Errorf("brightness %g: the mean moved by %g", b, d)
		}
	}
	// On digits, pixels are clipped to [0, 1]: the mean is that of clip(x + β), computed here.
	imgs := augDigits(t, 3)
	out, err = AugmentSteps(imgs, "brightness", []float64{0.3})
	if err != nil {
		t.Fatal(err)
	}
	want := imgs.Map(func(v float64) float64 { return math.Min(v+0.3, 1) }).Mean()
	if math.Abs(out[0].Mean()-want) > f32 || out[0].Max() > 1 {
		t.Errorf("brightness 0.3 on digits: mean %g, want %g (clipped), max %g", out[0].Mean(), want, out[0].Max())
	}
}

func TestAugmentContrastKeepsTheMeanAndScalesTheSpread(t *testing.T) {
	x := tensor.New([]float64{0.3, 0.4, 0.5, 0.6, 0.7, 0.5}, 1, 2, 3)
	out, err := AugmentSteps(x, "contrast", []float64{0.5, -0.5})
	if err != nil {
		t.Fatal(err)
	}
	for k, f := range []float64{1.5, 0.5} {
		if math.Abs(out[k].Mean()-x.Mean()) > f32 || math.Abs(out[k].Std()-f*x.Std()) > f32 {
			t.Errorf("contrast ×%g: mean %g (want %g), std %g (want %g)", f, out[k].Mean(), x.Mean(), out[k].Std(), f*x.Std())
		}
	}
}

func TestAugmentChartFrames(t *testing.T) {
	imgs := augDigits(t, 5)
	values := []float64{-30, -15, 0, 15, 30}
	c, err := AugmentChart(imgs, "rotation", values, viz.AtFrame(2))
	if err != nil {
		t.Fatal(err)
	}
	frames := timeline(t, c, []string{"θ = -30°", "θ = -15°", "θ = 0°", "θ = 15°", "θ = 30°"})
	for i, f := range frames {
		g, _ := f["graphic"].([]any)
		img, _ := g[0].(map[string]any)["style"].(map[string]any)["image"].(string)
		if !strings.HasPrefix(img, "data:image/png;base64,") {
			t.Errorf("frame %d is not a picture: %v", i, f)
		}
	}
	checkPNG(t, c)
	if b, _ := c.Option(); len(b) > 2_000_000 {
		t.Errorf("the option is %d bytes", len(b))
	}
}

func TestAugmentErrors(t *testing.T) {
	imgs := tensor.Full(0.5, 2, 4, 4, 1)
	for _, c := range []struct {
		err  error
		want []string
	}{
		{optErrOf(AugmentSteps(imgs, "blur", []float64{1})), []string{`"blur"`, `"shift"`, `"vshift"`, `"rotation"`, `"brightness"`, `"contrast"`}},
		{optErrOf(AugmentSteps(imgs, "rotation", nil)), []string{"no amounts", `"rotation"`}},
		{optErrOf(AugmentSteps(imgs, "shift", []float64{1.5})), []string{"shift amount 1.5", "whole"}},
		{optErrOf(AugmentSteps(imgs, "contrast", []float64{-2})), []string{"contrast amount -2"}},
		{optErrOf(AugmentSteps(tensor.Zeros(4, 4), "shift", []float64{1})), []string{"[4 4]", "(N, H, W, C)"}},
		{optErrOf(AugmentSteps(nil, "shift", []float64{1})), []string{"nil"}},
		{optErrOf(AugmentSteps(tensor.Full(3, 1, 2, 2), "shift", []float64{1})), []string{"[0, 1]", "found 3", "Pixels"}},
		{optErrOf(AugmentChart(imgs, "brightness", []float64{0.1}, viz.AtFrame(3))), []string{"AtFrame(3)"}},
	} {
		if c.err == nil {
			t.Errorf("no error, want one mentioning %q", c.want)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(c.err.Error(), w) {
				t.Errorf("error %q does not mention %q", c.err, w)
			}
		}
	}
}
