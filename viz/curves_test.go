package viz

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/godl-course/godl/nn"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// history builds a 2-epoch, 3-steps-per-epoch history with hand-picked values.
func history(withVal bool) *nn.History {
	h := &nn.History{}
	losses := []float64{2.0, 1.0, 0.5, 0.4, 0.2, 0.1}
	accs := []float64{0.1, 0.3, 0.5, 0.6, 0.8, 0.9}
	for i, l := range losses {
		h.Steps = append(h.Steps, nn.Record{Epoch: i/3 + 1, Step: i + 1, Loss: l,
			Metrics: map[string]float64{"accuracy": accs[i]}, ValLoss: math.NaN()})
	}
	for e := range 2 {
		r := nn.Record{Epoch: e + 1, Step: 3 * (e + 1), Loss: (losses[3*e] + losses[3*e+1] + losses[3*e+2]) / 3,
			Metrics: map[string]float64{"accuracy": (accs[3*e] + accs[3*e+1] + accs[3*e+2]) / 3}, ValLoss: math.NaN()}
		if withVal {
			r.ValLoss = []float64{1.5, 0.6}[e]
			r.ValMetrics = map[string]float64{"accuracy": []float64{0.25, 0.7}[e]}
		}
		h.Epochs = append(h.Epochs, r)
	}
	return h
}

func TestCurvesOption(t *testing.T) {
	c, err := CurvesChart(history(true))
	if err != nil {
		t.Fatal(err)
	}
	if c.Width != 900 || c.Height != 380 {
		t.Errorf("size %dx%d, want 900x380 (two panels)", c.Width, c.Height)
	}
	opt := optionOf(t, c)
	series := seriesOf(t, opt)
	if len(series) != 6 {
		t.Fatalf("want 6 series (loss, accuracy) × (step, epoch, validation), got %d", len(series))
	}
	type want struct {
		name string
		axis float64
		pts  [][2]float64
		dash bool
	}
	wants := []want{
		{"train (step)", 0, [][2]float64{{1, 2}, {2, 1}, {3, 0.5}, {4, 0.4}, {5, 0.2}, {6, 0.1}}, false},
		{"train", 0, [][2]float64{{3, 3.5 / 3}, {6, 0.7 / 3}}, false},
		{"validation", 0, [][2]float64{{3, 1.5}, {6, 0.6}}, true},
		{"train (step)", 1, [][2]float64{{1, 0.1}, {2, 0.3}, {3, 0.5}, {4, 0.6}, {5, 0.8}, {6, 0.9}}, false},
		{"train", 1, [][2]float64{{3, 0.3}, {6, 2.3 / 3}}, false},
		{"validation", 1, [][2]float64{{3, 0.25}, {6, 0.7}}, true},
	}
	for i, w := range wants {
		s := series[i]
		idx, _ := s["xAxisIndex"].(float64) // 0 is left out of the JSON
		if s["name"] != w.name || idx != w.axis {
			t.Errorf("series %d: %v on axes %v, want %s on %v", i, s["name"], idx, w.name, w.axis)
		}
		pts := pointsOf(t, s)
		if len(pts) != len(w.pts) {
			t.Fatalf("series %d (%s): %v, want %v", i, w.name, pts, w.pts)
		}
		for k := range pts {
			if math.Abs(pts[k][0]-w.pts[k][0]) > 1e-12 || math.Abs(pts[k][1]-w.pts[k][1]) > 1e-12 {
				t.Errorf("series %d (%s) point %d: %v, want %v", i, w.name, k, pts[k], w.pts[k])
			}
		}
		ls := s["lineStyle"].(map[string]any)
		if (ls["type"] == "dashed") != w.dash {
			t.Errorf("series %d (%s): line type %v", i, w.name, ls["type"])
		}
		wantColor := trainColor
		if w.name == "validation" {
			wantColor = valColor
		}
		if ls["color"] != wantColor {
			t.Errorf("series %d (%s): colour %v, want %s", i, w.name, ls["color"], wantColor)
		}
	}
	titles := opt["title"].([]any)
	if len(titles) != 3 || titles[1].(map[string]any)["text"] != "loss" || titles[2].(map[string]any)["text"] != "accuracy" {
		t.Errorf("titles %v, want chart, loss, accuracy", titles)
	}

	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, b, 900, 380)
	if n := countNear(img, mustHex(trainColor), 40); n < 200 {
		t.Errorf("%d training-colour pixels, want ≥ 200", n)
	}
	if n := countNear(img, mustHex(valColor), 40); n < 100 {
		t.Errorf("%d validation-colour pixels, want ≥ 100", n)
	}
}

