package nn

import (
	"fmt"
	"html"
	"math"
	"sort"
	"strings"
	"time"
)

// This file gives the values a student prints a readable form: fmt.Println(h), h.Last(),
// nn.PrecisionRecallF1(cm) print aligned tables with short numbers, never raw structs and
// 16-digit slices. Each also has an HTML table (viz.Table shows it in the notebook).

// String writes one epoch record on one line:
//
//	epoch 5, step 125: loss 0.4812, accuracy 80.81% | val_loss 0.5012, val_accuracy 74.98% | lr 0.001 | 4600 examples/s, 1.2s
//
// A record of no epoch (Last of an empty History) says so.
func (r Record) String() string {
	if r.Epoch == 0 && r.Step == 0 && math.IsNaN(r.Loss) {
		return "no epoch recorded (Fit has not run or returned an error)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "epoch %d, step %d: ", r.Epoch, r.Step)
	b.WriteString("loss " + formatValue("loss", r.Loss))
	for _, k := range sortedKeys(r.Metrics) {
		b.WriteString(", " + k + " " + formatValue(k, r.Metrics[k]))
	}
	if !math.IsNaN(r.ValLoss) || len(r.ValMetrics) > 0 {
		b.WriteString(" | val_loss " + formatValue("loss", r.ValLoss))
		for _, k := range sortedKeys(r.ValMetrics) {
			b.WriteString(", val_" + k + " " + formatValue(k, r.ValMetrics[k]))
		}
	}
	if r.LR != 0 {
		fmt.Fprintf(&b, " | lr %.3g", r.LR)
	}
	if r.ExamplesPerSec > 0 {
		fmt.Fprintf(&b, " | %.0f examples/s", r.ExamplesPerSec)
	}
	if r.Duration > 0 {
		fmt.Fprintf(&b, ", %s", roundDuration(r.Duration))
	}
	return b.String()
}

// String writes the History as a table, one row per epoch (the first and last five when there
// are more than 20), and a line with the number of epochs, steps and the training time.
func (h *History) String() string {
	if h == nil || len(h.Epochs) == 0 {
		steps := 0
		if h != nil {
			steps = len(h.Steps)
		}
		return fmt.Sprintf("History: no epoch recorded (%d steps; did Fit return an error?)", steps)
	}
	header, rows := h.table()
	width := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	line := func(r []string) {
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i == 0 || c == "…" {
				b.WriteString(c + pad)
			} else {
				b.WriteString(pad + c)
			}
		}
		b.WriteString("\n")
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
	b.WriteString(h.summaryLine())
	return b.String()
}

// HTML returns the History as an HTML table (the same rows as String).
func (h *History) HTML() string {
	if h == nil || len(h.Epochs) == 0 {
		return "<p>" + html.EscapeString(h.String()) + "</p>"
	}
	header, rows := h.table()
	return htmlTable(header, rows, h.summaryLine())
}

// table returns the History's column names and rows: epoch, loss, each metric, the validation
// values, the learning rate and the epoch's time; a "…" row stands for left-out epochs.
func (h *History) table() (header []string, rows [][]string) {
	var metrics, valMetrics []string
	hasVal, lrs := false, map[float64]bool{}
	seen, seenVal := map[string]bool{}, map[string]bool{}
	for _, r := range h.Epochs {
		for _, k := range sortedKeys(r.Metrics) {
			if !seen[k] {
				seen[k], metrics = true, append(metrics, k)
			}
		}
		for _, k := range sortedKeys(r.ValMetrics) {
			if !seenVal[k] {
				seenVal[k], valMetrics = true, append(valMetrics, k)
			}
		}
		hasVal = hasVal || !math.IsNaN(r.ValLoss)
		lrs[r.LR] = true
	}
	header = append([]string{"epoch", "loss"}, metrics...)
	if hasVal {
		header = append(header, "val_loss")
	}
	for _, k := range valMetrics {
		header = append(header, "val_"+k)
	}
	showLR := len(lrs) > 1 // a constant rate is in the summary line
	if showLR {
		header = append(header, "lr")
	}
	header = append(header, "time")
	row := func(r Record) []string {
		cells := []string{fmt.Sprint(r.Epoch), formatValue("loss", r.Loss)}
		for _, k := range metrics {
			cells = append(cells, formatMaybe(k, r.Metrics))
		}
		if hasVal {
			cells = append(cells, formatValue("loss", r.ValLoss))
		}
		for _, k := range valMetrics {
			cells = append(cells, formatMaybe(k, r.ValMetrics))
		}
		if showLR {
			cells = append(cells, fmt.Sprintf("%.3g", r.LR))
		}
		return append(cells, roundDuration(r.Duration))
	}
	n := len(h.Epochs)
	for i, r := range h.Epochs {
		if n > 20 && i >= 5 && i < n-5 {
			if i == 5 {
				gap := make([]string, len(header))
				for j := range gap {
					gap[j] = "…"
				}
				rows = append(rows, gap)
			}
			continue
		}
		rows = append(rows, row(r))
	}
	return header, rows
}

// summaryLine says how long the History is and how long training took.
func (h *History) summaryLine() string {
	last := h.Epochs[len(h.Epochs)-1]
	line := fmt.Sprintf("%d epochs, %d steps, trained in %s", len(h.Epochs), max(last.Step, len(h.Steps)), roundDuration(h.TrainingTime()))
	constant := true
	for _, r := range h.Epochs {
		constant = constant && r.LR == last.LR
	}
	if constant && last.LR != 0 {
		line += fmt.Sprintf(", lr %.3g", last.LR)
	}
	if h.Reloaded() {
		line += "; reloaded, saved " + savedStamp(h.SavedAt)
	}
	return line
}

// String writes the per-class scores as a table with the macro averages (the mean over the
// classes where the score is defined) in the last row; class names come from Names when set.
func (s ClassScores) String() string {
	header, rows := s.table()
	var b strings.Builder
	width := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString("  " + pad + c)
			}
		}
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// HTML returns the scores as an HTML table (the same rows as String).
func (s ClassScores) HTML() string {
	header, rows := s.table()
	return htmlTable(header, rows, "")
}

