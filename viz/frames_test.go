package viz

import (
	"encoding/json"
	"image"
	"strings"
	"testing"

	"github.com/godl-course/godl/tensor"
)

func framesOption(t *testing.T, c *Chart) (base map[string]any, frames []map[string]any) {
	t.Helper()
	b, err := c.Option()
	if err != nil {
		t.Fatal(err)
	}
	var whole struct {
		BaseOption map[string]any   `json:"baseOption"`
		Options    []map[string]any `json:"options"`
	}
	if err := json.Unmarshal(b, &whole); err != nil {
		t.Fatal(err)
	}
	return whole.BaseOption, whole.Options
}

func chartPNG(t *testing.T, c *Chart) image.Image {
	t.Helper()
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	return decodePNG(t, b, c.Width, c.Height)
}

// A frames chart is echarts' timeline: the labels, the chosen frame first, one option per
// frame with that frame's own data, and room for the timeline under every grid.
func TestFramesChartTimeline(t *testing.T) {
	var frames []*Chart
	for k := 1; k <= 3; k++ {
		series := []Series{{Name: "y = k x", X: []float64{0, 1, 2}, Y: []float64{0, float64(k), float64(2 * k)}}}
		if k == 1 { // the first frame has a second series that the others lack
			series = append(series, Series{Name: "extra", X: []float64{0, 1}, Y: []float64{5, 5}})
		}
		c, err := LinesChart(series, Title("slope"), Size(500, 300))
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, c)
	}
	labels := []string{"k=1", "k=2", "k=3"}
	c, err := FramesChart(frames, labels, AtFrame(-1), PlayMillis(500))
	if err != nil {
		t.Fatal(err)
	}
	if c.Width != 500 || c.Height != 300+timelineBand || c.Title != "slope" {
		t.Fatalf("chart %q %dx%d, want \"slope\" 500x%d", c.Title, c.Width, c.Height, 300+timelineBand)
	}
	base, opts := framesOption(t, c)
	tl, _ := base["timeline"].(map[string]any)
	if tl == nil {
		t.Fatalf("no timeline in baseOption: %v", base)
	}
	if got, _ := json.Marshal(tl["data"]); string(got) != `["k=1","k=2","k=3"]` {
		t.Errorf("timeline data %s", got)
	}
	if tl["currentIndex"] != 2.0 || tl["playInterval"] != 500.0 || tl["autoPlay"] != false {
		t.Errorf("timeline %v: want currentIndex 2 (AtFrame(-1)), playInterval 500, autoPlay false", tl)
	}
	if len(opts) != 3 {
		t.Fatalf("%d frame options, want 3", len(opts))
	}
	for k, o := range opts {
		series := o["series"].([]any)
		if len(series) != 2 {
			t.Fatalf("frame %d has %d series, want 2 (padded to the most)", k, len(series))
		}
		data := series[0].(map[string]any)["data"].([]any)
		last := data[len(data)-1].(map[string]any)["value"].([]any)
		if last[1] != float64(2*(k+1)) {
			t.Errorf("frame %d: last point %v, want y = %d", k, last, 2*(k+1))
		}
		if k > 0 {
			if d := series[1].(map[string]any)["data"].([]any); len(d) != 0 {
				t.Errorf("frame %d: padded series has data %v", k, d)
			}
		}
		for _, g := range o["grid"].([]any) {
			if b, _ := g.(map[string]any)["bottom"].(float64); b < timelineBand {
				t.Errorf("frame %d: grid bottom %v leaves no room for the timeline", k, g)
			}
		}
	}
	if l, _ := opts[0]["legend"].(map[string]any); l == nil || l["top"] != nil || l["bottom"].(float64) < timelineBand {
		t.Errorf("legend %v: want it above the timeline (LinesChart puts it at the bottom)", opts[0]["legend"])
	}
	if base["series"] == nil {
		t.Error("baseOption lacks the chosen frame's series")
	}
}

