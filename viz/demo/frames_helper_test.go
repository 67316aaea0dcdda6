package demo

import (
	"bytes"
	"encoding/json"
	"image/png"
	"testing"

	"github.com/godl-course/godl/viz"
)

// frameOptions returns a frames chart's echarts option as JSON with each frame whole: viz
// sends a series alike in every frame once, in baseOption, and the frames name only its type
// (echarts keeps its data); the tests look at each frame as the page shows it.
func frameOptions(t *testing.T, c *viz.Chart) []byte {
	t.Helper()
	raw, err := c.Option()
	if err != nil {
		t.Fatal(err)
	}
	var o map[string]any
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatal(err)
	}
	base, _ := o["baseOption"].(map[string]any)
	frames, _ := o["options"].([]any)
	baseSeries, _ := base["series"].([]any)
	for _, f := range frames {
		m := f.(map[string]any)
		series, _ := m["series"].([]any)
		for j, s := range series {
			if sm, ok := s.(map[string]any); ok && len(sm) == 1 && j < len(baseSeries) {
				series[j] = baseSeries[j]
			}
		}
	}
	out, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// timeline decodes a frames chart's option, checks that it is a timeline whose labels are
// labels, one option per frame, and returns the frames' options.
func timeline(t *testing.T, c *viz.Chart, labels []string) []map[string]any {
	t.Helper()
	b := frameOptions(t, c)
	var o map[string]any
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	base, ok := o["baseOption"].(map[string]any)
	if !ok {
		t.Fatalf("option has no baseOption: not a frames (timeline) chart")
	}
	tl, ok := base["timeline"].(map[string]any)
	if !ok {
		t.Fatalf("baseOption has no timeline")
	}
	data, _ := tl["data"].([]any)
	if len(data) != len(labels) {
		t.Fatalf("timeline has %d labels, want %d", len(data), len(labels))
	}
	for i, d := range data {
		if d != labels[i] {
			t.Errorf("timeline label %d = %q, want %q", i, d, labels[i])
		}
	}
	frames, _ := o["options"].([]any)
	if len(frames) != len(labels) {
		t.Fatalf("%d frame options, want %d", len(frames), len(labels))
	}
	out := make([]map[string]any, len(frames))
	for i, f := range frames {
		out[i] = f.(map[string]any)
	}
	return out
}

// checkPNG checks that the static picture decodes, has the chart's size and is not blank.
func checkPNG(t *testing.T, c *viz.Chart) {
	t.Helper()
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if s := img.Bounds().Size(); s.X != c.Width || s.Y != c.Height {
		t.Fatalf("PNG is %v, want %dx%d", s, c.Width, c.Height)
	}
	dark := 0
	for y := 0; y < img.Bounds().Dy(); y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r < 0x8000 && g < 0x8000 && b < 0x8000 {
				dark++
			}
		}
	}
	if dark < 500 {
		t.Errorf("the PNG has %d dark pixels: no text or marks drawn", dark)
	}
}
