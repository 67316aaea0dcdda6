package viz

import (
	"fmt"
	"image/color"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/tensor"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// boundaryGrid is the number of cells per side of the prediction grid.
const boundaryGrid = 60

// DecisionBoundaryChart builds the decision boundary of a 2-D classifier: the class predicted
// on a 60×60 grid over the data's range (plus 10% on each side) as a light background, and the
// examples of ds (Shape [2]) as dots coloured by their label. predict gets the N points of the
// grid as a tensor (N, 2) and returns one class per point.
func DecisionBoundaryChart(ds *datasets.Dataset, predict func(points *tensor.Tensor) []int, options ...Option) (*Chart, error) {
	if ds == nil || ds.Len() == 0 || len(ds.Shape) != 1 || ds.Shape[0] != 2 || ds.Labels == nil {
		return nil, fmt.Errorf("viz: a decision boundary needs a labelled data set of 2-D points (Shape [2])")
	}
	if predict == nil {
		return nil, fmt.Errorf("viz: predict is nil; give a function from N×2 points to N classes")
	}
	x0, x1, y0, y1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i := range ds.Len() {
		x, y := float64(ds.X[2*i]), float64(ds.X[2*i+1])
		x0, x1, y0, y1 = math.Min(x0, x), math.Max(x1, x), math.Min(y0, y), math.Max(y1, y)
	}
	mx, my := 0.1*math.Max(x1-x0, 1e-6), 0.1*math.Max(y1-y0, 1e-6)
	x0, x1, y0, y1 = x0-mx, x1+mx, y0-my, y1+my
	n := boundaryGrid
	dx, dy := (x1-x0)/float64(n), (y1-y0)/float64(n)
	grid := make([]float32, 0, 2*n*n)
	for j := range n {
		for i := range n {
			grid = append(grid, float32(x0+dx*(float64(i)+0.5)), float32(y0+dy*(float64(j)+0.5)))
		}
	}
	pred := predict(tensor.FromFloat32(grid, n*n, 2))
	if len(pred) != n*n {
		return nil, fmt.Errorf("viz: predict returned %d classes for %d points; return one class per point", len(pred), n*n)
	}
	s := newSettings(options)
	w, h := s.size(560, 520)
	title := s.titleOr("Decision boundary")

	// Live chart: grid cells as light squares, then one scatter series per class.
	classes := 0
	for _, p := range pred {
		classes = max(classes, p+1)
	}
	for _, l := range ds.Labels {
		classes = max(classes, l+1)
	}
	var series []charts.SingleSeries
	// Cells are opaque squares of the lightened class colour (as in the static picture), a pixel
	// larger than the grid step (grid: 80 px of margins across, 110 px down) so that none shows a gap.
	cellPx := math.Max(float64(w-80), float64(h-110)) / float64(n)
	for k := range classes {
		var cells, points []opts.ScatterData
		for j := range n {
			for i := range n {
				if pred[j*n+i] == k {
					cells = append(cells, opts.ScatterData{Value: []float64{json4(x0 + dx*(float64(i)+0.5)), json4(y0 + dy*(float64(j)+0.5))}})
				}
			}
		}
		for i, l := range ds.Labels {
			if l == k {
				points = append(points, opts.ScatterData{Value: []float64{float64(ds.X[2*i]), float64(ds.X[2*i+1])}})
			}
		}
		col := paletteColor(k)
		c := mustHex(col)
		light := fmt.Sprintf("#%02x%02x%02x", lighten(c.R), lighten(c.G), lighten(c.B))
		series = append(series,
			charts.SingleSeries{Name: className(ds, k) + " region", Type: "scatter", Data: cells, Symbol: "rect", SymbolSize: math.Ceil(cellPx) + 1,
				ItemStyle: &opts.ItemStyle{Color: light, Opacity: opts.Float(1)}, Animation: opts.Bool(false)},
			charts.SingleSeries{Name: className(ds, k), Type: "scatter", Data: points, SymbolSize: 6,
				ItemStyle: &opts.ItemStyle{Color: col, BorderColor: "#ffffff", BorderWidth: 0.5}})
	}
	option := map[string]any{
		"title":   []opts.Title{{Title: title, Left: "center"}},
		"tooltip": opts.Tooltip{Show: opts.Bool(true)},
		"legend":  opts.Legend{Show: opts.Bool(true), Top: "bottom"},
		"grid":    []opts.Grid{{Left: "50", Right: "30", Top: "50", Bottom: "60"}},
		"xAxis":   []opts.XAxis{{Type: "value", Name: s.xLabel, NameLocation: "middle", NameGap: 28, Min: json4(x0), Max: json4(x1)}},
		"yAxis":   []opts.YAxis{{Type: "value", Name: s.yLabel, Min: json4(y0), Max: json4(y1)}},
		"series":  series,
	}
	c := &Chart{Title: title, Width: w, Height: h, option: option}
	c.paint = func(dc draw.Canvas) error {
		pl := newPlot()
		pl.X.Label.Text, pl.Y.Label.Text = s.xLabel, s.yLabel
		pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = x0, x1, y0, y1
		pl.Add(&classGrid{pred: pred, n: n, x0: x0, y0: y0, dx: dx, dy: dy})
		for k := range classes {
			var xy plotter.XYs
			for i, l := range ds.Labels {
				if l == k {
					xy = append(xy, plotter.XY{X: float64(ds.X[2*i]), Y: float64(ds.X[2*i+1])})
				}
			}
			if len(xy) == 0 {
				continue
			}
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return err
			}
			sc.Color = mustHex(paletteColor(k))
			sc.Shape = draw.CircleGlyph{}
			sc.Radius = vg.Points(2.2)
			pl.Add(sc)
			pl.Legend.Add(className(ds, k), sc)
		}
		pl.Draw(paintTitle(dc, title))
		return nil
	}
	return c, nil
}

