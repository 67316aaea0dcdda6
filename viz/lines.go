package viz

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/godl-course/godl/nn"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one line of a line chart: the points (X[i], Y[i]). Points whose X or Y is NaN or
// infinite (or Y <= 0 on a log axis) are left out.
type Series struct {
	Name   string
	X, Y   []float64
	Color  string // "#rrggbb"; "" takes the next palette colour
	Dashed bool   // dashed line (validation curves)
	Marks  bool   // a dot on each point
	Faint  bool   // thin, half-transparent line (per-step values behind per-epoch averages)
}

// panel is one plot area of a line chart; charts with several panels put them side by side.
type panel struct {
	title, xLabel, yLabel string
	logY                  bool
	series                []Series
}

// validate checks the series' lengths and colours and gives each series its colour.
func (p *panel) validate() error {
	next := 0
	for i := range p.series {
		s := &p.series[i]
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("viz: series %q has %d x values and %d y values; give one x per y", s.Name, len(s.X), len(s.Y))
		}
		if s.Color == "" {
			s.Color = paletteColor(next)
			next++
		} else if _, err := parseHex(s.Color); err != nil {
			return fmt.Errorf("viz: series %q: %w", s.Name, err)
		}
	}
	return nil
}

// rising reports whether the panel's first series ends higher than it starts (an accuracy
// curve): its legend then goes to the bottom, away from the data.
func (p *panel) rising() bool {
	if len(p.series) == 0 {
		return false
	}
	xy := p.points(p.series[0])
	return len(xy) > 1 && xy[len(xy)-1].Y > xy[0].Y
}

// wholeX reports whether every x of the panel is a whole number (epochs, steps).
func (p *panel) wholeX() bool {
	n := 0
	for _, s := range p.series {
		for _, x := range s.X {
			if finite(x) && x != math.Trunc(x) {
				return false
			}
			n++
		}
	}
	return n > 0
}

// points returns the drawable points of s.
func (p *panel) points(s Series) plotter.XYs {
	xy := make(plotter.XYs, 0, len(s.X))
	for i := range s.X {
		x, y := s.X[i], s.Y[i]
		if !finite(x) || !finite(y) || (p.logY && y <= 0) {
			continue
		}
		xy = append(xy, plotter.XY{X: x, Y: y})
	}
	return xy
}

// linesChart builds a chart of panels side by side.
func linesChart(title string, width, height int, panels []panel) (*Chart, error) {
	if len(panels) == 0 {
		return nil, fmt.Errorf("viz: chart %q has nothing to draw", title)
	}
	for i := range panels {
		if err := panels[i].validate(); err != nil {
			return nil, err
		}
	}
	c := &Chart{Title: title, Width: width, Height: height}
	c.option = linesOption(title, panels)
	c.paint = func(dc draw.Canvas) error { return paintPanels(dc, title, panels) }
	return c, nil
}

// linesOption is the echarts option: one grid, x axis and y axis per panel.
func linesOption(title string, panels []panel) map[string]any {
	n := len(panels)
	titles := []opts.Title{{Title: title, Left: "center"}}
	var grids []opts.Grid
	var xAxes []opts.XAxis
	var yAxes []opts.YAxis
	var series []charts.SingleSeries
	var legend []string
	seen := map[string]bool{}
	const gap = 6.0 // percent between panels
	w := (100.0 - 8 - gap*float64(n-1)) / float64(n)
	for i, p := range panels {
		left := 6 + float64(i)*(w+gap)
		grids = append(grids, opts.Grid{Left: pct(left), Width: pct(w), Top: "70", Bottom: "50", ContainLabel: opts.Bool(true)})
		if p.title != "" {
			titles = append(titles, opts.Title{Title: p.title, Left: pct(left + w/2), Top: "38", TextAlign: "center",
				TitleStyle: &opts.TextStyle{FontSize: 13}})
		}
		xAxes = append(xAxes, opts.XAxis{Type: "value", Name: p.xLabel, NameLocation: "middle", NameGap: 28, GridIndex: i, Scale: opts.Bool(true)})
		yType := "value"
		if p.logY {
			yType = "log"
		}
		yAxes = append(yAxes, opts.YAxis{Type: yType, Name: p.yLabel, GridIndex: i, Scale: opts.Bool(true)})
		for _, s := range p.series {
			xy := p.points(s)
			data := make([]opts.LineData, len(xy))
			for k, pt := range xy {
				data[k] = opts.LineData{Value: []float64{pt.X, pt.Y}}
			}
			ls := &opts.LineStyle{Color: s.Color, Width: 2}
			if s.Dashed {
				ls.Type = "dashed"
			}
			if s.Faint {
				ls.Width, ls.Opacity = 1, opts.Float(0.45)
			}
			series = append(series, charts.SingleSeries{
				Name: s.Name, Type: "line", XAxisIndex: i, YAxisIndex: i, Data: data,
				ShowSymbol: opts.Bool(s.Marks), Symbol: "circle", SymbolSize: 5,
				LineStyle: ls, ItemStyle: &opts.ItemStyle{Color: s.Color},
			})
			if s.Name != "" && !seen[s.Name] {
				seen[s.Name] = true
				legend = append(legend, s.Name)
			}
		}
	}
	return map[string]any{
		"title":   titles,
		"color":   palette,
		"legend":  opts.Legend{Show: opts.Bool(true), Data: legend, Top: "bottom"},
		"tooltip": opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"},
		"grid":    grids,
		"xAxis":   xAxes,
		"yAxis":   yAxes,
		"series":  series,
	}
}

