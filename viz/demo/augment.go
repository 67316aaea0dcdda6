package demo

import (
	"fmt"
	"math"
	"slices"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/tensor"
	"github.com/godl-course/godl/viz"
)

// The augmentation demo applies ONE transformation of datasets.Augmentation, with a fixed amount
// instead of a random draw (datasets.Transform), to the same few images, one frame per amount. Its formulas are those
// of datasets.Augmentation (datasets/augment.go), for an image x of H×W×C pixels in [0, 1]:
//
//	shift:      y(i, j) = x(i, j − d)                  (d pixels to the right; 0 coming in)
//	vshift:     y(i, j) = x(i − d, j)                  (d pixels down)
//	rotation:   y(p) = x(c + R(−θ)(p − c))             (θ degrees around the centre c, bilinear,
//	                                                    0 outside; θ > 0 turns clockwise on screen)
//	brightness: y = clip(x + β)
//	contrast:   y = clip((x − m)·(1 + a) + m)          (m the image's mean; a = 0.3: 30% more contrast)
//
// with clip(v) = min(max(v, 0), 1). At amount 0 every transformation gives the image back.

// augmentParams are the transformations of the demo, with what the amount means.
var augmentParams = params{
	{"shift", "pixels to the right (negative: left), whole numbers"},
	{"vshift", "pixels down (negative: up), whole numbers"},
	{"rotation", "degrees, clockwise"},
	{"brightness", "β added to every pixel"},
	{"contrast", "a, the relative change of contrast: (x − m)·(1 + a) + m"},
}

// augmentLabel names the frame of amount v.
func augmentLabel(param string, v float64) string {
	switch param {
	case "shift":
		return fmt.Sprintf("dx = %g px", v)
	case "vshift":
		return fmt.Sprintf("dy = %g px", v)
	case "rotation":
		return fmt.Sprintf("θ = %g°", v)
	case "brightness":
		return fmt.Sprintf("β = %+g", v)
	}
	return fmt.Sprintf("α = %g", 1+v)
}

// augmentTitle is the formula of the transformation, for the chart's title.
var augmentTitle = map[string]string{
	"shift":      "shift: y(i, j) = x(i, j − dx)",
	"vshift":     "vertical shift: y(i, j) = x(i − dy, j)",
	"rotation":   "rotation by θ around the centre (bilinear)",
	"brightness": "brightness: y = x + β (clipped to [0, 1])",
	"contrast":   "contrast: y = (x − m)·α + m, α = 1 + a (clipped to [0, 1])",
}

// imageBatch checks a batch of images (N, H, W, C) or (N, H, W) with pixels in [0, 1] and
// returns its sizes.
func augBatch(images *tensor.Tensor) (n, h, w, c int, err error) {
	if images == nil || (images.Rank() != 3 && images.Rank() != 4) || images.Len() == 0 || slices.Contains(images.Shape, 0) {
		shape := "nil"
		if images != nil {
			shape = fmt.Sprint(images.Shape)
		}
		return 0, 0, 0, 0, fmt.Errorf("demo: images must be a batch (N, H, W, C) or (N, H, W), got %s; from a data set: d.Take(6).Inputs() (or d.Pixels(6).Inputs() when it is normalized)", shape)
	}
	n, h, w, c = images.Shape[0], images.Shape[1], images.Shape[2], 1
	if images.Rank() == 4 {
		c = images.Shape[3]
	}
	for _, v := range images.Data {
		if !(v >= 0 && v <= 1) {
			return 0, 0, 0, 0, fmt.Errorf("demo: images must hold pixels in [0, 1], found %g; for a normalized data set pass d.Pixels(n).Inputs()", v)
		}
	}
	return n, h, w, c, nil
}

