package viz

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Resolution of the loss surface: cells per side, and contour levels.
const (
	surfaceGrid   = 80
	surfaceLevels = 12
)

// surfaceColors are the colour bands of the loss surface, low to high loss: viridis mixed with
// white, so that the optimizers' paths (palette colours) stand out.
var surfaceColors = func() []color.NRGBA {
	anchors := []string{"#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"}
	out := make([]color.NRGBA, surfaceLevels+1)
	for k := range out {
		t := float64(k) / float64(len(out)-1) * float64(len(anchors)-1)
		i := min(int(t), len(anchors)-2)
		a, b := mustHex(anchors[i]), mustHex(anchors[i+1])
		f := t - float64(i)
		mix := func(x, y uint8) uint8 {
			v := float64(x) + (float64(y)-float64(x))*f
			return uint8(math.Round(v + (255-v)*0.55)) // 55% white
		}
		out[k] = color.NRGBA{R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B), A: 255}
	}
	return out
}()

// contourColor draws the level lines.
var contourColor = color.NRGBA{R: 0x55, G: 0x55, B: 0x55, A: 255}

// surface is f sampled at the centres of an n×n grid over [x0,x1]×[y0,y1], with contour levels.
type surface struct {
	n              int
	x0, x1, y0, y1 float64
	z              []float64 // z[j*n+i] = f(x_i, y_j)
	levels         []float64 // increasing
	band           []int     // band[j*n+i] = number of levels ≤ z (0..len(levels)); −1 for NaN
}

func (s *surface) xAt(i float64) float64 { return s.x0 + (s.x1-s.x0)*(i+0.5)/float64(s.n) }
func (s *surface) yAt(j float64) float64 { return s.y0 + (s.y1-s.y0)*(j+0.5)/float64(s.n) }

// sampleSurface evaluates f on the grid and chooses the contour levels as quantiles of the
// sampled values, so that the levels follow the shape of the surface whatever its scale (the
// Rosenbrock function spans 0 to thousands over its usual window).
func sampleSurface(f func(x, y float64) float64, n int, x0, x1, y0, y1 float64) (*surface, error) {
	s := &surface{n: n, x0: x0, x1: x1, y0: y0, y1: y1, z: make([]float64, n*n), band: make([]int, n*n)}
	var finiteZ []float64
	for j := range n {
		for i := range n {
			v := f(s.xAt(float64(i)), s.yAt(float64(j)))
			s.z[j*n+i] = v
			if finite(v) {
				finiteZ = append(finiteZ, v)
			}
		}
	}
	if len(finiteZ) == 0 {
		return nil, fmt.Errorf("viz: the loss surface is NaN or infinite everywhere on [%g, %g]×[%g, %g]", x0, x1, y0, y1)
	}
	sort.Float64s(finiteZ)
	for k := 1; k <= surfaceLevels; k++ {
		q := finiteZ[min(len(finiteZ)-1, k*len(finiteZ)/(surfaceLevels+1))]
		if len(s.levels) == 0 || q > s.levels[len(s.levels)-1] {
			s.levels = append(s.levels, q)
		}
	}
	for i, v := range s.z {
		if !finite(v) {
			s.band[i] = -1
			continue
		}
		s.band[i] = sort.Search(len(s.levels), func(k int) bool { return s.levels[k] > v })
	}
	return s, nil
}

// bandColor returns the colour of band b, spreading the bands over the whole colour scale.
func (s *surface) bandColor(b int) color.NRGBA {
	if b < 0 {
		return color.NRGBA{R: 255, G: 255, B: 255, A: 255}
	}
	k := int(math.Round(float64(b) * float64(len(surfaceColors)-1) / float64(max(1, len(s.levels)))))
	return surfaceColors[k]
}