func pct(v float64) string { return fmt.Sprintf("%.1f%%", v) }

// paintPanels draws the panels side by side under the title, with gonum plot.
func paintPanels(dc draw.Canvas, title string, panels []panel) error {
	plots := make([]*plot.Plot, len(panels))
	for i, p := range panels {
		pl := newPlot()
		pl.Title.Text = p.title
		pl.X.Label.Text = p.xLabel
		pl.Y.Label.Text = p.yLabel
		pl.Legend.Top = !p.rising()
		pl.Add(plotter.NewGrid())
		if p.logY {
			pl.Y.Scale = plot.LogScale{}
			pl.Y.Tick.Marker = decadeTicks{}
		}
		empty := true
		for _, s := range p.series {
			xy := p.points(s)
			if len(xy) == 0 {
				continue
			}
			empty = false
			col := mustHex(s.Color)
			line, err := plotter.NewLine(xy)
			if err != nil {
				return fmt.Errorf("series %q: %w", s.Name, err)
			}
			line.Color = col
			line.Width = vg.Points(1.6)
			if s.Dashed {
				line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			if s.Faint {
				col.A = 115
				line.Color = col
				line.Width = vg.Points(0.8)
			}
			pl.Add(line)
			if s.Marks {
				sc, err := plotter.NewScatter(xy)
				if err != nil {
					return fmt.Errorf("series %q: %w", s.Name, err)
				}
				sc.Color = col
				sc.Shape = draw.CircleGlyph{}
				sc.Radius = vg.Points(2)
				pl.Add(sc)
			}
			if s.Name != "" {
				pl.Legend.Add(s.Name, line)
			}
		}
		if p.wholeX() { // epochs and steps: ticks at whole numbers
			pl.X.Tick.Marker = niceTicks{integer: true}
		}
		if empty { // an axis range for an empty panel (e.g. before the first step)
			pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = 0, 1, 0, 1
			if p.logY {
				pl.Y.Min = 0.1
			}
		}
		plots[i] = pl
	}
	body := paintTitle(dc, title)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Points(12), PadTop: vg.Points(2), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	canvases := plot.Align([][]*plot.Plot{plots}, tiles, body)
	for i, pl := range plots {
		pl.Draw(canvases[0][i])
	}
	return nil
}

// paintTitle writes title centred at the top of dc and returns the area below it.
func paintTitle(dc draw.Canvas, title string) draw.Canvas {
	if title == "" {
		return dc
	}
	sty := plot.New().Title.TextStyle
	sty.Font.Size = vg.Points(13)
	sty.XAlign = draw.XCenter
	sty.YAlign = draw.YTop
	// A title wider than the picture is drawn smaller, down to 9 pt, then cut with "…": never
	// clipped at both ends ("onv2d_1 filter").
	room := dc.Max.X - dc.Min.X - vg.Points(8)
	for sty.Font.Size > vg.Points(9) && sty.Width(title) > room {
		sty.Font.Size -= vg.Points(0.5)
	}
	if sty.Width(title) > room {
		r := []rune(title)
		for len(r) > 1 && sty.Width(string(r)+"…") > room {
			r = r[:len(r)-1]
		}
		title = strings.TrimRight(string(r), " ") + "…"
	}
	h := sty.Height(title) + vg.Points(8)
	dc.FillText(sty, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - vg.Points(4)}, title)
	body := dc
	body.Max.Y -= h
	return body
}

// titleWidth is the width in pixels of title drawn as paintTitle draws it, with a margin.
func titleWidth(title string) int {
	if title == "" {
		return 0
	}
	sty := plot.New().Title.TextStyle
	sty.Font.Size = vg.Points(13)
	return int(math.Ceil(float64(sty.Width(title))/float64(vg.Inch)*dpi)) + 16
}

// LinesChart builds a line chart of the series on one pair of axes.
func LinesChart(series []Series, options ...Option) (*Chart, error) {
	s := newSettings(options)
	w, h := s.size(720, 400)
	return linesChart(s.titleOr("y = f(x)"), w, h, []panel{{xLabel: s.xLabel, yLabel: s.yLabel, logY: s.logY, series: append([]Series(nil), series...)}})
}

// SeriesOf is the series of one value of a training History, per epoch: "loss", "val_loss",
// "accuracy", "val_accuracy", any metric ("iou", "val_iou") or "lr"; x is the epoch. Use it to
// compare trainings on one chart:
//
//	viz.Lines([]viz.Series{viz.SeriesOf("SGD", h1, "val_accuracy"), viz.SeriesOf("Adam", h2, "val_accuracy")})
func SeriesOf(name string, h *nn.History, key string) Series {
	x, y := h.Values(key)
	return Series{Name: name, X: x, Y: y, Marks: len(x) <= 30}
}

