package viz

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode"

	"github.com/go-echarts/go-echarts/v2/opts"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// BarsChart draws one bar per name (in the given order) with its value; LogY() draws the values
// on a log scale (values <= 0 are then left out).
func BarsChart(names []string, values []float64, options ...Option) (*Chart, error) {
	if len(names) != len(values) || len(names) == 0 {
		return nil, fmt.Errorf("viz: %d names for %d values; give one name per bar (at least one)", len(names), len(values))
	}
	s := newSettings(options)
	w, h := s.size(max(420, min(1000, 80+70*len(names))), 380)
	return barsChart(s.titleOr("Bars"), w, h, names, values, s.xLabel, s.yLabel, s.logY), nil
}

// Bars shows a bar chart (see [BarsChart]).
func Bars(names []string, values []float64, options ...Option) (Files, error) {
	return show(BarsChart(names, values, options...))
}

// GradientNormsChart draws the gradient norm ‖∂L/∂w‖ of each layer (the map returned by
// nn.Model.GradientNorms) as bars, layers in natural order of their names (dense_2 before
// dense_10). The y axis is logarithmic when the norms span more than two orders of magnitude
// (vanishing or exploding gradients), or with LogY().
func GradientNormsChart(norms map[string]float64, options ...Option) (*Chart, error) {
	if len(norms) == 0 {
		return nil, fmt.Errorf("viz: no gradient norm to draw; pass the map returned by model.GradientNorms(batch)")
	}
	names := make([]string, 0, len(norms))
	for k := range norms {
		names = append(names, k)
	}
	sort.Slice(names, func(a, b int) bool { return naturalLess(names[a], names[b]) })
	values := make([]float64, len(names))
	lo, hi := math.Inf(1), 0.0
	for i, k := range names {
		values[i] = norms[k]
		if v := values[i]; finite(v) && v > 0 {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	s := newSettings(options)
	logY := s.logY || (hi > 0 && hi/lo > 100)
	w, h := s.size(max(420, min(1000, 80+70*len(names))), 380)
	return barsChart(s.titleOr("Gradient norm per layer"), w, h, names, values, s.xLabelOr("layer"), s.yLabelOr("‖∂L/∂w‖"), logY), nil
}

// GradientNorms shows the gradient norm of each layer (see [GradientNormsChart]):
//
//	viz.GradientNorms(nb.Must(model.GradientNorms(batch)))
func GradientNorms(norms map[string]float64, options ...Option) (Files, error) {
	return show(GradientNormsChart(norms, options...))
}

// naturalLess orders strings with their digit runs compared as numbers.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := unicode.IsDigit(rune(a[0])), unicode.IsDigit(rune(b[0]))
		if da && db {
			na, ra := leadingNumber(a)
			nb, rb := leadingNumber(b)
			if na != nb {
				return na < nb
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func leadingNumber(s string) (int, string) {
	i := 0
	for i < len(s) && unicode.IsDigit(rune(s[i])) {
		i++
	}
	n, _ := strconv.Atoi(s[:min(i, 18)])
	return n, s[i:]
}

// barsChart is the bar chart of values named by names.
func barsChart(title string, w, h int, names []string, values []float64, xLabel, yLabel string, logY bool) *Chart {
	data := make([]opts.BarData, len(values))
	for i, v := range values {
		if !finite(v) || (logY && v <= 0) {
			data[i] = opts.BarData{Value: "-"}
		} else {
			data[i] = opts.BarData{Value: v}
		}
	}
	yType := "value"
	if logY {
		yType = "log"
	}
	option := map[string]any{
		"title":   []opts.Title{{Title: title, Left: "center"}},
		"color":   palette,
		"tooltip": opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"},
		"grid":    []opts.Grid{{Left: "60", Right: "30", Top: "50", Bottom: "60", ContainLabel: opts.Bool(true)}},
		"xAxis":   []opts.XAxis{{Type: "category", Name: xLabel, NameLocation: "middle", NameGap: 40, Data: names, AxisLabel: &opts.AxisLabel{Interval: "0", Rotate: rotation(names)}}},
		"yAxis":   []opts.YAxis{{Type: yType, Name: yLabel}},
		"series":  []map[string]any{{"type": "bar", "name": yLabel, "data": data, "itemStyle": map[string]any{"color": palette[0]}}},
	}
	c := &Chart{Title: title, Width: w, Height: h, option: option}
	c.paint = func(dc draw.Canvas) error {
		pl := newPlot()
		pl.Y.Label.Text = yLabel
		pl.X.Label.Text = xLabel
		pl.X.Min, pl.X.Max = -0.6, float64(len(values))-0.4
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range values {
			if finite(v) && (!logY || v > 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if math.IsInf(lo, 1) {
			lo, hi = 0, 1
		}
		if logY {
			pl.Y.Scale = plot.LogScale{}
			pl.Y.Tick.Marker = decadeTicks{}
			// A decade below the smallest bar, so that it shows.
			pl.Y.Min, pl.Y.Max = math.Pow(10, math.Floor(math.Log10(lo)-0.3)), math.Pow(10, math.Ceil(math.Log10(hi)+1e-9))
		} else {
			pl.Y.Min, pl.Y.Max = math.Min(0, lo), math.Max(0, hi)*1.05
			if pl.Y.Max <= pl.Y.Min {
				pl.Y.Max = pl.Y.Min + 1
			}
		}
		ticks := make(plot.ConstantTicks, len(names))
		for i, n := range names {
			ticks[i] = plot.Tick{Value: float64(i), Label: n}
		}
		pl.X.Tick.Marker = ticks
		if rotation(names) != 0 {
			pl.X.Tick.Label.Rotation = math.Pi / 6
			pl.X.Tick.Label.XAlign, pl.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
		}
		pl.Add(&barsPlotter{values: values, base: pl.Y.Min, logY: logY})
		pl.Draw(paintTitle(dc, title))
		return nil
	}
	return c
}

// rotation tilts long category names (degrees).
func rotation(names []string) float64 {
	total := 0
	for _, n := range names {
		total += len(n)
	}
	if total > 8*len(names) || len(names) > 10 {
		return 30
	}
	return 0
}

// barsPlotter draws bars from the axis base to each value (gonum plotter).
type barsPlotter struct {
	values []float64
	base   float64
	logY   bool
}

func (b *barsPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	c.SetColor(mustHex(palette[0]))
	for i, v := range b.values {
		if !finite(v) || (b.logY && v <= 0) {
			continue
		}
		r := vg.Rectangle{Min: vg.Point{X: tx(float64(i) - 0.35), Y: ty(b.base)}, Max: vg.Point{X: tx(float64(i) + 0.35), Y: ty(v)}}
		if r.Max.Y < r.Min.Y {
			r.Min.Y, r.Max.Y = r.Max.Y, r.Min.Y
		}
		c.Fill(r.Path())
	}
}
