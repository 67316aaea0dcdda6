package demo

import (
	"encoding/json"
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
