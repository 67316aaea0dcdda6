package viz

import (
	"strings"
	"testing"
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