func (s ClassScores) table() (header []string, rows [][]string) {
	header = []string{"class", "precision", "recall", "F1"}
	f := func(v float64) string {
		if math.IsNaN(v) {
			return "–"
		}
		return fmt.Sprintf("%.3f", v)
	}
	for c := range s.Precision {
		name := fmt.Sprint(c)
		if len(s.Names) == len(s.Precision) {
			name = s.Names[c]
		}
		rows = append(rows, []string{name, f(s.Precision[c]), f(s.Recall[c]), f(at(s.F1, c))})
	}
	rows = append(rows, []string{"mean", f(nanMean(s.Precision)), f(nanMean(s.Recall)), f(nanMean(s.F1))})
	return header, rows
}

func at(v []float64, i int) float64 {
	if i < len(v) {
		return v[i]
	}
	return math.NaN()
}

// nanMean is the mean of the values that are not NaN (NaN when there is none).
func nanMean(v []float64) float64 {
	sum, n := 0.0, 0
	for _, x := range v {
		if !math.IsNaN(x) {
			sum, n = sum+x, n+1
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// htmlTable writes a small right-aligned table with an optional caption below it.
func htmlTable(header []string, rows [][]string, caption string) string {
	var b strings.Builder
	b.WriteString(`<table style="font-family:monospace;border-collapse:collapse"><tr>`)
	for _, c := range header {
		fmt.Fprintf(&b, `<th style="text-align:right;padding:2px 8px">%s</th>`, html.EscapeString(c))
	}
	b.WriteString("</tr>")
	for _, r := range rows {
		b.WriteString("<tr>")
		for i, c := range r {
			align := "right"
			if i == 0 {
				align = "left"
			}
			fmt.Fprintf(&b, `<td style="text-align:%s;padding:2px 8px">%s</td>`, align, html.EscapeString(c))
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	if caption != "" {
		fmt.Fprintf(&b, `<p style="font-size:90%%">%s</p>`, html.EscapeString(caption))
	}
	return b.String()
}

// formatValue writes a loss with 4 significant digits and a fraction-valued metric (accuracy,
// iou, dice, ...) as a percentage with two decimals.
func formatValue(key string, v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case key != "loss" && isFraction(key) && v >= 0 && v <= 1:
		return fmt.Sprintf("%.2f%%", 100*v)
	default:
		return fmt.Sprintf("%.4g", v)
	}
}

func formatMaybe(key string, m map[string]float64) string {
	v, ok := m[key]
	if !ok {
		return "–"
	}
	return formatValue(key, v)
}

// isFraction reports whether a metric of this name is a fraction shown in percent.
func isFraction(key string) bool {
	switch strings.ToLower(key) {
	case "accuracy", "acc", "iou", "dice", "precision", "recall", "f1", "top5", "top-5", "top5_accuracy":
		return true
	}
	return strings.HasSuffix(strings.ToLower(key), "accuracy")
}

// SavedNote says when a reloaded History's model was saved and how long its training took:
// "saved 2026-12-02 11:15, 1m12s of training" ("" for a training that ran in this process).
// viz puts it in the title of a reloaded model's curves.
func (h *History) SavedNote() string {
	if !h.Reloaded() {
		return ""
	}
	return fmt.Sprintf("saved %s, %s of training", savedStamp(h.SavedAt), roundDuration(h.TrainingTime()))
}

// savedStamp writes a save time in local time, to the minute.
func savedStamp(t time.Time) string { return t.Local().Format("2006-01-02 15:04") }

// roundDuration writes d briefly: 850ms, 1.2s, 2m05s.
func roundDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
