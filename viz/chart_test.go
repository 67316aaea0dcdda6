package viz

import (
	"encoding/base64"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/godl-course/godl/viz/assets"
)

func TestFuncChartOptionAndPNG(t *testing.T) {
	c, err := FuncChart(math.Sin, 0, math.Pi, Size(400, 300), Title("sine"))
	if err != nil {
		t.Fatal(err)
	}
	opt := optionOf(t, c)
	series := seriesOf(t, opt)
	if len(series) != 1 || series[0]["type"] != "line" {
		t.Fatalf("want one line series, got %v", series)
	}
	pts := pointsOf(t, series[0])
	if len(pts) != 400 {
		t.Fatalf("got %d samples, want 400", len(pts))
	}
	if pts[0] != [2]float64{0, 0} || math.Abs(pts[399][0]-math.Pi) > 1e-12 || math.Abs(pts[399][1]) > 1e-12 {
		t.Errorf("end points %v %v, want (0,0) and (π,0)", pts[0], pts[399])
	}
	// Sample 200 is at x = π·200/399, where sin is sin(200π/399).
	if want := math.Sin(math.Pi * 200 / 399); math.Abs(pts[200][1]-want) > 1e-12 {
		t.Errorf("sample 200 = %v, want y=%v", pts[200], want)
	}
	if title := opt["title"].([]any)[0].(map[string]any)["text"]; title != "sine" {
		t.Errorf("title %v, want sine", title)
	}

	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, b, 400, 300)
	if n := nonWhite(img); n < 2000 {
		t.Errorf("PNG has only %d non-white pixels", n)
	}
	// The curve is drawn in the first palette colour, like the live chart's series.
	if got := series[0]["lineStyle"].(map[string]any)["color"]; got != palette[0] {
		t.Errorf("live series colour %v, want %s", got, palette[0])
	}
	if n := countNear(img, mustHex(palette[0]), 40); n < 300 {
		t.Errorf("PNG has %d pixels of the curve colour %s, want ≥ 300", n, palette[0])
	}
}

func TestLinesLogAndBadInput(t *testing.T) {
	s := Series{Name: "decay", X: []float64{0, 1, 2, 3}, Y: []float64{1, 0.1, 0, math.NaN()}}
	c, err := LinesChart([]Series{s}, LogY())
	if err != nil {
		t.Fatal(err)
	}
	opt := optionOf(t, c)
	if typ := opt["yAxis"].([]any)[0].(map[string]any)["type"]; typ != "log" {
		t.Errorf("y axis type %v, want log", typ)
	}
	// 0 cannot be drawn on a log axis, NaN nowhere: two points remain.
	if pts := pointsOf(t, seriesOf(t, opt)[0]); len(pts) != 2 || pts[1] != [2]float64{1, 0.1} {
		t.Errorf("points %v, want (0,1) and (1,0.1)", pts)
	}
	if _, err := c.PNG(); err != nil {
		t.Fatal(err)
	}

	_, err = LinesChart([]Series{{Name: "bad", X: []float64{1, 2}, Y: []float64{1}}})
	if err == nil || !strings.Contains(err.Error(), `"bad"`) || !strings.Contains(err.Error(), "2 x values and 1 y values") {
		t.Errorf("mismatched series: error %v", err)
	}
	_, err = LinesChart([]Series{{Name: "c", X: []float64{1}, Y: []float64{1}, Color: "red"}})
	if err == nil || !strings.Contains(err.Error(), "#rrggbb") {
		t.Errorf("bad colour: error %v", err)
	}
	if _, err = FuncChart(math.Sin, 1, 1); err == nil || !strings.Contains(err.Error(), "from < to") {
		t.Errorf("empty range: error %v", err)
	}
	if _, err = ScheduleChart(func(int) float64 { return 1 }, 1); err == nil {
		t.Error("a one-step schedule gave no error")
	}
	if _, err := (&Chart{Title: "x", Width: 0, Height: 10, paint: nil}).PNG(); err == nil || !strings.Contains(err.Error(), "viz.Size") {
		t.Errorf("zero size: error %v", err)
	}
}

func TestFuncsDerivative(t *testing.T) {
	sigmoid := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	c, err := FuncsChart(map[string]func(float64) float64{"tanh": math.Tanh, "sigmoid": sigmoid}, -4, 4)
	if err != nil {
		t.Fatal(err)
	}
	series := seriesOf(t, optionOf(t, c))
	if len(series) != 4 {
		t.Fatalf("want 4 series (2 functions, 2 derivatives), got %d", len(series))
	}
	// Sorted: sigmoid, tanh; then sigmoid′, tanh′ on the second axes.
	if series[2]["name"] != "sigmoid′" || series[2]["xAxisIndex"].(float64) != 1 {
		t.Fatalf("third series %v %v, want sigmoid′ on axes 1", series[2]["name"], series[2]["xAxisIndex"])
	}
	if series[0]["lineStyle"].(map[string]any)["color"] != series[2]["lineStyle"].(map[string]any)["color"] {
		t.Error("a function and its derivative have different colours")
	}
	if series[2]["lineStyle"].(map[string]any)["type"] != "dashed" {
		t.Error("derivative is not dashed")
	}
	// σ′ = σ(1−σ), tanh′ = 1 − tanh².
	for _, p := range pointsOf(t, series[2]) {
		s := sigmoid(p[0])
		if math.Abs(p[1]-s*(1-s)) > 1e-8 {
			t.Fatalf("sigmoid′(%g) = %g, want %g", p[0], p[1], s*(1-s))
		}
	}
	for _, p := range pointsOf(t, series[3]) {
		th := math.Tanh(p[0])
		if math.Abs(p[1]-(1-th*th)) > 1e-8 {
			t.Fatalf("tanh′(%g) = %g, want %g", p[0], p[1], 1-th*th)
		}
	}
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, b, 720, 400)
	for _, col := range palette[:2] {
		if n := countNear(img, mustHex(col), 40); n < 300 {
			t.Errorf("PNG has %d pixels of %s, want ≥ 300", n, col)
		}
	}
}

