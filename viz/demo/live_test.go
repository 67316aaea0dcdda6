package demo

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godl-course/godl/viz"
)

// Where no page is connected (here: not in a notebook) a Live demo draws once, for the
// starting values, and returns at once: a headless run never waits on it.
func TestLiveWithoutAPageDrawsOnceAndReturns(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(viz.ChartsDirEnv, dir)
	var seen []string
	ended, err := NewLive("slope", func(c *Controls) (*viz.Chart, error) {
		seen = append(seen, c.Choice("f"))
		if c.Value("k") != 1.5 || c.Int("k") != 2 || c.Pressed() != "" || c.Redraws() != 0 || c.Changed() != "" {
			t.Errorf("first draw got k=%g (int %d), pressed %q, redraws %d, changed %q", c.Value("k"), c.Int("k"), c.Pressed(), c.Redraws(), c.Changed())
		}
		return viz.FuncChart(math.Sin, 0, c.Value("k"))
	}).Slider("k", 0, 3, 0.5, 1.5).Choice("f", "sin", "cos").Button("more").Done()
	if err != nil || ended != EndedNoPage {
		t.Fatalf("Done() = %q, %v; want %q, nil", ended, err, EndedNoPage)
	}
	if len(seen) != 1 || seen[0] != "sin" {
		t.Fatalf("draw called with choices %v, want once with the first option", seen)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if len(pngs) != 1 {
		t.Fatalf("%d pictures written, want the one chart", len(pngs))
	}
}

func TestLiveRejectsBadControls(t *testing.T) {
	draw := func(*Controls) (*viz.Chart, error) { return viz.FuncChart(math.Sin, 0, 1) }
	for _, tc := range []struct {
		live *Live
		want string
	}{
		{NewLive("a", nil), "draw function is nil"},
		{NewLive("a", draw).Slider("lr", 1, 0, 0.1, 0.5), `slider "lr": min 1, max 0`},
		{NewLive("a", draw).Slider("lr", 0, 1, 0.1, 2), `starting value 2 is outside [0, 1]`},
		{NewLive("a", draw).Slider("lr", 0, 1, 1e-9, 0), "steps from 0 to 1"},
		{NewLive("a", draw).Choice("act"), `choice "act" has no options`},
		{NewLive("a", draw).Button("go").Button("go"), `two controls are called "go"`},
		{NewLive("a", draw).Button("Stop"), `other than "Stop"`},
		{NewLive("a", draw).IdleTimeout(0), "IdleTimeout(0s)"},
	} {
		_, err := tc.live.Done()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Done() = %v, want an error with %q", err, tc.want)
		}
	}
	// A draw error is returned, naming the demo.
	_, err := NewLive("broken", func(*Controls) (*viz.Chart, error) { return nil, errors.New("no data") }).Done()
	if err == nil || !strings.Contains(err.Error(), `demo.Live "broken": drawing the chart: no data`) {
		t.Errorf("Done() = %v", err)
	}
}
