package viz

import (
	"fmt"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/godl-course/godl/tensor"
)

// ScatterChart draws points (a tensor (N, 2): x and y of each point, e.g. the 2-D codes of an
// autoencoder or two features) as dots, coloured by labels (one class per point, named by
// Classes(...)), or all in one colour when labels is nil.
func ScatterChart(points *tensor.Tensor, labels []int, options ...Option) (*Chart, error) {
	if points == nil || points.Rank() != 2 || points.Shape[1] != 2 || points.Len() == 0 {
		shape := "nil"
		if points != nil {
			shape = fmt.Sprint(points.Shape)
		}
		return nil, fmt.Errorf("viz: Scatter wants points of shape (N, 2), got %s", shape)
	}
	n := points.Len()
	if labels != nil && len(labels) != n {
		return nil, fmt.Errorf("viz: %d labels for %d points; give one label per point or nil", len(labels), n)
	}
	s := newSettings(options)
	classes := 1
	for i, l := range labels {
		if l < 0 {
			return nil, fmt.Errorf("viz: point %d has label %d; class ids start at 0", i, l)
		}
		classes = max(classes, l+1)
	}
	name := func(k int) string {
		switch {
		case labels == nil:
			return ""
		case k < len(s.classes):
			return s.classes[k]
		}
		return fmt.Sprint(k)
	}
	groups := make([]plotter.XYs, classes)
	for i := range n {
		x, y := points.At(i, 0), points.At(i, 1)
		if !finite(x) || !finite(y) {
			continue
		}
		k := 0
		if labels != nil {
			k = labels[i]
		}
		groups[k] = append(groups[k], plotter.XY{X: x, Y: y})
	}
	title := s.titleOr("Scatter")
	w, h := s.size(560, 480)
	var series []charts.SingleSeries
	size := math.Max(3, math.Min(8, 600/math.Sqrt(float64(n))))
	for k, xy := range groups {
		data := make([]opts.ScatterData, len(xy))
		for i, p := range xy {
			data[i] = opts.ScatterData{Value: []float64{json4(p.X), json4(p.Y)}}
		}
		series = append(series, charts.SingleSeries{Name: name(k), Type: "scatter", Data: data, SymbolSize: size,
			ItemStyle: &opts.ItemStyle{Color: paletteColor(k), Opacity: opts.Float(0.8)}})
	}
	option := map[string]any{
		"title":   []opts.Title{{Title: title, Left: "center"}},
		"tooltip": opts.Tooltip{Show: opts.Bool(true)},
		"legend":  opts.Legend{Show: opts.Bool(labels != nil), Top: "bottom"},
		"grid":    []opts.Grid{{Left: "50", Right: "30", Top: "50", Bottom: "60", ContainLabel: opts.Bool(true)}},
		"xAxis":   []opts.XAxis{{Type: "value", Name: s.xLabel, NameLocation: "middle", NameGap: 28, Scale: opts.Bool(true)}},
		"yAxis":   []opts.YAxis{{Type: "value", Name: s.yLabel, Scale: opts.Bool(true)}},
		"series":  series,
	}
	c := &Chart{Title: title, Width: w, Height: h, option: option}
	c.paint = func(dc draw.Canvas) error {
		pl := newPlot()
		pl.X.Label.Text, pl.Y.Label.Text = s.xLabel, s.yLabel
		pl.Legend.Top = true
		pl.Add(plotter.NewGrid())
		for k, xy := range groups {
			if len(xy) == 0 {
				continue
			}
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return err
			}
			sc.Color = mustHex(paletteColor(k))
			sc.Shape = draw.CircleGlyph{}
			sc.Radius = vg.Points(size / 3)
			pl.Add(sc)
			if labels != nil {
				pl.Legend.Add(name(k), sc)
			}
		}
		// A margin of 8% around the points (12% above them, for the legend) so that no dot is cut.
		x0, x1, y0, y1 := pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max
		dx, dy := math.Max(x1-x0, 1e-9), math.Max(y1-y0, 1e-9)
		pl.X.Min, pl.X.Max = x0-0.08*dx, x1+0.08*dx
		pl.Y.Min, pl.Y.Max = y0-0.08*dy, y1+0.12*dy*float64(min(classes, 4))
		pl.Draw(paintTitle(dc, title))
		return nil
	}
	return c, nil
}

// Scatter shows points (N, 2) coloured by their labels (see [ScatterChart]):
// viz.Scatter(codes, test.Labels, viz.Classes(test.Classes...)).
func Scatter(points *tensor.Tensor, labels []int, options ...Option) (Files, error) {
	return show(ScatterChart(points, labels, options...))
}