// DecisionBoundary shows the classes a model predicts over the plane of the 2-D data set ds,
// with ds's points on top: viz.DecisionBoundary(train, model).
func DecisionBoundary(ds *datasets.Dataset, model *nn.Model, options ...Option) (Files, error) {
	if model == nil {
		return show(nil, fmt.Errorf("viz: the model is nil"))
	}
	var err error
	c, cerr := DecisionBoundaryChart(ds, func(points *tensor.Tensor) []int {
		pred, e := model.Classify(&datasets.Dataset{Name: "grid", Shape: []int{2}, X: points.Float32()})
		if e != nil {
			err = e
			return nil
		}
		return pred
	}, options...)
	if err != nil {
		return show(nil, fmt.Errorf("viz: DecisionBoundary: %w", err))
	}
	return show(c, cerr)
}

// DecisionBoundaryFunc shows the decision boundary of any classifier of 2-D points (a model
// written by hand with nn/scratch, a nearest-neighbour rule): predict gets the points as a
// tensor (N, 2) and returns one class per point.
func DecisionBoundaryFunc(ds *datasets.Dataset, predict func(points *tensor.Tensor) []int, options ...Option) (Files, error) {
	return show(DecisionBoundaryChart(ds, predict, options...))
}

// classGrid is a gonum plotter filling each grid cell with its class colour, lightened.
type classGrid struct {
	pred           []int
	n              int
	x0, y0, dx, dy float64
}

func (g *classGrid) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	for j := range g.n {
		for i := range g.n {
			col := mustHex(paletteColor(max(0, g.pred[j*g.n+i])))
			light := color.NRGBA{R: lighten(col.R), G: lighten(col.G), B: lighten(col.B), A: 255}
			xa, xb := tx(g.x0+g.dx*float64(i)), tx(g.x0+g.dx*float64(i+1))
			ya, yb := ty(g.y0+g.dy*float64(j)), ty(g.y0+g.dy*float64(j+1))
			r := vg.Rectangle{Min: vg.Point{X: xa, Y: ya}, Max: vg.Point{X: xb + 0.5, Y: yb + 0.5}}
			c.SetColor(light)
			c.Fill(r.Path())
		}
	}
}

// lighten mixes a colour channel with 75% white (the background's 25% opacity).
func lighten(v uint8) uint8 { return uint8(math.Round(255 - (255-float64(v))*0.25)) }
