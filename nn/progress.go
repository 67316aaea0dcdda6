package nn

import (
	"fmt"
	"html"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// ProgressInterval is the minimum time between two updates of Fit's progress bar.
var ProgressInterval = 250 * time.Millisecond

// progress draws Fit's progress bar: an HTML bar updated in place in a notebook, a line
// rewritten with "\r" in a terminal, and one line per epoch when output goes to a file.
type progress struct {
	on, notebook, tty bool
	id                string
	epochs, steps     int
	start, last       time.Time
	header            string   // the first line: which backend trains on what
	lines             []string // finished epochs
	current           string
}

// newProgress starts the bar; header is its first line (shown once in a terminal).
func newProgress(on bool, epochs, steps int, header string) *progress {
	p := &progress{on: on, epochs: epochs, steps: steps, start: time.Now(), header: header}
	if !on {
		return p
	}
	p.notebook = gonbui.IsNotebook
	if p.notebook {
		p.id = gonbui.UniqueId()
		// The first update creates the output that later updates replace in place.
		p.current = "starting…"
		p.draw(0)
		return p
	}
	if fi, err := os.Stdout.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		p.tty = true
	}
	fmt.Println(header)
	return p
}

func metricsText(m map[string]float64, prefix string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		if k == "accuracy" {
			parts = append(parts, fmt.Sprintf("%s%s %.2f%%", prefix, k, 100*m[k]))
		} else {
			parts = append(parts, fmt.Sprintf("%s%s %.4g", prefix, k, m[k]))
		}
	}
	return strings.Join(parts, "  ")
}

func fmtDuration(d time.Duration) string {
	s := int(math.Round(d.Seconds()))
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, (s/60)%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func (p *progress) step(h *History, r Record, stepInEpoch int) {
	if !p.on || (!p.notebook && !p.tty) {
		return
	}
	now := time.Now()
	interval := ProgressInterval
	if p.notebook {
		interval *= 2
	}
	if now.Sub(p.last) < interval && stepInEpoch != p.steps {
		return
	}
	p.last = now
	done := (r.Epoch-1)*p.steps + stepInEpoch
	total := p.epochs * p.steps
	elapsed := now.Sub(p.start)
	eta := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
	// Speed over the whole run so far is steadier than one step's.
	exs := 0.0
	if len(h.Steps) > 0 {
		n := min(len(h.Steps), 20)
		sum := 0.0
		for _, s := range h.Steps[len(h.Steps)-n:] {
			sum += s.ExamplesPerSec
		}
		exs = sum / float64(n)
	}
	p.current = fmt.Sprintf("epoch %d/%d  step %d/%d  loss %.4f  %s  %.0f ex/s  ETA %s",
		r.Epoch, p.epochs, stepInEpoch, p.steps, r.Loss, metricsText(r.Metrics, ""), exs, fmtDuration(eta))
	p.draw(float64(done) / float64(total))
}

func (p *progress) epoch(_ *History, r Record) {
	if !p.on {
		return
	}
	line := fmt.Sprintf("epoch %d/%d  loss %.4f  %s", r.Epoch, p.epochs, r.Loss, metricsText(r.Metrics, ""))
	if !math.IsNaN(r.ValLoss) {
		line += fmt.Sprintf("  val_loss %.4f  %s", r.ValLoss, metricsText(r.ValMetrics, "val_"))
	}
	line += fmt.Sprintf("  %.0f ex/s  %s", r.ExamplesPerSec, fmtDuration(r.Elapsed))
	p.lines = append(p.lines, line)
	p.current = ""
	switch {
	case p.notebook:
		p.draw(float64(r.Epoch) / float64(p.epochs))
	case p.tty:
		fmt.Printf("\r\033[K%s\n", line)
	default:
		fmt.Println(line)
	}
}

func (p *progress) draw(frac float64) {
	if p.notebook {
		var b strings.Builder
		b.WriteString(`<div style="font-family:monospace;font-size:12px">`)
		b.WriteString(html.EscapeString(p.header) + "<br>")
		for _, l := range p.lines {
			b.WriteString(html.EscapeString(l) + "<br>")
		}
		fmt.Fprintf(&b, `<progress value="%.4f" max="1" style="width:300px"></progress> %s</div>`,
			frac, html.EscapeString(p.current))
		gonbui.UpdateHTML(p.id, b.String())
		return
	}
	if p.tty {
		fmt.Printf("\r\033[K%s", p.current)
	}
}

func (p *progress) finish(_ *History) {
	if !p.on {
		return
	}
	if p.tty && p.current != "" {
		fmt.Println()
	}
	if p.notebook {
		p.current = ""
		p.draw(1)
	}
	p.on = false
}