// contours returns the level lines of the surface as polylines (x, y points), by marching
// squares on the grid of sample points with linear interpolation along the cell edges.
func (s *surface) contours() [][]plotter.XY {
	n := s.n
	var lines [][]plotter.XY
	for _, level := range s.levels {
		// Each crossing point is identified by its grid edge: horizontal edge (i,j)-(i+1,j) has id
		// 2·(j·n+i), vertical edge (i,j)-(i,j+1) has id 2·(j·n+i)+1.
		point := map[int]plotter.XY{}
		next := map[int][]int{} // edge id → edge ids joined by a segment
		cross := func(i, j, di, dj int) (int, bool) {
			a, b := s.z[j*n+i], s.z[(j+dj)*n+i+di]
			if !finite(a) || !finite(b) || (a < level) == (b < level) {
				return 0, false
			}
			id := 2 * (j*n + i)
			if dj == 1 {
				id++
			}
			if _, ok := point[id]; !ok {
				t := (level - a) / (b - a)
				point[id] = plotter.XY{X: s.xAt(float64(i) + t*float64(di)), Y: s.yAt(float64(j) + t*float64(dj))}
			}
			return id, true
		}
		for j := range n - 1 {
			for i := range n - 1 {
				var ids []int
				// Edges around the square, in order: bottom, right, top, left.
				for _, e := range [][4]int{{i, j, 1, 0}, {i + 1, j, 0, 1}, {i, j + 1, 1, 0}, {i, j, 0, 1}} {
					if id, ok := cross(e[0], e[1], e[2], e[3]); ok {
						ids = append(ids, id)
					}
				}
				switch len(ids) {
				case 2:
					next[ids[0]] = append(next[ids[0]], ids[1])
					next[ids[1]] = append(next[ids[1]], ids[0])
				case 4: // saddle: pair by the centre value
					centre := (s.z[j*n+i] + s.z[j*n+i+1] + s.z[(j+1)*n+i] + s.z[(j+1)*n+i+1]) / 4
					pairs := [][2]int{{0, 1}, {2, 3}}
					if (centre < level) == (s.z[j*n+i] < level) {
						pairs = [][2]int{{0, 3}, {1, 2}}
					}
					for _, p := range pairs {
						a, b := ids[p[0]], ids[p[1]]
						next[a] = append(next[a], b)
						next[b] = append(next[b], a)
					}
				}
			}
		}
		// Chain the segments into polylines, starting from open ends first.
		used := map[[2]int]bool{}
		ids := make([]int, 0, len(next))
		for id := range next {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(a, b int) bool {
			ea, eb := len(next[ids[a]]) == 1, len(next[ids[b]]) == 1
			if ea != eb {
				return ea
			}
			return ids[a] < ids[b]
		})
		key := func(a, b int) [2]int { return [2]int{min(a, b), max(a, b)} }
		for _, start := range ids {
			for _, first := range next[start] {
				if used[key(start, first)] {
					continue
				}
				line := []plotter.XY{point[start]}
				prev, cur := start, first
				used[key(prev, cur)] = true
				for {
					line = append(line, point[cur])
					nxt := -1
					for _, c := range next[cur] {
						if !used[key(cur, c)] {
							nxt = c
							break
						}
					}
					if nxt < 0 {
						break
					}
					used[key(cur, nxt)] = true
					prev, cur = cur, nxt
				}
				_ = prev
				lines = append(lines, line)
			}
		}
	}
	return lines
}

// Range sets the x and y ranges of a loss surface (default: the paths' extent plus 15%).
func Range(x0, x1, y0, y1 float64) Option {
	return func(s *settings) { s.xyRange = &[4]float64{x0, x1, y0, y1} }
}

