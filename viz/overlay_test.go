package viz

import (
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/tensor"
)

// halfMask is one 8×8 grey image (0.5) with the left half as its mask.
func halfMask() *datasets.Dataset {
	ds := &datasets.Dataset{Name: "halves", Shape: []int{8, 8, 1}, TargetShape: []int{8, 8, 1}}
	for y := range 8 {
		for x := range 8 {
			ds.X = append(ds.X, 0.5)
			m := float32(0)
			if x < 4 {
				m = 1
			}
			ds.Targets = append(ds.Targets, m)
			_ = y
		}
	}
	return ds
}

func TestSegmentationOverlay(t *testing.T) {
	ds := halfMask()
	// Prediction: the left 6 columns (probability 0.9), so 32 true positives, 16 false positives,
	// no false negative: IoU = 32/48.
	pred := make([]float32, 64)
	for i := range pred {
		if i%8 < 6 {
			pred[i] = 0.9
		} else {
			pred[i] = 0.1
		}
	}
	c, err := SegmentationChart(ds, tensor.FromFloat32(pred, 1, 8, 8, 1), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Title, "mean IoU 0.667") {
		t.Errorf("title %q, want mean IoU 0.667", c.Title)
	}
	if c.option != nil {
		t.Error("a segmentation overlay is a picture only")
	}
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, b, c.Width, c.Height)
	grey := color.NRGBA{128, 128, 128, 255}
	green, red := blend(grey, maskColor, overlayAlfa), blend(grey, falsePos, overlayAlfa)
	nGreen, nRed, nYellow := countNear(img, green, 3), countNear(img, red, 3), countNear(img, blend(grey, falseNeg, overlayAlfa), 3)
	// Tiles: truth (32 green pixels) and prediction (32 green, 16 red), each upscaled alike.
	if nGreen == 0 || nRed == 0 || nYellow != 0 {
		t.Fatalf("green %d, red %d, yellow %d pixels; want green and red, no yellow", nGreen, nRed, nYellow)
	}
	if r := float64(nRed) / float64(nGreen); math.Abs(r-16.0/64) > 0.03 {
		t.Errorf("red/green pixel ratio %.3f, want 16/64 (16 false positives, 32+32 green)", r)
	}

	// A prediction missing the left column: 8 false negatives in yellow, IoU 24/32.
	for i := range pred {
		pred[i] = 0
		if x := i % 8; x >= 1 && x < 4 {
			pred[i] = 1
		}
	}
	c, _ = SegmentationChart(ds, tensor.FromFloat32(pred, 1, 8, 8), 1)
	if !strings.Contains(c.Title, "mean IoU 0.750") {
		t.Errorf("title %q, want mean IoU 0.750", c.Title)
	}
	b, _ = c.PNG()
	if n := countNear(decodePNG(t, b, c.Width, c.Height), blend(grey, falseNeg, overlayAlfa), 3); n == 0 {
		t.Error("missed pixels are not yellow")
	}

	if _, err := SegmentationChart(ds, tensor.FromFloat32(pred[:10]), 1); err == nil || !strings.Contains(err.Error(), "10 predicted values") {
		t.Errorf("short prediction: %v", err)
	}
	if _, err := SegmentationChart(tinyDataset(), nil, 1); err == nil || !strings.Contains(err.Error(), "Targets") {
		t.Errorf("no masks: %v", err)
	}
	if c, err := SegmentationChart(ds, nil, 1); err != nil || c.Title != "halves: image and mask" {
		t.Errorf("without prediction: %v %v", c, err)
	}
}

func TestBeforeAfterPSNR(t *testing.T) {
	// Input 0.5 everywhere, truth 0.4: MSE 0.01, PSNR 20 dB; output 0.41: MSE 10⁻⁴, 40 dB.
	ds := &datasets.Dataset{Name: "haze", Shape: []int{4, 4, 3}, TargetShape: []int{4, 4, 3}}
	out := make([]float32, 48)
	for i := range 48 {
		ds.X = append(ds.X, 0.5)
		ds.Targets = append(ds.Targets, 0.4)
		out[i] = 0.41
	}
	c, err := BeforeAfterChart(ds, tensor.FromFloat32(out, 1, 4, 4, 3), 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "Before / after: mean PSNR 20.0 dB → 40.0 dB" {
		t.Errorf("title %q", c.Title)
	}
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, b, c.Width, c.Height)
	for _, v := range []uint8{128, 102, 105} { // 0.5, 0.4, 0.41 in 8 bits
		if n := countNear(img, color.NRGBA{v, v, v, 255}, 0); n < 1000 {
			t.Errorf("%d pixels of grey %d, want one whole tile (≥ 1000)", n, v)
		}
	}
	c, err = BeforeAfterChart(ds, nil, 1)
	if err != nil || c.Title != "haze: input and ground truth, mean PSNR 20.0 dB" {
		t.Errorf("without outputs: %q %v", c.Title, err)
	}
	if _, err := BeforeAfterChart(ds, tensor.FromFloat32(out[:5]), 1); err == nil || !strings.Contains(err.Error(), "5 output values") {
		t.Errorf("short outputs: %v", err)
	}
	ds.TargetShape = []int{2, 2, 3}
	if _, err := BeforeAfterChart(ds, nil, 1); err == nil || !strings.Contains(err.Error(), "same shape") {
		t.Errorf("different shapes: %v", err)
	}
}
