package viz

import (
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

func TestDecadeTicks(t *testing.T) {
	var labels []string
	for _, tk := range (decadeTicks{}).Ticks(1e-5, 0.2) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "1e-5 1e-4 0.001 0.01 0.1 1" {
		t.Errorf("labels over 1e-5..0.2: %q", got)
	}
	// Thirty decades: at most about six labels, short ones.
	n := 0
	for _, tk := range (decadeTicks{}).Ticks(1e-23, 1e7) {
		if tk.Label != "" {
			n++
			if len(tk.Label) > 5 {
				t.Errorf("long label %q", tk.Label)
			}
		}
	}
	if n < 4 || n > 7 {
		t.Errorf("%d labels over 30 decades", n)
	}
	// Few decades: minor ticks 2..9 between powers of ten.
	ticks := (decadeTicks{}).Ticks(1, 100)
	if len(ticks) != 3+8*2 {
		t.Errorf("1..100: %d ticks, want 3 decades + 16 minor ticks", len(ticks))
	}
	if ticks := (decadeTicks{}).Ticks(0, 0); ticks != nil {
		t.Errorf("empty axis: %v", ticks)
	}
}

func labelsOf(ticks []plot.Tick) string {
	var labels []string
	for _, tk := range ticks {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	return strings.Join(labels, " ")
}

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		min, max float64
		integer  bool
		want     string
	}{
		{1, 150, true, "25 50 75 100 125 150"},         // epochs: not "25.00 75.00 125.00"
		{1, 3, true, "1 2 3"},                          // three epochs: no 1.5
		{1, 12, true, "2 4 6 8 10 12"},                 // twelve epochs
		{-3, 3, false, "-3 -2 -1 0 1 2 3"},             //
		{-5, 5, false, "-4 -2 0 2 4"},                  //
		{-7.5, 7.5, false, "-7.5 -5 -2.5 0 2.5 5 7.5"}, // not "-2.50"
		{0, 1, false, "0 0.2 0.4 0.6 0.8 1"},           //
		{0.001, 0.004, false, "0.001 0.0015 0.002 0.0025 0.003 0.0035 0.004"},
		{0, 2e6, false, "0 5e+05 1e+06 1.5e+06 2e+06"},
	} {
		if got := labelsOf((niceTicks{integer: c.integer}).Ticks(c.min, c.max)); got != c.want {
			t.Errorf("ticks over %g..%g (integer %v): %q, want %q", c.min, c.max, c.integer, got, c.want)
		}
	}
	// Every minor tick lies between labelled ones and never on one.
	ticks := (niceTicks{}).Ticks(0, 10)
	labelled := map[float64]bool{}
	for _, tk := range ticks {
		if tk.Label != "" {
			labelled[tk.Value] = true
		}
	}
	for _, tk := range ticks {
		if tk.Label == "" && (labelled[tk.Value] || tk.Value < 0 || tk.Value > 10) {
			t.Errorf("minor tick at %g", tk.Value)
		}
	}
	if len(ticks) <= len(labelled) {
		t.Errorf("no minor ticks over 0..10: %v", ticks)
	}
	if got := labelsOf((niceTicks{}).Ticks(2, 2)); got != "2" {
		t.Errorf("a one-value axis: %q", got)
	}
}
