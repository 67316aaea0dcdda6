package viz

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// MatrixPanel is one small matrix of a [MatrixGridChart]: a heatmap with the number written in
// every cell, e.g. the input, the kernel or the output of a convolution.
type MatrixPanel struct {
	// Name is written above the panel, e.g. "input x (6×6)".
	Name string
	// Values holds the rows of the matrix (rows × cols, row 0 at the top). A NaN leaves its cell
	// empty: a value not computed yet.
	Values [][]float64
	// Marks outline blocks of cells: the current window, the position of a max, ...
	Marks []MatrixMark
	// Min and Max fix the colour scale; both 0: from the values. Give the same range in every
	// frame of a step-by-step demo, so that a cell keeps its colour from one frame to the next.
	// With Min < 0 < Max the scale is diverging: negative values red, 0 white, positive blue.
	Min, Max float64
	// Format writes the numbers (fmt verbs, default "%.3g").
	Format string
}

// MatrixMark outlines the block of Rows × Cols cells whose top-left cell is (Row, Col) in a
// [MatrixPanel]; Rows and Cols 0 mean 1 (one cell). Color is "#rrggbb" (default black).
type MatrixMark struct {
	Row, Col, Rows, Cols int
	Color                string
}

// Sizes of the matrix grid drawing, in pixels.
const (
	matrixCell   = 44 // default side of a cell
	matrixGap    = 56 // between two panels (room for the row numbers of the next one)
	matrixLeft   = 36 // room for the row numbers of the first panel
	matrixRight  = 20
	matrixTitleL = 22 // height of one line of the title
	matrixTitleG = 8  // between the title and the panel names
	matrixNameH  = 24 // panel name
	matrixIndexH = 18 // column numbers above the cells
	matrixBottom = 20
)

// Colours of the matrix grid: a sequential scale white → blue, or a diverging one red → white
// → blue for values of both signs.
var (
	matrixPositive = "#4a90c8"
	matrixNegative = "#e0605a"
	matrixMarkLine = "#000000"
)

// matrixPanelOK checks one panel and returns its colour range and number format.
func matrixPanelOK(i int, p MatrixPanel) (lo, hi float64, format string, err error) {
	name := p.Name
	if name == "" {
		name = "panel " + strconv.Itoa(i)
	}
	if len(p.Values) == 0 || len(p.Values[0]) == 0 {
		return 0, 0, "", fmt.Errorf("viz: MatrixGrid: %s (panel %d) has no values; give its rows, e.g. [][]float64{{1, 2}, {3, 4}}", name, i)
	}
	cols := len(p.Values[0])
	lo, hi = math.Inf(1), math.Inf(-1)
	for r, row := range p.Values {
		if len(row) != cols {
			return 0, 0, "", fmt.Errorf("viz: MatrixGrid: %s (panel %d): row %d has %d values but row 0 has %d; the rows of a matrix have the same length", name, i, r, len(row), cols)
		}
		for c, v := range row {
			if math.IsInf(v, 0) {
				return 0, 0, "", fmt.Errorf("viz: MatrixGrid: %s (panel %d): cell (%d, %d) is %v; give finite values (NaN for an empty cell)", name, i, r, c, v)
			}
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	for k, m := range p.Marks {
		rows, mc := max(m.Rows, 1), max(m.Cols, 1)
		if m.Row < 0 || m.Col < 0 || m.Rows < 0 || m.Cols < 0 || m.Row+rows > len(p.Values) || m.Col+mc > cols {
			return 0, 0, "", fmt.Errorf("viz: MatrixGrid: %s (panel %d): mark %d covers rows %d..%d and columns %d..%d, outside the %d×%d matrix",
				name, i, k, m.Row, m.Row+rows-1, m.Col, m.Col+mc-1, len(p.Values), cols)
		}
		if m.Color != "" {
			if _, err := parseHex(m.Color); err != nil {
				return 0, 0, "", fmt.Errorf("viz: MatrixGrid: %s (panel %d): mark %d has colour %q; use \"#rrggbb\"", name, i, k, m.Color)
			}
		}
	}
	switch {
	case p.Min != 0 || p.Max != 0:
		if !(p.Min < p.Max) || !finite(p.Min) || !finite(p.Max) {
			return 0, 0, "", fmt.Errorf("viz: MatrixGrid: %s (panel %d) has the colour range Min %v, Max %v; give Min < Max (or both 0: from the values)", name, i, p.Min, p.Max)
		}
		lo, hi = p.Min, p.Max
	case math.IsInf(lo, 1): // every cell empty
		lo, hi = 0, 1
	case hi <= lo:
		lo, hi = lo-1, hi+1
	}
	if lo < 0 && hi > 0 { // diverging: 0 in the middle (white)
		a := math.Max(-lo, hi)
		lo, hi = -a, a
	}
	format = p.Format
	if format == "" {
		format = "%.3g"
	}
	return lo, hi, format, nil
}

// matrixStops returns the colour stops of a panel's scale from lo to hi.
func matrixStops(lo, hi float64) []string {
	if lo < 0 && hi > 0 {
		return []string{matrixNegative, "#ffffff", matrixPositive}
	}
	if hi <= 0 {
		return []string{matrixNegative, "#ffffff"}
	}
	return []string{"#ffffff", matrixPositive}
}

// matrixColor is the colour of v on the scale lo..hi, as echarts' continuous visualMap computes
// it (linear interpolation between equally spaced stops), and whether it is dark.
func matrixColor(v, lo, hi float64) (color.NRGBA, bool) {
	stops := matrixStops(lo, hi)
	t := math.Max(0, math.Min(1, (v-lo)/(hi-lo)))
	x := t * float64(len(stops)-1)
	k := min(int(x), len(stops)-2)
	f := x - float64(k)
	a, b := mustHex(stops[k]), mustHex(stops[k+1])
	mix := func(p, q uint8) uint8 { return uint8(math.Round(float64(p) + (float64(q)-float64(p))*f)) }
	c := color.NRGBA{R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B), A: 255}
	lum := 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)
	return c, lum < 140
}

