package viz

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/godl-course/godl/nn"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ConfusionChart builds the confusion-matrix heatmap of the predictions against the labels
// (true classes), computed by nn.ConfusionMatrix: rows true, columns predicted, named by
// Classes(...) (default "0", "1", ...). The arguments are in the course's order, predictions
// first (as nn.Accuracy and nn.ConfusionMatrix). Normalized() divides each row by its total, so
// the diagonal reads as the recall of each class:
//
//	recall_t = M[t][t] / Σ_p M[t][p].
func ConfusionChart(predictions, labels []int, options ...Option) (*Chart, error) {
	s := newSettings(options)
	if len(labels) != len(predictions) {
		return nil, fmt.Errorf("viz: %d predictions but %d labels; give one prediction per example", len(predictions), len(labels))
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("viz: no labels to build a confusion matrix from")
	}
	n := len(s.classes)
	for i := range labels {
		if labels[i] < 0 || predictions[i] < 0 {
			return nil, fmt.Errorf("viz: example %d has prediction %d and label %d; class ids start at 0", i, predictions[i], labels[i])
		}
		n = max(n, labels[i]+1, predictions[i]+1)
	}
	counts := nn.ConfusionMatrix(predictions, labels, n)
	m := make([][]float64, n)
	for t, row := range counts {
		m[t] = make([]float64, n)
		for p, c := range row {
			m[t][p] = float64(c)
		}
	}
	if len(s.classes) > 0 && len(s.classes) < len(m) {
		return nil, fmt.Errorf("viz: %d class names for %d classes (labels and predictions go up to %d); give one name per class", len(s.classes), len(m), len(m)-1)
	}
	names := make([]string, len(m))
	for i := range names {
		if len(s.classes) > 0 {
			names[i] = s.classes[i]
		} else {
			names[i] = strconv.Itoa(i)
		}
	}
	format := "%.0f"
	title := "Confusion matrix"
	if s.normalized {
		format, title = "%.2f", "Confusion matrix (normalized by row)"
		for _, row := range m {
			total := 0.0
			for _, v := range row {
				total += v
			}
			for j := range row {
				if total > 0 {
					row[j] /= total
				}
			}
		}
	}
	side := min(max(260+40*len(m), 420), 900)
	w, h := s.size(side+60, side)
	return matrixChart(s.titleOr(title), w, h, m, names, names, "predicted", "true", format), nil
}

// Confusion shows the confusion matrix of the predictions against the true labels:
// viz.Confusion(predictions, test.Labels, viz.Classes(test.Classes...)).
func Confusion(predictions, labels []int, options ...Option) (Files, error) {
	return show(ConfusionChart(predictions, labels, options...))
}

// heatColor maps t in [0,1] from white to the first palette colour.
func heatColor(t float64) color.NRGBA {
	if !finite(t) {
		t = 0
	}
	t = math.Max(0, math.Min(1, t))
	c := mustHex(palette[0])
	mix := func(a uint8) uint8 { return uint8(math.Round(255 + (float64(a)-255)*t)) }
	return color.NRGBA{R: mix(c.R), G: mix(c.G), B: mix(c.B), A: 255}
}