// Lines shows a line chart of the series (see [LinesChart]).
func Lines(series []Series, options ...Option) (Files, error) {
	return show(LinesChart(series, options...))
}

// funcSeries samples f at n evenly spaced points of [from, to].
func funcSeries(name string, f func(float64) float64, from, to float64, n int) Series {
	s := Series{Name: name, X: make([]float64, n), Y: make([]float64, n)}
	for i := range n {
		x := from + (to-from)*float64(i)/float64(n-1)
		s.X[i], s.Y[i] = x, f(x)
	}
	return s
}

// checkRange validates an interval of x values.
func checkRange(from, to float64) error {
	if !finite(from) || !finite(to) || !(from < to) {
		return fmt.Errorf("viz: the x range [%g, %g] is empty or not finite; give from < to", from, to)
	}
	return nil
}

// FuncChart builds the plot of y = f(x) for x in [from, to] (400 evenly spaced samples).
func FuncChart(f func(float64) float64, from, to float64, options ...Option) (*Chart, error) {
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	s := newSettings(options)
	w, h := s.size(720, 400)
	return linesChart(s.titleOr("y = f(x)"), w, h, []panel{{xLabel: s.xLabelOr("x"), yLabel: s.yLabelOr("y"), logY: s.logY,
		series: []Series{funcSeries("f(x)", f, from, to, 400)}}})
}

// Func shows the plot of y = f(x) for x in [from, to]: viz.Func(math.Tanh, -4, 4).
func Func(f func(float64) float64, from, to float64, options ...Option) (Files, error) {
	return show(FuncChart(f, from, to, options...))
}

// derivative returns the central-difference derivative of f,
//
//	f'(x) ≈ (f(x+h) − f(x−h)) / 2h,  h = 1e-5·max(1, |x|),
//
// whose error is O(h²) for smooth f.
func derivative(f func(float64) float64) func(float64) float64 {
	return func(x float64) float64 {
		h := 1e-5 * math.Max(1, math.Abs(x))
		return (f(x+h) - f(x-h)) / (2 * h)
	}
}

// FuncsChart plots each named function (solid) and its derivative (dashed, same colour, computed
// numerically) on [from, to], side by side; names are drawn in sorted order (activation
// functions and their derivatives, the vanishing-gradient chapter).
func FuncsChart(fs map[string]func(float64) float64, from, to float64, options ...Option) (*Chart, error) {
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, fmt.Errorf("viz: no function to draw; give a map of name to function, e.g. {\"tanh\": math.Tanh}")
	}
	names := make([]string, 0, len(fs))
	for name := range fs {
		names = append(names, name)
	}
	sort.Strings(names)
	s := newSettings(options)
	w, h := s.size(720, 400)
	var fns, ders []Series
	for i, name := range names {
		col := paletteColor(i)
		f := funcSeries(name, fs[name], from, to, 400)
		f.Color = col
		d := funcSeries(name+"′", derivative(fs[name]), from, to, 400)
		d.Color, d.Dashed = col, true
		fns, ders = append(fns, f), append(ders, d)
	}
	return linesChart(s.titleOr("Functions and their derivatives"), w, h, []panel{
		{title: "f(x)", xLabel: s.xLabelOr("x"), series: fns},
		{title: "f′(x)", xLabel: s.xLabelOr("x"), series: ders},
	})
}

// Funcs shows functions and their derivatives side by side, e.g. activation functions:
//
//	viz.Funcs(map[string]func(float64) float64{"tanh": math.Tanh, "relu": relu}, -4, 4)
func Funcs(fs map[string]func(float64) float64, from, to float64, options ...Option) (Files, error) {
	return show(FuncsChart(fs, from, to, options...))
}

// ScheduleChart plots a learning-rate schedule lr(step) for steps 0..steps-1.
func ScheduleChart(lr func(step int) float64, steps int, options ...Option) (*Chart, error) {
	if steps < 2 {
		return nil, fmt.Errorf("viz: a schedule needs at least 2 steps, got %d", steps)
	}
	s := newSettings(options)
	w, h := s.size(720, 360)
	sr := Series{Name: "learning rate", X: make([]float64, steps), Y: make([]float64, steps)}
	for i := range steps {
		sr.X[i], sr.Y[i] = float64(i), lr(i)
	}
	return linesChart(s.titleOr("Learning-rate schedule"), w, h, []panel{{xLabel: s.xLabelOr("step"), yLabel: s.yLabelOr("learning rate"), logY: s.logY, series: []Series{sr}}})
}

// Schedule shows a learning-rate schedule lr(step) over steps steps.
func Schedule(lr func(step int) float64, steps int, options ...Option) (Files, error) {
	return show(ScheduleChart(lr, steps, options...))
}