// TrajectoriesChart draws optimizer paths over a 2-D loss surface f(x, y): the surface as filled
// contours (colour bands between 12 levels chosen as quantiles of f on an 80×80 grid, dark = low,
// with the level lines) and each path as a line from a circle (start) to a diamond (end), with a
// dot on each step when the path has at most 100 points. A path is a Series: X[k], Y[k] are the parameters after step k, e.g. from
//
//	w ← w − η ∇f(w)                     (SGD)
//	v ← β v + ∇f(w),  w ← w − η v       (momentum)
//
// The plotted window is Range(...), else the paths' extent plus 15% on each side.
func TrajectoriesChart(f func(x, y float64) float64, paths []Series, options ...Option) (*Chart, error) {
	if f == nil {
		return nil, fmt.Errorf("viz: the loss surface function is nil; give f(x, y), e.g. the Rosenbrock function")
	}
	s := newSettings(options)
	p := panel{series: append([]Series(nil), paths...)}
	if err := p.validate(); err != nil {
		return nil, err
	}
	var x0, x1, y0, y1 float64
	if s.xyRange != nil {
		x0, x1, y0, y1 = s.xyRange[0], s.xyRange[1], s.xyRange[2], s.xyRange[3]
	} else {
		x0, x1, y0, y1 = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, sr := range p.series {
			for _, pt := range p.points(sr) {
				x0, x1 = math.Min(x0, pt.X), math.Max(x1, pt.X)
				y0, y1 = math.Min(y0, pt.Y), math.Max(y1, pt.Y)
			}
		}
		if math.IsInf(x0, 1) {
			return nil, fmt.Errorf("viz: no path point to take the window from; give paths or viz.Range(x0, x1, y0, y1)")
		}
		mx, my := 0.15*math.Max(x1-x0, 1e-3), 0.15*math.Max(y1-y0, 1e-3)
		x0, x1, y0, y1 = x0-mx, x1+mx, y0-my, y1+my
	}
	if !finite(x0) || !finite(x1) || !finite(y0) || !finite(y1) || !(x0 < x1) || !(y0 < y1) {
		return nil, fmt.Errorf("viz: the window [%g, %g]×[%g, %g] is empty or not finite; give viz.Range(x0, x1, y0, y1) with x0 < x1 and y0 < y1", x0, x1, y0, y1)
	}
	// A path that leaves the window (a diverging optimizer) is drawn up to there, and says so,
	// instead of stretching the picture.
	for i := range p.series {
		sr := &p.series[i]
		if len(sr.X) != len(sr.Y) {
			continue
		}
		for k := range sr.X {
			if !(sr.X[k] >= x0 && sr.X[k] <= x1 && sr.Y[k] >= y0 && sr.Y[k] <= y1) {
				sr.X, sr.Y = sr.X[:k], sr.Y[:k]
				sr.Name += fmt.Sprintf(" (leaves the window at step %d)", k)
				break
			}
		}
	}
	surf, err := sampleSurface(f, surfaceGrid, x0, x1, y0, y1)
	if err != nil {
		return nil, err
	}
	contours := surf.contours()
	w, h := s.size(640, 560)
	title := s.titleOr("Optimizer trajectories")

	// Live chart: one scatter series of square cells per colour band, the level lines, the paths.
	n := surf.n
	// Opaque cells of the grid step (grid margins: 90 px across, 120 px down) plus a pixel.
	cellW, cellH := math.Ceil(float64(w-90)/float64(n))+1, math.Ceil(float64(h-120)/float64(n))+1
	var series []map[string]any
	for b := 0; b <= len(surf.levels); b++ {
		var cells [][]float64
		for j := range n {
			for i := range n {
				if surf.band[j*n+i] == b {
					cells = append(cells, []float64{json4(surf.xAt(float64(i))), json4(surf.yAt(float64(j))), json4(surf.z[j*n+i])})
				}
			}
		}
		if len(cells) == 0 {
			continue
		}
		col := surf.bandColor(b)
		series = append(series, map[string]any{"type": "scatter", "name": "f(x, y)", "symbol": "rect", "symbolSize": []float64{cellW, cellH},
			"data": cells, "animation": false, "z": 1,
			"itemStyle": map[string]any{"color": fmt.Sprintf("#%02x%02x%02x", col.R, col.G, col.B), "opacity": 1},
			"emphasis":  map[string]any{"disabled": true}})
	}
	var coords [][][]float64
	for _, line := range contours {
		pts := make([][]float64, len(line))
		for k, pt := range line {
			pts[k] = []float64{json4(pt.X), json4(pt.Y)}
		}
		coords = append(coords, pts)
	}
	lineData := make([]map[string]any, len(coords))
	for k, c := range coords {
		lineData[k] = map[string]any{"coords": c}
	}
	series = append(series, map[string]any{"type": "lines", "name": "level lines", "coordinateSystem": "cartesian2d", "polyline": true,
		"data": lineData, "silent": true, "animation": false, "z": 2,
		"lineStyle": map[string]any{"color": "#555555", "width": 0.7, "opacity": 0.7}})
	var legend []string
	for _, sr := range p.series {
		pts := p.points(sr)
		data := make([]map[string]any, len(pts))
		for k, pt := range pts {
			d := map[string]any{"value": []float64{pt.X, pt.Y}}
			switch k {
			case 0:
				d["symbol"], d["symbolSize"] = "circle", 10
			case len(pts) - 1:
				d["symbol"], d["symbolSize"] = "diamond", 13
			}
			data[k] = d
		}
		series = append(series, map[string]any{"type": "line", "name": sr.Name, "data": data, "z": 3,
			"showSymbol": true, "symbol": "circle", "symbolSize": stepDot(len(pts), 5, 0),
			"lineStyle": map[string]any{"color": sr.Color, "width": 2},
			"itemStyle": map[string]any{"color": sr.Color}})
		if sr.Name != "" {
			legend = append(legend, sr.Name)
		}
	}
	option := map[string]any{
		"title":   []map[string]any{{"text": title, "left": "center"}},
		"color":   palette,
		"tooltip": map[string]any{"show": true},
		"legend":  map[string]any{"show": true, "data": legend, "top": "bottom"},
		"grid":    []map[string]any{{"left": 60, "right": 30, "top": 50, "bottom": 70}},
		"xAxis":   []map[string]any{{"type": "value", "name": "x", "nameLocation": "middle", "nameGap": 26, "min": json4(x0), "max": json4(x1)}},
		"yAxis":   []map[string]any{{"type": "value", "name": "y", "nameLocation": "middle", "nameGap": 34, "min": json4(y0), "max": json4(y1)}},
		"series":  series,
	}
	c := &Chart{Title: title, Width: w, Height: h, option: option}
	c.paint = func(dc draw.Canvas) error {
		pl := newPlot()
		pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = x0, x1, y0, y1
		pl.X.Label.Text, pl.Y.Label.Text = "x", "y"
		pl.Legend.Top = true
		pl.Add(&surfacePlotter{s: surf, lines: contours})
		for _, sr := range p.series {
			pts := p.points(sr)
			if len(pts) == 0 {
				continue
			}
			col := mustHex(sr.Color)
			line, err := plotter.NewLine(pts)
			if err != nil {
				return fmt.Errorf("path %q: %w", sr.Name, err)
			}
			line.Color, line.Width = col, vg.Points(1.6)
			steps, err := plotter.NewScatter(pts)
			if err != nil {
				return fmt.Errorf("path %q: %w", sr.Name, err)
			}
			steps.Color, steps.Shape, steps.Radius = col, draw.CircleGlyph{}, vg.Points(stepDot(len(pts), 1.6, 0))
			ends, _ := plotter.NewScatter(plotter.XYs{pts[0]})
			ends.Color, ends.Shape, ends.Radius = col, draw.CircleGlyph{}, vg.Points(4)
			last, _ := plotter.NewScatter(plotter.XYs{pts[len(pts)-1]})
			last.Color, last.Shape, last.Radius = col, diamondGlyph{}, vg.Points(5.5)
			pl.Add(line, steps, ends, last)
			if sr.Name != "" {
				pl.Legend.Add(sr.Name, line)
			}
		}
		pl.Legend.XOffs, pl.Legend.YOffs = -vg.Points(6), -vg.Points(4)
		body := paintTitle(dc, title)
		body.Max.X -= vg.Points(14) // room for the last x tick label
		pl.Draw(body)
		return nil
	}
	return c, nil
}