func TestCurvesOptions(t *testing.T) {
	h := history(false)
	c, err := CurvesChart(h, PerEpoch(), LogY(), Title("run 1"))
	if err != nil {
		t.Fatal(err)
	}
	opt := optionOf(t, c)
	series := seriesOf(t, opt)
	if len(series) != 2 { // train loss, train accuracy: no validation data, no steps
		t.Fatalf("want 2 series, got %d", len(series))
	}
	if pts := pointsOf(t, series[0]); pts[0][0] != 1 || pts[1][0] != 2 {
		t.Errorf("per-epoch x values %v, want epochs 1 and 2", pts)
	}
	yAxes := opt["yAxis"].([]any)
	if yAxes[0].(map[string]any)["type"] != "log" || yAxes[1].(map[string]any)["type"] != "value" {
		t.Errorf("LogY must apply to the loss axis only: %v", yAxes)
	}
	if opt["xAxis"].([]any)[0].(map[string]any)["name"] != "epoch" {
		t.Error("x axis is not named epoch")
	}

	c, err = CurvesChart(h, PerStep())
	if err != nil {
		t.Fatal(err)
	}
	series = seriesOf(t, optionOf(t, c))
	if len(series) != 2 || series[0]["name"] != "train" || len(pointsOf(t, series[0])) != 6 {
		t.Errorf("PerStep: %d series", len(series))
	}

	// Bad input names the fix.
	if _, err := CurvesChart(nil); err == nil || !strings.Contains(err.Error(), "nn.Fit") {
		t.Errorf("nil history: %v", err)
	}
	if _, err := CurvesChart(&nn.History{}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty history: %v", err)
	}
	// NaN losses (a diverged run) are left out, not sent as invalid JSON.
	h.Steps[2].Loss = math.NaN()
	if c, err = CurvesChart(h, PerStep()); err != nil {
		t.Fatal(err)
	}
	if n := len(pointsOf(t, seriesOf(t, optionOf(t, c))[0])); n != 5 {
		t.Errorf("%d points, want 5 (NaN left out)", n)
	}
}

func TestLiveCurvesUpdatesInPlace(t *testing.T) {
	fakeEcharts(t)
	read := captureNotebook(t)
	read()

	live := LiveCurves(EveryMillis(1))
	var cb nn.Callback = live // implements the nn contract
	full := history(true)
	h := &nn.History{}
	if err := cb.OnEvent(nn.TrainBegin, h); err != nil {
		t.Fatal(err)
	}
	for i, r := range full.Steps {
		h.Steps = append(h.Steps, r)
		if err := cb.OnEvent(nn.StepEnd, h); err != nil {
			t.Fatal(err)
		}
		if i%3 == 2 {
			h.Epochs = append(h.Epochs, full.Epochs[i/3])
			if err := cb.OnEvent(nn.EpochEnd, h); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := cb.OnEvent(nn.TrainEnd, h); err != nil {
		t.Fatal(err)
	}
	msgs := read()
	// The library, then at least one update per epoch plus the final one, all on one display id.
	if len(msgs) < 4 || !strings.Contains(unpackLoader(t, msgs[0].Data[protocol.MIMETextHTML].(string)), "echarts padding") {
		t.Fatalf("got %d outputs", len(msgs))
	}
	id := msgs[1].DisplayID
	if id == "" {
		t.Fatal("live chart has no display id")
	}
	for _, m := range msgs[1:] {
		if m.DisplayID != id {
			t.Fatalf("display ids %q and %q: the chart is not updated in place", id, m.DisplayID)
		}
	}
	last := msgs[len(msgs)-1]
	html := last.Data[protocol.MIMETextHTML].(string)
	if strings.Contains(html, `"animation":false`) {
		t.Error("the final chart should animate like any chart (live updates do not)")
	}
	if !strings.Contains(msgs[2].Data[protocol.MIMETextHTML].(string), `"animation":false`) {
		t.Error("live updates must turn the animation off")
	}
	// The final chart has every point: 6 steps, 2 epochs.
	if !strings.Contains(html, `[6,0.1]`) || !strings.Contains(html, `[6,0.6]`) {
		t.Error("final chart lacks the last step or the last validation loss")
	}
	decodePNG(t, last.Data[protocol.MIMEImagePNG].([]byte), 900, 380)
}

func TestLiveCurvesOutsideNotebookWritesFiles(t *testing.T) {
	fakeEcharts(t)
	t.Setenv(ChartsDirEnv, t.TempDir())
	live := LiveCurves()
	h := history(true)
	for _, e := range []nn.Event{nn.TrainBegin, nn.StepEnd, nn.EpochEnd} {
		if err := live.OnEvent(e, h); err != nil {
			t.Fatal(err)
		}
	}
	if live.Files.PNG != "" {
		t.Error("files written before the end of training")
	}
	if err := live.OnEvent(nn.TrainEnd, h); err != nil {
		t.Fatal(err)
	}
	if live.Files.PNG == "" || live.Files.HTML == "" {
		t.Errorf("files %+v", live.Files)
	}
}

// The curves of a model Memo reloaded say so in their title, and LiveCurves draws them once
// on the Reloaded event (the cell then shows how the model was trained).
func TestReloadedCurves(t *testing.T) {
	fakeEcharts(t)
	t.Setenv(ChartsDirEnv, t.TempDir())
	h := history(true)
	h.Epochs[1].Elapsed = 72 * time.Second
	h.SavedAt = time.Date(2026, 12, 1, 9, 30, 0, 0, time.Local)
	c, err := CurvesChart(h)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Training curves (reloaded: saved 2026-12-01 09:30, 1m12s of training)"; c.Title != want {
		t.Errorf("title %q, want %q", c.Title, want)
	}
	live := LiveCurves()
	if err := live.OnEvent(nn.Reloaded, h); err != nil {
		t.Fatal(err)
	}
	if live.Files.PNG == "" {
		t.Error("no curves drawn for a reloaded model")
	}
	fresh, err := CurvesChart(history(true))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(fresh.Title, "reloaded") {
		t.Errorf("a fresh training's title: %q", fresh.Title)
	}
}
