package viz

import (
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/tensor"
)

func TestScatter(t *testing.T) {
	pts := tensor.New([]float64{0, 0, 1, 1, 2, 0, math.NaN(), 1}, 4, 2)
	c, err := ScatterChart(pts, []int{0, 1, 1, 0}, Classes("a", "b"), XLabel("z₁"), YLabel("z₂"))
	if err != nil {
		t.Fatal(err)
	}
	opt := optionOf(t, c)
	series := seriesOf(t, opt)
	if len(series) != 2 || series[0]["name"] != "a" || series[1]["name"] != "b" {
		t.Fatalf("series %v", series)
	}
	if n := len(series[0]["data"].([]any)); n != 1 {
		t.Errorf("class a has %d drawn points, want 1 (the NaN point is left out)", n)
	}
	if n := len(series[1]["data"].([]any)); n != 2 {
		t.Errorf("class b has %d points, want 2", n)
	}
	if name := opt["xAxis"].([]any)[0].(map[string]any)["name"]; name != "z₁" {
		t.Errorf("x axis name %v", name)
	}
	if _, err := c.PNG(); err != nil {
		t.Fatal(err)
	}
	if _, err := ScatterChart(tensor.Zeros(3, 3), nil); err == nil || !strings.Contains(err.Error(), "(N, 2)") {
		t.Errorf("3 columns: %v", err)
	}
	if _, err := ScatterChart(pts, []int{0}); err == nil || !strings.Contains(err.Error(), "1 labels for 4 points") {
		t.Errorf("labels: %v", err)
	}
}

// Images of a batch tensor, and Rescale for values outside [0, 1].
func TestImagesOfABatch(t *testing.T) {
	batch := tensor.Zeros(2, 4, 4, 1)
	for i := range 16 {
		batch.Data[16+i] = 7 // second image: constant 7
	}
	c, err := ImagesChart(batch, []string{"zeros", "sevens"}, Size(200, 120))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.PNG()
	img := decodePNG(t, b, 200, 120)
	if n := countNear(img, color.NRGBA{255, 255, 255, 255}, 0); n < 200 {
		t.Errorf("7 should show as white (clamped): %d white pixels", n)
	}
	if _, err := ImagesChart(tensor.Zeros(4, 4), nil); err == nil || !strings.Contains(err.Error(), "(N, H, W, C)") {
		t.Errorf("one image without batch axis: %v", err)
	}
	if _, err := ImagesChart(batch, nil, Rescale()); err != nil {
		t.Error(err)
	}
}

// A normalized data set is shown as its original pictures, not as clamped standardized values.
func TestSamplesUndoNormalization(t *testing.T) {
	d := &datasets.Dataset{Name: "two", Shape: []int{2, 2, 1}, Labels: []int{0, 1}, Classes: []string{"dark", "light"},
		X: []float32{0.2, 0.2, 0.2, 0.2, 0.6, 0.6, 0.6, 0.6}}
	if _, err := datasets.Normalize(d); err != nil {
		t.Fatal(err)
	}
	tiles, err := datasetTiles(d, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []uint8{51, 153} { // 0.2 and 0.6 in 8 bits
		got := color.NRGBAModel.Convert(tiles[i].img.At(0, 0)).(color.NRGBA)
		if got.R != want {
			t.Errorf("image %d shows grey %d, want %d (the original pixel)", i, got.R, want)
		}
	}
}

func TestSeriesOfHistory(t *testing.T) {
	h := &nn.History{Epochs: []nn.Record{
		{Epoch: 1, Loss: 1, ValLoss: 2, ValMetrics: map[string]float64{"accuracy": 0.5}},
		{Epoch: 2, Loss: 0.5, ValLoss: math.NaN(), Metrics: map[string]float64{"iou": 0.7}},
	}}
	s := SeriesOf("run", h, "val_accuracy")
	if s.Name != "run" || len(s.X) != 1 || s.X[0] != 1 || s.Y[0] != 0.5 {
		t.Errorf("val_accuracy series %+v", s)
	}
	if x, y := h.Values("val_loss"); len(x) != 1 || y[0] != 2 {
		t.Errorf("val_loss: epochs without validation are left out: %v %v", x, y)
	}
	if x, y := h.Values("loss"); len(x) != 2 || y[1] != 0.5 {
		t.Errorf("loss %v %v", x, y)
	}
	if _, y := h.Values("iou"); len(y) != 1 || y[0] != 0.7 {
		t.Errorf("iou %v", y)
	}
}