// AugmentSteps returns the images transformed by each amount of param: out[k] has the shape of
// images, (N, H, W, C) or (N, H, W) with pixels in [0, 1], transformed by values[k]. param is
// "shift", "vshift", "rotation", "brightness" or "contrast" (see Augment). images is not changed.
func AugmentSteps(images *tensor.Tensor, param string, values []float64) ([]*tensor.Tensor, error) {
	n, h, w, c, err := augBatch(images)
	if err != nil {
		return nil, err
	}
	if !augmentParams.has(param) {
		return nil, fmt.Errorf("demo: unknown augmentation %q; use one of %s", param, augmentParams)
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("demo: no amounts of %q given; give one per frame, e.g. []float64{-30, -15, 0, 15, 30}", param)
	}
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("demo: %s amount %g: give finite numbers", param, v)
		}
		if (param == "shift" || param == "vshift") && v != math.Trunc(v) {
			return nil, fmt.Errorf("demo: %s amount %g: shifts are whole numbers of pixels (e.g. -2, 0, 2)", param, v)
		}
		if param == "contrast" && v < -1 {
			return nil, fmt.Errorf("demo: contrast amount %g: a ≥ −1 (a = −1 makes every image flat grey; 0 keeps it)", v)
		}
	}
	size := h * w * c
	out := make([]*tensor.Tensor, len(values))
	img := make([]float32, size)
	for k, v := range values {
		var t datasets.Transform
		switch param {
		case "shift":
			t.DX = int(v)
		case "vshift":
			t.DY = int(v)
		case "rotation":
			t.Rotate = v
		case "brightness":
			t.Brightness = v
		case "contrast":
			t.Contrast = v
		}
		y := images.Clone()
		if t == (datasets.Transform{}) {
			out[k] = y // amount 0: the images themselves
			continue
		}
		for i := range n {
			px := y.Data[i*size : (i+1)*size]
			for p, x := range px {
				img[p] = float32(x)
			}
			t.Apply(img, h, w, c)
			for p, x := range img {
				px[p] = float64(x)
			}
		}
		out[k] = y
	}
	return out, nil
}

// AugmentChart builds the frames of Augment: in each frame the original images (top row) and
// the same images transformed by one amount (bottom row), the frame named by the amount.
// options go to the frames and to viz.FramesChart (viz.Title, viz.AtFrame, viz.PlayMillis, ...).
func AugmentChart(images *tensor.Tensor, param string, values []float64, options ...viz.Option) (*viz.Chart, error) {
	steps, err := AugmentSteps(images, param, values)
	if err != nil {
		return nil, err
	}
	n := images.Shape[0]
	frames := make([]*viz.Chart, len(values))
	labels := make([]string, len(values))
	for k, v := range values {
		labels[k] = augmentLabel(param, v)
		both := tensor.Stack(append(augImages(images), augImages(steps[k])...)...)
		captions := make([]string, 2*n)
		for i := range n {
			captions[i], captions[n+i] = "original", labels[k]
		}
		opts := append([]viz.Option{viz.Cols(n), viz.Title("Augmentation, " + augmentTitle[param])}, options...)
		f, err := viz.ImagesChart(both, captions, opts...)
		if err != nil {
			return nil, fmt.Errorf("demo: frame %d (%s): %w", k, labels[k], err)
		}
		frames[k] = f
	}
	return viz.FramesChart(frames, labels, options...)
}

// batchImages returns the images of a batch (shared data).
func augImages(t *tensor.Tensor) []*tensor.Tensor {
	out := make([]*tensor.Tensor, t.Shape[0])
	for i := range out {
		out[i] = t.Sub(i)
	}
	return out
}

// Augment shows the same images transformed by each amount of one augmentation, one frame per
// amount (the original images stay above for comparison):
//
//	train, _ := nb.Must2(datasets.MNIST())
//	demo.Augment(train.Take(6).Inputs(), "rotation", []float64{-30, -15, 0, 15, 30}) // 6 digits (6, 28, 28, 1)
//
// param is "shift" (dx pixels right), "vshift" (dy pixels down), "rotation" (θ degrees,
// clockwise), "brightness" (β added) or "contrast" (a: (x − m)(1 + a) + m); the formulas are those
// of datasets.Augmentation, with the amount given instead of drawn at random. images: (N, H, W, C)
// or (N, H, W), pixels in [0, 1].
func Augment(images *tensor.Tensor, param string, values []float64, options ...viz.Option) (viz.Files, error) {
	return show(AugmentChart(images, param, values, options...))
}