// The static picture is the chosen frame's own picture, with the timeline's strip under it
// naming the frame.
func TestFramesChartStaticPictureIsTheChosenFrame(t *testing.T) {
	var frames []*Chart
	for k := 0; k < 3; k++ {
		x := tensor.Zeros(1, 4, 4, 1)
		x.Data[k] = 1 // a different lit pixel in each frame
		c, err := ImagesChart(x, nil, Size(200, 160))
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, c)
	}
	c, err := FramesChart(frames, []string{"a", "b", "c"}, AtFrame(1))
	if err != nil {
		t.Fatal(err)
	}
	got, want := chartPNG(t, c), chartPNG(t, frames[1])
	if got.Bounds().Dx() != minFramesWidth || got.Bounds().Dy() != 160+timelineBand {
		t.Fatalf("PNG %v, want %dx%d (a narrow picture is centred in a wider chart)", got.Bounds(), minFramesWidth, 160+timelineBand)
	}
	off := (minFramesWidth - 200) / 2
	other := chartPNG(t, frames[0])
	same, differsFromOther := true, false
	for y := 0; y < 160; y++ {
		for x := 0; x < 200; x++ {
			if got.At(x+off, y) != want.At(x, y) {
				same = false
			}
			if got.At(x+off, y) != other.At(x, y) {
				differsFromOther = true
			}
		}
	}
	if !same || !differsFromOther {
		t.Errorf("static picture: same as frame 1 = %v, differs from frame 0 = %v; want true, true", same, differsFromOther)
	}
	// The strip under the frame is not blank: it names the frame.
	dark := 0
	for y := 160; y < 160+timelineBand; y++ {
		for x := 0; x < minFramesWidth; x++ {
			if r, _, _, _ := got.At(x, y).RGBA(); r < 0x8000 {
				dark++
			}
		}
	}
	if dark == 0 {
		t.Error("the strip under the static frame has no text")
	}
	// Picture-only frames are played as images (echarts' graphic).
	_, opts := framesOption(t, c)
	for k, o := range opts {
		g, _ := o["graphic"].([]any)
		if len(g) != 1 || !strings.HasPrefix(g[0].(map[string]any)["style"].(map[string]any)["image"].(string), "data:image/png;base64,") {
			t.Fatalf("frame %d: %v, want one PNG image", k, o)
		}
	}
}

func TestFramesChartErrors(t *testing.T) {
	line, err := LinesChart([]Series{{Name: "a", X: []float64{0, 1}, Y: []float64{0, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		frames []*Chart
		labels []string
		opts   []Option
		want   string
	}{
		{nil, nil, nil, "no frames"},
		{[]*Chart{line, line}, []string{"one"}, nil, "2 frames and 1 labels"},
		{[]*Chart{line, nil}, []string{"a", "b"}, nil, `frame 1 ("b") is nil`},
		{[]*Chart{line}, []string{"a"}, []Option{AtFrame(3)}, "AtFrame(3) is outside the 1 frames"},
		{[]*Chart{line}, []string{"a"}, []Option{AtFrame(-2)}, "AtFrame(-2)"},
	} {
		_, err := FramesChart(tc.frames, tc.labels, tc.opts...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FramesChart(%d frames, %v): %v, want an error with %q", len(tc.frames), tc.labels, err, tc.want)
		}
	}
}

// A series alike in every frame (a loss surface under each frame's path) is sent once, in the
// base option; the frames name only its type.
func TestFramesChartSendsASharedSeriesOnce(t *testing.T) {
	surface := Series{Name: "surface", X: []float64{0, 1, 2, 3}, Y: []float64{9, 4, 1, 0}}
	var frames []*Chart
	for k := 1; k <= 3; k++ {
		c, err := LinesChart([]Series{surface, {Name: "path", X: []float64{0, float64(k)}, Y: []float64{0, 1}}})
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, c)
	}
	c, err := FramesChart(frames, []string{"1", "2", "3"})
	if err != nil {
		t.Fatal(err)
	}
	base, opts := framesOption(t, c)
	if d, _ := base["series"].([]any)[0].(map[string]any)["data"].([]any); len(d) != 4 {
		t.Fatalf("base option's shared series has %d points, want 4", len(d))
	}
	for k, o := range opts {
		series := o["series"].([]any)
		if got, _ := json.Marshal(series[0]); string(got) != `{"type":"line"}` {
			t.Errorf("frame %d: shared series sent again: %s", k, got)
		}
		if d, _ := series[1].(map[string]any)["data"].([]any); len(d) != 2 {
			t.Errorf("frame %d: its own series has %d points, want 2", k, len(d))
		}
	}
}