// stepDot is the size of the dot on each step of a path: dots only on paths of at most 100
// steps, where they can be told apart.
func stepDot(steps int, size, none float64) float64 {
	if steps <= 100 {
		return size
	}
	return none
}

// Trajectories shows optimizer paths over the loss surface f (see [TrajectoriesChart]):
//
//	rosenbrock := func(x, y float64) float64 { return (1-x)*(1-x) + 100*(y-x*x)*(y-x*x) }
//	viz.Trajectories(rosenbrock, []viz.Series{{Name: "SGD", X: xs, Y: ys}}, viz.Range(-2, 2, -1, 3))
func Trajectories(f func(x, y float64) float64, paths []Series, options ...Option) (Files, error) {
	return show(TrajectoriesChart(f, paths, options...))
}

// surfacePlotter draws the colour bands and the level lines of a surface (gonum plotter).
type surfacePlotter struct {
	s     *surface
	lines [][]plotter.XY
}

func (sp *surfacePlotter) Plot(c draw.Canvas, p *plot.Plot) {
	s := sp.s
	tx, ty := p.Transforms(&c)
	dx, dy := (s.x1-s.x0)/float64(s.n), (s.y1-s.y0)/float64(s.n)
	for j := range s.n {
		for i := range s.n {
			xa, xb := tx(s.x0+dx*float64(i)), tx(s.x0+dx*float64(i+1))
			ya, yb := ty(s.y0+dy*float64(j)), ty(s.y0+dy*float64(j+1))
			c.SetColor(s.bandColor(s.band[j*s.n+i]))
			c.Fill(vg.Rectangle{Min: vg.Point{X: xa, Y: ya}, Max: vg.Point{X: xb + 0.5, Y: yb + 0.5}}.Path())
		}
	}
	sty := draw.LineStyle{Color: contourColor, Width: vg.Points(0.5)}
	for _, line := range sp.lines {
		pts := make([]vg.Point, len(line))
		for k, pt := range line {
			pts[k] = vg.Point{X: tx(pt.X), Y: ty(pt.Y)}
		}
		c.StrokeLines(sty, c.ClipLinesXY(pts)...)
	}
}

// diamondGlyph is a filled diamond (the end of a path).
type diamondGlyph struct{}

func (diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Close()
	c.SetColor(sty.Color)
	c.Fill(p)
	c.SetColor(color.White)
	c.SetLineWidth(vg.Points(0.6))
	c.Stroke(p)
}