// matrixNumber writes v with format, without a negative zero.
func matrixNumber(format string, v float64) string {
	s := fmt.Sprintf(format, v)
	if strings.HasPrefix(s, "-") && strings.Trim(s, "-0.") == "" {
		s = s[1:]
	}
	return s
}

// MatrixGridChart draws small matrices side by side, each a heatmap with its numbers written in
// the cells and its row and column numbers, for the step-by-step demos of the lecture (a
// convolution: input, kernel, output; a pooling: input, output). Marks outline the cells of
// interest (the current window). A title with "\n" is written on several lines.
//
//	viz.MatrixGridChart([]viz.MatrixPanel{
//		{Name: "input x", Values: x, Marks: []viz.MatrixMark{{Row: 1, Col: 2, Rows: 3, Cols: 3}}},
//		{Name: "kernel w", Values: w},
//		{Name: "output y", Values: y}, // NaN: not computed yet
//	}, viz.Title("y[1,2] = Σ_m Σ_n x[1+m, 2+n]·w[m,n]"))
func MatrixGridChart(panels []MatrixPanel, options ...Option) (*Chart, error) {
	s := newSettings(options)
	if len(panels) == 0 {
		return nil, fmt.Errorf("viz: MatrixGrid got no panels; give at least one viz.MatrixPanel{Name: ..., Values: ...}")
	}
	type scale struct {
		lo, hi float64
		format string
	}
	scales := make([]scale, len(panels))
	totalCols, maxRows := 0, 0
	for i, p := range panels {
		lo, hi, format, err := matrixPanelOK(i, p)
		if err != nil {
			return nil, err
		}
		scales[i] = scale{lo, hi, format}
		totalCols += len(p.Values[0])
		maxRows = max(maxRows, len(p.Values))
	}
	title := s.titleOr("")
	lines := 0
	if title != "" {
		lines = len(strings.Split(title, "\n"))
	}
	nameTop := 8 + matrixTitleL*lines // top of the panel names
	if lines > 0 {
		nameTop += matrixTitleG
	}
	top := nameTop + matrixNameH + matrixIndexH // top of the cells
	fixedW := matrixLeft + matrixRight + matrixGap*(len(panels)-1)
	fixedH := top + matrixBottom
	w, h := s.size(max(fixedW+matrixCell*totalCols, 360), fixedH+matrixCell*maxRows)
	cell := math.Min(float64(w-fixedW)/float64(totalCols), float64(h-fixedH)/float64(maxRows))
	if cell < 8 {
		return nil, fmt.Errorf("viz: MatrixGrid: %d×%d pixels leave %.0f pixels per cell for %d columns and %d rows; give a larger viz.Size", w, h, cell, totalCols, maxRows)
	}
	// Horizontal positions in pixels, centred; the live chart gets them as percentages so that
	// it follows the width of the page.
	used := float64(fixedW-matrixLeft-matrixRight) + cell*float64(totalCols)
	x0 := make([]float64, len(panels))
	x := (float64(w) - used) / 2
	for i, p := range panels {
		x0[i] = x
		x += cell*float64(len(p.Values[0])) + matrixGap
	}
	pct := func(px float64) string { return strconv.FormatFloat(100*px/float64(w), 'f', 2, 64) + "%" }

	titles := []map[string]any{}
	if title != "" {
		titles = append(titles, map[string]any{"text": title, "left": "center", "top": 6,
			"textStyle": map[string]any{"fontSize": 14, "lineHeight": matrixTitleL}})
	}
	var grids, xAxes, yAxes, series, visualMaps []map[string]any
	for i, p := range panels {
		rows, cols := len(p.Values), len(p.Values[0])
		sc := scales[i]
		pw := cell * float64(cols)
		titles = append(titles, map[string]any{"text": p.Name, "left": pct(x0[i] + pw/2), "textAlign": "center",
			"top": nameTop, "textStyle": map[string]any{"fontSize": 13, "fontWeight": "normal"}})
		// The grid's border and split lines draw the cells, empty ones included.
		grids = append(grids, map[string]any{"left": pct(x0[i]), "width": pct(pw), "top": top, "height": json4(cell * float64(rows)),
			"show": true, "borderColor": "#dddddd", "borderWidth": 1})
		names := func(n int) []string {
			out := make([]string, n)
			for k := range out {
				out[k] = strconv.Itoa(k)
			}
			return out
		}
		axisLabel := map[string]any{"fontSize": 10, "color": "#777777", "margin": 4}
		splitLine := map[string]any{"show": true, "interval": 0, "lineStyle": map[string]any{"color": "#dddddd"}}
		xAxes = append(xAxes, map[string]any{"type": "category", "gridIndex": i, "data": names(cols), "position": "top",
			"axisTick": map[string]any{"show": false}, "axisLine": map[string]any{"show": false}, "axisLabel": axisLabel, "splitLine": splitLine})
		yAxes = append(yAxes, map[string]any{"type": "category", "gridIndex": i, "data": names(rows), "inverse": true,
			"axisTick": map[string]any{"show": false}, "axisLine": map[string]any{"show": false}, "axisLabel": axisLabel, "splitLine": splitLine})
		border := map[[2]int]string{}
		for _, m := range p.Marks {
			col := m.Color
			if col == "" {
				col = matrixMarkLine
			}
			for r := m.Row; r < m.Row+max(m.Rows, 1); r++ {
				for c := m.Col; c < m.Col+max(m.Cols, 1); c++ {
					border[[2]int{r, c}] = col
				}
			}
		}
		data := []map[string]any{}
		for r, row := range p.Values {
			for c, v := range row {
				b, marked := border[[2]int{r, c}]
				if math.IsNaN(v) {
					continue // an empty cell: not in the data
				}
				_, dark := matrixColor(v, sc.lo, sc.hi)
				labelColor := "#000000"
				if dark {
					labelColor = "#ffffff"
				}
				item := map[string]any{"value": []any{c, r, json4(v)},
					"label": map[string]any{"formatter": matrixNumber(sc.format, v), "color": labelColor}}
				if marked {
					item["itemStyle"] = map[string]any{"borderColor": b, "borderWidth": 3}
					item["label"].(map[string]any)["fontWeight"] = "bold"
				} else {
					item["itemStyle"] = map[string]any{"borderColor": "#dddddd", "borderWidth": 1}
				}
				data = append(data, item)
			}
		}
		series = append(series, map[string]any{"type": "heatmap", "name": p.Name, "xAxisIndex": i, "yAxisIndex": i, "data": data,
			"label": map[string]any{"show": true, "fontSize": math.Round(math.Min(13, cell/3.2))}, "emphasis": map[string]any{"disabled": true}})
		visualMaps = append(visualMaps, map[string]any{"type": "continuous", "show": false, "seriesIndex": i, "dimension": 2,
			"min": json4(sc.lo), "max": json4(sc.hi), "inRange": map[string]any{"color": matrixStops(sc.lo, sc.hi)}})
	}
	option := map[string]any{
		"title": titles, "tooltip": map[string]any{"show": true},
		"grid": grids, "xAxis": xAxes, "yAxis": yAxes, "visualMap": visualMaps, "series": series,
	}
	c := &Chart{Title: strings.ReplaceAll(title, "\n", " "), Width: w, Height: h, option: option}
	c.paint = func(dc draw.Canvas) error {
		px := vg.Inch / dpi
		at := func(x, y float64) vg.Point {
			return vg.Point{X: dc.Min.X + vg.Length(x)*px, Y: dc.Max.Y - vg.Length(y)*px}
		}
		sty := plot.New().Title.TextStyle
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
		sty.Color = color.Black
		if title != "" {
			for k, line := range strings.Split(title, "\n") {
				ts := sty
				ts.Font.Size = vg.Points(11)
				room := vg.Length(w-16) * px
				for ts.Font.Size > vg.Points(7) && ts.Width(line) > room {
					ts.Font.Size -= vg.Points(0.5)
				}
				dc.FillText(ts, at(float64(w)/2, 6+matrixTitleL*(float64(k)+0.5)), line)
			}
		}
		for i, p := range panels {
			rows, cols := len(p.Values), len(p.Values[0])
			sc := scales[i]
			pw := cell * float64(cols)
			ns := sty
			ns.Font.Size = vg.Points(10)
			dc.FillText(ns, at(x0[i]+pw/2, float64(nameTop)+matrixNameH/2), p.Name)
			idx := sty
			idx.Font.Size = vg.Points(7.5)
			idx.Color = color.Gray{Y: 119}
			for c := range cols {
				dc.FillText(idx, at(x0[i]+cell*(float64(c)+0.5), float64(top)-matrixIndexH/2), strconv.Itoa(c))
			}
			for r := range rows {
				dc.FillText(idx, at(x0[i]-10, float64(top)+cell*(float64(r)+0.5)), strconv.Itoa(r))
			}
			num := sty
			num.Font.Size = vg.Points(math.Min(10, cell/4.2))
			for r, row := range p.Values {
				for c, v := range row {
					cx, cy := x0[i]+cell*float64(c), float64(top)+cell*float64(r)
					rect := vg.Rectangle{Min: at(cx, cy+cell), Max: at(cx+cell, cy)}
					if !math.IsNaN(v) {
						fill, dark := matrixColor(v, sc.lo, sc.hi)
						dc.SetColor(fill)
						dc.Fill(rect.Path())
						num.Color = color.Black
						if dark {
							num.Color = color.White
						}
						dc.FillText(num, at(cx+cell/2, cy+cell/2), matrixNumber(sc.format, v))
					}
					dc.SetColor(color.Gray{Y: 221})
					dc.SetLineWidth(vg.Points(0.5))
					dc.Stroke(rect.Path())
				}
			}
			for _, m := range p.Marks {
				col := m.Color
				if col == "" {
					col = matrixMarkLine
				}
				cx, cy := x0[i]+cell*float64(m.Col), float64(top)+cell*float64(m.Row)
				rect := vg.Rectangle{Min: at(cx, cy+cell*float64(max(m.Rows, 1))), Max: at(cx+cell*float64(max(m.Cols, 1)), cy)}
				dc.SetColor(mustHex(col))
				dc.SetLineWidth(vg.Points(2.2))
				dc.Stroke(rect.Path())
			}
		}
		return nil
	}
	return c, nil
}

// MatrixGrid shows small matrices side by side with their numbers (see [MatrixGridChart]).
func MatrixGrid(panels []MatrixPanel, options ...Option) (Files, error) {
	return show(MatrixGridChart(panels, options...))
}