func TestScheduleValues(t *testing.T) {
	// Step decay: 0.1 halved every 10 steps.
	lr := func(step int) float64 { return 0.1 * math.Pow(0.5, float64(step/10)) }
	c, err := ScheduleChart(lr, 30)
	if err != nil {
		t.Fatal(err)
	}
	pts := pointsOf(t, seriesOf(t, optionOf(t, c))[0])
	if len(pts) != 30 || pts[9][1] != 0.1 || pts[10][1] != 0.05 || pts[29][1] != 0.025 {
		t.Errorf("schedule points %v", pts)
	}
}

func TestFragmentEmbedsPNGAndScript(t *testing.T) {
	c, err := FuncChart(math.Cos, -1, 1, Size(320, 200), Title(`a "quoted" <title>`))
	if err != nil {
		t.Fatal(err)
	}
	png, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	frag, err := c.fragment("godl-test", png)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"`).FindStringSubmatch(frag)
	if m == nil {
		t.Fatalf("no inline PNG in %.300s", frag)
	}
	got, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil || string(got) != string(png) {
		t.Fatalf("inline PNG differs from Chart.PNG (err %v)", err)
	}
	if !strings.Contains(frag, `data-godl-chart="godl-test"`) || !strings.Contains(frag, `var id = "godl-test", height = 200`) {
		t.Error("fragment lacks the chart element or its script")
	}
	if !strings.Contains(frag, "window.__godlEcharts") || strings.Contains(frag, "window.echarts") {
		t.Error("the chart script must use the private reference window.__godlEcharts only")
	}
	// The title is escaped in HTML and in the option (JSON with <, > escaped).
	if strings.Contains(frag, "<title>") {
		t.Error("title not escaped")
	}
	if strings.Count(frag, "<script>") != 1 || strings.Count(frag, "</script>") != 1 {
		t.Error("want exactly one script element")
	}
	if strings.Contains(frag, "http://") || strings.Contains(frag, "https://") {
		t.Error("fragment refers to the network")
	}
}

// TestEchartsPathAndLoader and TestLoaderWithRealEchartsInNode are in loader_test.go.

func TestSaveWritesPageAndPNG(t *testing.T) {
	fakeEcharts(t)
	dir := filepath.Join(t.TempDir(), "charts")
	c, err := FuncChart(math.Exp, 0, 1, Size(300, 200), Title("Exp / growth"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := c.Save(dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(files.PNG) != dir || !strings.HasPrefix(filepath.Base(files.PNG), "exp-growth-") || !strings.HasSuffix(files.HTML, ".html") {
		t.Errorf("files %+v", files)
	}
	b, err := os.ReadFile(files.PNG)
	if err != nil {
		t.Fatal(err)
	}
	decodePNG(t, b, 300, 200)
	page, err := os.ReadFile(files.HTML)
	if err != nil {
		t.Fatal(err)
	}
	p := string(page)
	if !strings.HasPrefix(p, "<!DOCTYPE html>") || !strings.Contains(unpackLoader(t, p), "echarts padding") ||
		strings.Index(p, "var packed = ") > strings.Index(p, "data-godl-chart=") {
		t.Error("the page must inline the library before the chart")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("want exactly the 2 files (no temporary leftovers), got %d", len(entries))
	}

	// Without the library the picture is still written, and the error says what to run.
	t.Setenv(assets.EchartsEnv, filepath.Join(dir, "nope.js"))
	files, err = c.Save(dir)
	if err == nil || !strings.Contains(err.Error(), "make setup") {
		t.Errorf("no library: error %v", err)
	}
	page, _ = os.ReadFile(files.HTML)
	if !strings.Contains(string(page), "data:image/png;base64,") {
		t.Error("without the library the page must still show the picture")
	}
}

func TestShowOutsideNotebook(t *testing.T) {
	fakeEcharts(t)
	dir := t.TempDir()
	t.Setenv(ChartsDirEnv, dir)
	files, err := Func(math.Sqrt, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{files.HTML, files.PNG} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 || filepath.Dir(p) != dir {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := Func(math.Sqrt, 4, 0); err == nil {
		t.Error("bad range gave no error")
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"Training curves": "training-curves", "  ": "chart", "Conv1 / filters (3×3)": "conv1-filters-3-3"} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
	_ = color.White
}
