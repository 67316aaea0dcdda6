package viz

import (
	"math"
	"strings"
	"testing"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/tensor"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

func TestGradientNormsOrderAndLogScale(t *testing.T) {
	norms := map[string]float64{"dense_10": 1e-6, "dense_2": 1e-2, "dense_1": 0.5, "conv2d_1": 1}
	c, err := GradientNormsChart(norms)
	if err != nil {
		t.Fatal(err)
	}
	opt := optionOf(t, c)
	names := opt["xAxis"].([]any)[0].(map[string]any)["data"].([]any)
	if got := []string{names[0].(string), names[1].(string), names[2].(string), names[3].(string)}; strings.Join(got, " ") != "conv2d_1 dense_1 dense_2 dense_10" {
		t.Errorf("order %v, want natural order", got)
	}
	if typ := opt["yAxis"].([]any)[0].(map[string]any)["type"]; typ != "log" {
		t.Errorf("norms spanning 6 decades: y axis %v, want log", typ)
	}
	vals := seriesOf(t, opt)[0]["data"].([]any)
	if v := vals[3].(map[string]any)["value"].(float64); v != 1e-6 {
		t.Errorf("dense_10 bar %v, want 1e-6", v)
	}
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	// On the log axis [1e-6, 1] every bar shows, the smallest one too.
	if n := countNear(decodePNG(t, b, c.Width, c.Height), mustHex(palette[0]), 10); n < 4*300 {
		t.Errorf("%d pixels of bar colour, want ≥ 1200", n)
	}
	c, _ = GradientNormsChart(map[string]float64{"a": 1, "b": 2})
	if typ := optionOf(t, c)["yAxis"].([]any)[0].(map[string]any)["type"]; typ != "value" {
		t.Errorf("norms 1 and 2: y axis %v, want linear", typ)
	}
	if _, err := GradientNormsChart(nil); err == nil || !strings.Contains(err.Error(), "GradientNorms") {
		t.Errorf("no norms: %v", err)
	}
	if _, err := BarsChart([]string{"a"}, []float64{1, 2}); err == nil {
		t.Error("mismatched bars gave no error")
	}
	if !naturalLess("layer9", "layer10") || naturalLess("b", "a") || !naturalLess("a", "ab") {
		t.Error("naturalLess")
	}
}

func TestLayerMaps(t *testing.T) {
	// conv: 1 example 2×2×3, channel c = constant c except pixel (0,0) = 10; dense output skipped.
	data := make([]float32, 12)
	for i := range 4 {
		for c := range 3 {
			data[i*3+c] = float32(c)
		}
	}
	data[0] = 10
	acts := []nn.Activation{
		{Layer: "conv2d_1", Value: tensor.FromFloat32(data, 1, 2, 2, 3)},
		{Layer: "dense_1", Value: tensor.New([]float64{1, 2}, 1, 2)},
	}
	c, err := LayerMapsChart(acts, 0, Cols(4))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, b, c.Width, c.Height)
	// Channel 0 normalized: one white pixel, three black; channels 1, 2 constant: black.
	black, white := countNear(img, mustHex("#000000"), 2), countNear(img, mustHex("#ffffff"), 0)
	if black < 3*3*100 || white < 100 {
		t.Errorf("%d black and %d white pixels", black, white)
	}
	if _, err := LayerMapsChart(acts, 3); err == nil || !strings.Contains(err.Error(), "example 3") {
		t.Errorf("bad example: %v", err)
	}
	if _, err := LayerMapsChart(acts[1:], 0); err == nil || !strings.Contains(err.Error(), "convolution") {
		t.Errorf("no conv activation: %v", err)
	}
}

func TestAugmentationsGrid(t *testing.T) {
	ds := tinyDataset()
	c, err := AugmentationsChart(ds, datasets.Augmentation{FlipH: true, Shift: 1}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "Data augmentation: flip, shift ±1 px" {
		t.Errorf("title %q", c.Title)
	}
	// 2 rows of 4 (original + 3): width 4·96, height 34 + 2·(96+16).
	if c.Width != 384 || c.Height != 34+2*(96+16) {
		t.Errorf("size %dx%d, want 384x258", c.Width, c.Height)
	}
	if b, err := c.PNG(); err != nil || nonWhite(decodePNG(t, b, c.Width, c.Height)) < 1000 {
		t.Errorf("PNG: %v", err)
	}
	if _, err := AugmentationsChart(ds, datasets.Augmentation{}, 2, 0); err == nil {
		t.Error("k = 0 gave no error")
	}
}

func TestSummaryInNotebook(t *testing.T) {
	read := captureNotebook(t)
	read()
	m := nn.Sequential(nn.Flatten(), nn.Dense(4))
	if err := Summary(m); err == nil || !strings.Contains(err.Error(), "not built") {
		t.Errorf("unbuilt model: %v", err)
	}
	if err := m.Build(3, 3, 1); err != nil {
		t.Fatal(err)
	}
	if err := Summary(m); err != nil {
		t.Fatal(err)
	}
	msgs := read()
	if len(msgs) != 2 {
		t.Fatalf("%d outputs, want 2", len(msgs))
	}
	html, _ := msgs[1].Data[protocol.MIMETextHTML].(string)
	text, _ := msgs[1].Data[protocol.MIMETextPlain].(string)
	// Dense(4) on 9 inputs: 9·4 + 4 = 40 parameters.
	if !strings.Contains(html, "<table") || !strings.Contains(html, "Total parameters: 40") || !strings.Contains(text, "Total parameters:         40") {
		t.Errorf("summary output:\n%s\n%s", html, text)
	}
	if err := Summary(nil); err == nil {
		t.Error("nil model gave no error")
	}
	_ = math.Pi
}
