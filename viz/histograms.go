package viz

import (
	"fmt"
	"math"

	"github.com/godl-course/godl/tensor"
)

// histogram counts values into bins equal-width bins over [lo, hi] and returns the bin centres
// and the densities count / (N · width), so each histogram has area 1. NaN and infinite values
// are skipped; values outside [lo, hi] too.
func histogram(values []float32, bins int, lo, hi float64) (centers, density []float64) {
	width := (hi - lo) / float64(bins)
	centers, density = make([]float64, bins), make([]float64, bins)
	for i := range centers {
		centers[i] = lo + width*(float64(i)+0.5)
	}
	n := 0
	for _, v := range values {
		x := float64(v)
		if !finite(x) || x < lo || x > hi {
			continue
		}
		k := min(int((x-lo)/width), bins-1)
		density[k]++
		n++
	}
	if n > 0 {
		for i := range density {
			density[i] /= float64(n) * width
		}
	}
	return centers, density
}

// meanStd returns the mean and standard deviation of the finite values.
func meanStd(values []float32) (mean, std float64) {
	n := 0
	for _, v := range values {
		if finite(float64(v)) {
			mean += float64(v)
			n++
		}
	}
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	mean /= float64(n)
	for _, v := range values {
		if finite(float64(v)) {
			d := float64(v) - mean
			std += d * d
		}
	}
	return mean, math.Sqrt(std / float64(n))
}

// HistogramsChart overlays the histograms (50 bins over the common range, as densities) of
// several sets of values, e.g. the activations, weights or gradients of each layer; each
// legend entry gives the set's standard deviation σ, so a signal whose variance collapses or
// explodes with depth shows at a glance. names[i] names values[i] (a tensor of any shape: all
// its values count).
func HistogramsChart(names []string, tensors []*tensor.Tensor, options ...Option) (*Chart, error) {
	if len(names) != len(tensors) || len(tensors) == 0 {
		return nil, fmt.Errorf("viz: %d names for %d sets of values; give one name per set (at least one)", len(names), len(tensors))
	}
	values := make([][]float32, len(tensors))
	for i, t := range tensors {
		if t == nil {
			return nil, fmt.Errorf("viz: the values of %q are nil", names[i])
		}
		values[i] = t.Float32()
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, vs := range values {
		for _, v := range vs {
			if x := float64(v); finite(x) {
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
	}
	if math.IsInf(lo, 1) {
		return nil, fmt.Errorf("viz: the values to histogram are all empty, NaN or infinite")
	}
	if hi <= lo {
		lo, hi = lo-0.5, hi+0.5
	}
	series := make([]Series, len(values))
	for i, vs := range values {
		c, d := histogram(vs, 50, lo, hi)
		_, std := meanStd(vs)
		series[i] = Series{Name: fmt.Sprintf("%s (σ=%.3g)", names[i], std), X: c, Y: d}
	}
	s := newSettings(options)
	w, h := s.size(720, 400)
	return linesChart(s.titleOr("Histograms"), w, h, []panel{{xLabel: s.xLabelOr("value"), yLabel: s.yLabelOr("density"), logY: s.logY, series: series}})
}

// Histograms shows the histograms of several sets of values (see HistogramsChart):
// viz.Histograms([]string{"raw", "normalized"}, []*tensor.Tensor{raw.Inputs(), train.Inputs()}).
func Histograms(names []string, values []*tensor.Tensor, options ...Option) (Files, error) {
	return show(HistogramsChart(names, values, options...))
}

// Histogram shows the histogram of one set of values (as a density, 50 bins), titled name.
func Histogram(name string, values *tensor.Tensor, options ...Option) (Files, error) {
	return show(HistogramsChart([]string{name}, []*tensor.Tensor{values}, append([]Option{Title(name)}, options...)...))
}