// matrixChart draws m (rows × cols) as a heatmap with the value written in each cell; row 0 at
// the top.
func matrixChart(title string, w, h int, m [][]float64, rowNames, colNames []string, xLabel, yLabel, format string) *Chart {
	lo, hi := math.Inf(1), math.Inf(-1)
	var data []opts.HeatMapData
	for i, row := range m {
		for j, v := range row {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
			data = append(data, opts.HeatMapData{Value: [3]any{j, i, json4(v)}})
		}
	}
	if hi <= lo {
		hi = lo + 1
	}
	option := map[string]any{
		"title":   []opts.Title{{Title: title, Left: "center"}},
		"tooltip": opts.Tooltip{Show: opts.Bool(true)},
		"grid":    []opts.Grid{{Left: "60", Right: "90", Top: "50", Bottom: "60", ContainLabel: opts.Bool(true)}},
		"xAxis":   []opts.XAxis{{Type: "category", Data: colNames, Name: xLabel, NameLocation: "middle", NameGap: 30, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}},
		"yAxis":   []opts.YAxis{{Type: "category", Data: rowNames, Name: yLabel, NameLocation: "middle", NameGap: 45, Inverse: opts.Bool(true), SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}},
		"visualMap": []opts.VisualMap{{Type: "continuous", Min: float32(lo), Max: float32(hi), Calculable: opts.Bool(true), Orient: "vertical", Right: "10", Top: "middle",
			InRange: &opts.VisualMapInRange{Color: []string{"#ffffff", palette[0]}}}},
		"series": []map[string]any{{"type": "heatmap", "data": data,
			"label": map[string]any{"show": len(m) <= 20}}},
	}
	c := &Chart{Title: title, Width: w, Height: h, option: option}
	c.paint = func(dc draw.Canvas) error {
		body := paintTitle(dc, title)
		sty := plot.New().X.Tick.Label
		sty.Font.Size = vg.Points(9)
		// Room for the row names on the left and the column names below.
		left := vg.Points(18)
		for _, n := range rowNames {
			left = max(left, sty.Width(n)+vg.Points(22))
		}
		bottom := sty.Height("0")*2 + vg.Points(14)
		area := vg.Rectangle{Min: vg.Point{X: body.Min.X + left, Y: body.Min.Y + bottom}, Max: vg.Point{X: body.Max.X - vg.Points(10), Y: body.Max.Y - vg.Points(4)}}
		rows, cols := len(m), len(m[0])
		cw, ch := (area.Max.X-area.Min.X)/vg.Length(cols), (area.Max.Y-area.Min.Y)/vg.Length(rows)
		cell := min(cw, ch)
		area.Max.X, area.Min.Y = area.Min.X+cell*vg.Length(cols), area.Max.Y-cell*vg.Length(rows)
		label := sty
		label.XAlign, label.YAlign = draw.XCenter, draw.YCenter
		for i, row := range m {
			for j, v := range row {
				t := (v - lo) / (hi - lo)
				x0, y1 := area.Min.X+cell*vg.Length(j), area.Max.Y-cell*vg.Length(i)
				r := vg.Rectangle{Min: vg.Point{X: x0, Y: y1 - cell}, Max: vg.Point{X: x0 + cell, Y: y1}}
				dc.SetColor(heatColor(t))
				dc.Fill(r.Path())
				if rows <= 20 {
					label.Color = color.Black
					if t > 0.6 {
						label.Color = color.White
					}
					dc.FillText(label, vg.Point{X: x0 + cell/2, Y: y1 - cell/2}, fmt.Sprintf(format, v))
				}
			}
		}
		dc.SetColor(color.Gray{Y: 160})
		dc.SetLineWidth(vg.Points(0.5))
		dc.Stroke(area.Path())
		names := sty
		names.XAlign, names.YAlign = draw.XRight, draw.YCenter
		for i, n := range rowNames {
			dc.FillText(names, vg.Point{X: area.Min.X - vg.Points(4), Y: area.Max.Y - cell*(vg.Length(i)+0.5)}, n)
		}
		names.XAlign, names.YAlign = draw.XCenter, draw.YTop
		for j, n := range colNames {
			dc.FillText(names, vg.Point{X: area.Min.X + cell*(vg.Length(j)+0.5), Y: area.Min.Y - vg.Points(3)}, n)
		}
		axis := sty
		axis.Font.Size = vg.Points(10)
		axis.XAlign, axis.YAlign = draw.XCenter, draw.YBottom
		dc.FillText(axis, vg.Point{X: (area.Min.X + area.Max.X) / 2, Y: body.Min.Y + vg.Points(2)}, xLabel)
		axis.Rotation = math.Pi / 2
		axis.XAlign, axis.YAlign = draw.XCenter, draw.YTop
		dc.FillText(axis, vg.Point{X: body.Min.X + vg.Points(2), Y: (area.Min.Y + area.Max.Y) / 2}, yLabel)
		return nil
	}
	return c
}

// json4 rounds v to 4 significant decimals for the option (NaN and infinities become 0).
func json4(v float64) float64 {
	if !finite(v) {
		return 0
	}
	return math.Round(v*1e4) / 1e4
}
