package viz

import (
	"fmt"
	"math"
	"sort"

	"github.com/godl-course/godl/nn"
)

// Colours of training (blue) and validation (orange) curves.
var (
	trainColor = palette[0]
	valColor   = palette[1]
)

// CurvesChart builds the training curves of h: one panel for the loss and one per metric
// (sorted by name), each with
//
//   - the per-step training values (thin, faint line; x = global step),
//   - the per-epoch training averages (solid line with dots, at the step that ended the epoch),
//   - the per-epoch validation values (dashed line with dots), when Fit had validation data.
//
// PerEpoch() keeps only the per-epoch curves (x = epoch), PerStep() only the per-step ones,
// LogY() puts the loss on a log scale. Default size 900×380 (one metric) pixels.
func CurvesChart(h *nn.History, options ...Option) (*Chart, error) {
	if h == nil {
		return nil, fmt.Errorf("viz: Curves got a nil *nn.History; pass the history returned by nn.Fit")
	}
	if len(h.Steps) == 0 && len(h.Epochs) == 0 {
		return nil, fmt.Errorf("viz: the training history is empty (no step recorded); call Curves after nn.Fit has run at least one step")
	}
	return curvesChart(h, newSettings(options))
}

// Curves shows the training curves of h (see [CurvesChart]): viz.Curves(history).
func Curves(h *nn.History, options ...Option) (Files, error) {
	return show(CurvesChart(h, options...))
}

// curvesChart also accepts an empty history (a live chart before the first step).
func curvesChart(h *nn.History, s *settings) (*Chart, error) {
	showSteps, showEpochs := true, true
	if s.steps != nil {
		showSteps, showEpochs = *s.steps, *s.epochs
	}
	if len(h.Epochs) == 0 {
		showSteps = true // nothing else to show yet
	}
	byEpoch := showEpochs && !showSteps
	xLabel := "step"
	if byEpoch {
		xLabel = "epoch"
	}

	names := metricNames(h)
	panels := make([]panel, 0, 1+len(names))
	loss := panel{title: "loss", xLabel: xLabel, logY: s.logY}
	loss.series = curveSeries(h, showSteps, showEpochs, byEpoch,
		func(r nn.Record) float64 { return r.Loss },
		func(r nn.Record) float64 { return r.ValLoss })
	panels = append(panels, loss)
	for _, name := range names {
		p := panel{title: name, xLabel: xLabel}
		p.series = curveSeries(h, showSteps, showEpochs, byEpoch,
			func(r nn.Record) float64 { return metric(r.Metrics, name) },
			func(r nn.Record) float64 { return metric(r.ValMetrics, name) })
		panels = append(panels, p)
	}
	w, ht := s.size(450*len(panels), 380)
	title := s.titleOr("Training curves")
	if h.Reloaded() { // a model Memo or Load read back: say when and how long it trained
		title += " (reloaded: " + h.SavedNote() + ")"
	}
	return linesChart(title, w, ht, panels)
}

// curveSeries returns the series of one panel: train per step, train per epoch, validation.
func curveSeries(h *nn.History, steps, epochs, byEpoch bool, train, val func(nn.Record) float64) []Series {
	var out []Series
	if steps && len(h.Steps) > 0 {
		name := "train (step)"
		if !epochs || len(h.Epochs) == 0 {
			name = "train"
		}
		s := Series{Name: name, Color: trainColor, Faint: epochs && len(h.Epochs) > 0}
		for _, r := range h.Steps {
			s.X = append(s.X, float64(r.Step))
			s.Y = append(s.Y, train(r))
		}
		out = append(out, s)
	}
	if epochs && len(h.Epochs) > 0 {
		tr := Series{Name: "train", Color: trainColor, Marks: true}
		va := Series{Name: "validation", Color: valColor, Marks: true, Dashed: true}
		for _, r := range h.Epochs {
			x := float64(r.Step)
			if byEpoch {
				x = float64(r.Epoch)
			}
			tr.X, tr.Y = append(tr.X, x), append(tr.Y, train(r))
			if v := val(r); finite(v) {
				va.X, va.Y = append(va.X, x), append(va.Y, v)
			}
		}
		out = append(out, tr)
		if len(va.X) > 0 {
			out = append(out, va)
		}
	}
	return out
}

// metric returns m[name], or NaN when absent.
func metric(m map[string]float64, name string) float64 {
	if v, ok := m[name]; ok {
		return v
	}
	return math.NaN()
}

// metricNames returns the sorted names of all metrics in h.
func metricNames(h *nn.History) []string {
	set := map[string]bool{}
	for _, rs := range [][]nn.Record{h.Steps, h.Epochs} {
		for _, r := range rs {
			for k := range r.Metrics {
				set[k] = true
			}
			for k := range r.ValMetrics {
				set[k] = true
			}
		}
	}
	names := make([]string, 0, len(set))
	for k := range set {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
