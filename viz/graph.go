package viz

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"

	"github.com/godl-course/godl/nn/scratch"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Sizes of the computation graph drawing, in pixels.
const (
	graphValueW = 128 // value box
	graphValueH = 50
	graphOpH    = 30 // operation ellipse height (its width follows the text)
	graphGapX   = 34 // between columns
	graphGapY   = 22 // between nodes of a column
	graphMargin = 16
	graphMax    = 400 // nodes (values and operations) drawn at most
)

// Colours of the graph: values (blue), operations (orange), the output node (green border).
var (
	graphValueFill = "#dbe9f6"
	graphOpFill    = "#fde3c8"
	graphEdge      = "#888888"
	graphRootLine  = "#2ca02c"
)

// graphNode is one box (a Value) or ellipse (an operation) of the drawing.
type graphNode struct {
	value *scratch.Value // nil for an operation node
	op    string
	lines []string // text, one entry per line
	col   int
	x, y  float64 // centre, pixels (y down)
	w, h  float64
	order float64 // sort key inside its column
	root  bool
}

// graphLayout places the nodes of the graph of root in columns, left to right in the order of
// the computation: for each computed value an operation node (its Op) just left of it, fed by
// its operands; leaves sit just left of the first operation that uses them.
type graphLayout struct {
	nodes []*graphNode
	links [][2]int // node indices, from → to
	w, h  float64  // size of the drawing, pixels
}

func layoutGraph(root *scratch.Value) (*graphLayout, error) {
	if root == nil {
		return nil, fmt.Errorf("viz: the computation graph of a nil *scratch.Value; pass the output, e.g. viz.ComputationGraph(L)")
	}
	topo := root.Topo()
	computed := 0
	for _, v := range topo {
		if len(v.Prev) > 0 {
			computed++
		}
	}
	if len(topo)+computed > graphMax {
		return nil, fmt.Errorf("viz: the computation graph has %d values and %d operations, more than the %d nodes that can be read in a drawing; draw a smaller expression (one neuron, one loss term)", len(topo), computed, graphMax)
	}
	// Depth of a computed value: 1 + the deepest operand (leaves 0). Value columns are 2·depth,
	// operation columns 2·depth − 1.
	depth := map[*scratch.Value]int{}
	for _, v := range topo {
		d := 0
		for _, p := range v.Prev {
			d = max(d, depth[p]+1)
		}
		depth[v] = d
	}
	// Leaves move right, next to their first consumer.
	consumers := map[*scratch.Value][]*scratch.Value{}
	for _, v := range topo {
		for _, p := range v.Prev {
			consumers[p] = append(consumers[p], v)
		}
	}
	col := map[*scratch.Value]int{}
	for _, v := range topo {
		col[v] = 2 * depth[v]
		if len(v.Prev) == 0 && len(consumers[v]) > 0 {
			first := math.MaxInt
			for _, c := range consumers[v] {
				first = min(first, 2*depth[c]-2)
			}
			col[v] = first
		}
	}

	lay := &graphLayout{}
	valueIdx := map[*scratch.Value]int{}
	opIdx := map[*scratch.Value]int{}
	for i, v := range topo {
		n := &graphNode{value: v, col: col[v], w: graphValueW, h: graphValueH, order: float64(i), root: v == root}
		if v.Label != "" {
			n.lines = append(n.lines, v.Label)
		}
		n.lines = append(n.lines, "data "+fmtGraph(v.Data), "grad "+fmtGraph(v.Grad))
		valueIdx[v] = len(lay.nodes)
		lay.nodes = append(lay.nodes, n)
		if len(v.Prev) > 0 {
			op := v.Op
			if op == "" {
				op = "?"
			}
			o := &graphNode{op: op, lines: []string{op}, col: col[v] - 1, h: graphOpH, order: float64(i)}
			o.w = math.Max(40, 8*float64(len([]rune(op)))+22)
			opIdx[v] = len(lay.nodes)
			lay.nodes = append(lay.nodes, o)
		}
	}
	for _, v := range topo {
		if len(v.Prev) == 0 {
			continue
		}
		for _, p := range v.Prev {
			lay.links = append(lay.links, [2]int{valueIdx[p], opIdx[v]})
		}
		lay.links = append(lay.links, [2]int{opIdx[v], valueIdx[v]})
	}
	lay.arrange()
	return lay, nil
}

// arrange orders the nodes of each column by the mean row of their neighbours (a few sweeps of
// the barycentre heuristic, which reduces edge crossings) and computes the coordinates.
func (g *graphLayout) arrange() {
	cols := 0
	for _, n := range g.nodes {
		cols = max(cols, n.col+1)
	}
	byCol := make([][]int, cols)
	for i, n := range g.nodes {
		byCol[n.col] = append(byCol[n.col], i)
	}
	in := make([][]int, len(g.nodes))
	out := make([][]int, len(g.nodes))
	for _, l := range g.links {
		out[l[0]] = append(out[l[0]], l[1])
		in[l[1]] = append(in[l[1]], l[0])
	}
	rank := make([]float64, len(g.nodes))
	place := func(c int) {
		sort.SliceStable(byCol[c], func(a, b int) bool { return g.nodes[byCol[c][a]].order < g.nodes[byCol[c][b]].order })
		k := len(byCol[c])
		for r, i := range byCol[c] {
			rank[i] = float64(r) - float64(k-1)/2
		}
	}
	for c := range cols {
		place(c)
	}
	mean := func(idx []int) (float64, bool) {
		if len(idx) == 0 {
			return 0, false
		}
		s := 0.0
		for _, j := range idx {
			s += rank[j]
		}
		return s / float64(len(idx)), true
	}
	for sweep := range 4 {
		if sweep%2 == 0 {
			for c := 1; c < cols; c++ {
				for _, i := range byCol[c] {
					if m, ok := mean(in[i]); ok {
						g.nodes[i].order = m
					} else if m, ok := mean(out[i]); ok {
						g.nodes[i].order = m
					}
				}
				place(c)
			}
		} else {
			for c := cols - 2; c >= 0; c-- {
				for _, i := range byCol[c] {
					if m, ok := mean(out[i]); ok {
						g.nodes[i].order = m
					}
				}
				place(c)
			}
		}
	}
	// Coordinates: column widths from their widest node, rows of equal height.
	colW := make([]float64, cols)
	rows := 1
	for c, idx := range byCol {
		rows = max(rows, len(idx))
		for _, i := range idx {
			colW[c] = math.Max(colW[c], g.nodes[i].w)
		}
	}
	rowH := float64(graphValueH + graphGapY)
	g.h = float64(rows)*rowH - graphGapY + 2*graphMargin
	x := float64(graphMargin)
	for c, idx := range byCol {
		for _, i := range idx {
			n := g.nodes[i]
			n.x = x + colW[c]/2
			n.y = g.h/2 + rank[i]*rowH
		}
		x += colW[c] + graphGapX
	}
	g.w = x - graphGapX + graphMargin
}

// fmtGraph formats a node's number with 4 significant digits.
func fmtGraph(v float64) string {
	if v == 0 {
		return "0"
	}
	return strings.TrimSpace(fmt.Sprintf("%.4g", v))
}

// ComputationGraphChart draws the computation graph of a scalar scratch.Value, as in the chain
// rule chapter: a box per value with its label, data (forward pass) and grad (∂root/∂value, after
// root.Backward()), an ellipse per operation, arrows in the direction of the forward pass.
// The output is on the right, framed in green. Call root.Backward() first to see the gradients
// (they are 0 before).
func ComputationGraphChart(root *scratch.Value, options ...Option) (*Chart, error) {
	lay, err := layoutGraph(root)
	if err != nil {
		return nil, err
	}
	s := newSettings(options)
	title := s.titleOr("Computation graph")
	const titleH = 36
	w, h := s.size(int(math.Ceil(math.Max(lay.w, 320))), int(math.Ceil(lay.h))+titleH)

	data := make([]map[string]any, len(lay.nodes))
	for i, n := range lay.nodes {
		item := map[string]any{
			"name": fmt.Sprintf("n%d", i),
			"x":    json4(n.x), "y": json4(n.y),
			"symbolSize": []float64{n.w, n.h},
			"label":      map[string]any{"show": true, "formatter": strings.Join(n.lines, "\n"), "color": "#000000", "fontSize": 12, "lineHeight": 15},
		}
		if n.value != nil {
			border := palette[0]
			if n.root {
				border = graphRootLine
			}
			item["symbol"] = "roundRect"
			item["value"] = n.value.Data
			item["itemStyle"] = map[string]any{"color": graphValueFill, "borderColor": border, "borderWidth": 1.5}
			item["tooltip"] = map[string]any{"formatter": n.value.String()}
		} else {
			item["symbol"] = "circle"
			item["itemStyle"] = map[string]any{"color": graphOpFill, "borderColor": palette[1], "borderWidth": 1.5}
			item["tooltip"] = map[string]any{"formatter": "operation " + n.op}
		}
		data[i] = item
	}
	links := make([]map[string]any, len(lay.links))
	for i, l := range lay.links {
		links[i] = map[string]any{"source": l[0], "target": l[1]}
	}
	option := map[string]any{
		"title":   []map[string]any{{"text": title, "left": "center"}},
		"tooltip": map[string]any{"show": true},
		"series": []map[string]any{{
			"type": "graph", "layout": "none", "roam": true,
			// echarts fits the node centres into this box: leave half a node around them, so that
			// at the chart's full width every node is where the static picture has it.
			"left": graphMargin + graphValueW/2, "right": graphMargin + graphValueW/2,
			"top": titleH + graphMargin + graphValueH/2, "bottom": graphMargin + graphValueH/2,
			"data": data, "links": links,
			"edgeSymbol": []string{"none", "arrow"}, "edgeSymbolSize": 8,
			"lineStyle": map[string]any{"color": graphEdge, "width": 1.2, "opacity": 1},
			"emphasis":  map[string]any{"focus": "adjacency"},
		}},
	}
	c := &Chart{Title: title, Width: w, Height: h, option: option, fixedWidth: true}
	c.paint = func(dc draw.Canvas) error { return paintGraph(dc, title, lay) }
	return c, nil
}

// ComputationGraph shows the computation graph of root with the data and gradient of each node
// (see [ComputationGraphChart]):
//
//	L := a.Mul(b).Add(c).Tanh().Named("L")
//	L.Backward()
//	viz.ComputationGraph(L)
func ComputationGraph(root *scratch.Value, options ...Option) (Files, error) {
	return show(ComputationGraphChart(root, options...))
}

// paintGraph draws the layout scaled to fit below the title.
func paintGraph(dc draw.Canvas, title string, lay *graphLayout) error {
	body := paintTitle(dc, title)
	px := vg.Inch / dpi // one pixel
	bw, bh := body.Max.X-body.Min.X, body.Max.Y-body.Min.Y
	scale := math.Min(1, math.Min(float64(bw/px)/lay.w, float64(bh/px)/lay.h))
	ox := body.Min.X + (bw-vg.Length(lay.w*scale)*px)/2
	top := body.Max.Y - (bh-vg.Length(lay.h*scale)*px)/2
	at := func(x, y float64) vg.Point {
		return vg.Point{X: ox + vg.Length(x*scale)*px, Y: top - vg.Length(y*scale)*px}
	}
	size := func(v float64) vg.Length { return vg.Length(v*scale) * px }

	// Edges first, from the border of one node to the border of the next, with an arrow head.
	edge := mustHex(graphEdge)
	dc.SetColor(edge)
	dc.SetLineWidth(vg.Points(1))
	for _, l := range lay.links {
		a, b := lay.nodes[l[0]], lay.nodes[l[1]]
		p0 := at(a.x+a.w/2, a.y)
		p1 := at(b.x-b.w/2, b.y)
		dc.StrokeLines(draw.LineStyle{Color: edge, Width: vg.Points(1)}, []vg.Point{p0, p1})
		ang := math.Atan2(float64(p1.Y-p0.Y), float64(p1.X-p0.X))
		hl := size(9)
		var head vg.Path
		head.Move(p1)
		head.Line(vg.Point{X: p1.X - hl*vg.Length(math.Cos(ang-0.4)), Y: p1.Y - hl*vg.Length(math.Sin(ang-0.4))})
		head.Line(vg.Point{X: p1.X - hl*vg.Length(math.Cos(ang+0.4)), Y: p1.Y - hl*vg.Length(math.Sin(ang+0.4))})
		head.Close()
		dc.SetColor(edge)
		dc.Fill(head)
	}

	sty := plot.New().X.Tick.Label
	sty.Font.Size = vg.Points(9 * math.Max(scale, 0.6))
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	sty.Color = color.Black
	for _, n := range lay.nodes {
		c := at(n.x, n.y)
		hw, hh := size(n.w/2), size(n.h/2)
		var shape vg.Path
		fill, line := mustHex(graphValueFill), mustHex(palette[0])
		if n.value == nil {
			fill, line = mustHex(graphOpFill), mustHex(palette[1])
			// Ellipse as a polygon.
			for k := 0; k <= 48; k++ {
				t := 2 * math.Pi * float64(k) / 48
				p := vg.Point{X: c.X + hw*vg.Length(math.Cos(t)), Y: c.Y + hh*vg.Length(math.Sin(t))}
				if k == 0 {
					shape.Move(p)
				} else {
					shape.Line(p)
				}
			}
			shape.Close()
		} else {
			if n.root {
				line = mustHex(graphRootLine)
			}
			shape = vg.Rectangle{Min: vg.Point{X: c.X - hw, Y: c.Y - hh}, Max: vg.Point{X: c.X + hw, Y: c.Y + hh}}.Path()
		}
		dc.SetColor(fill)
		dc.Fill(shape)
		dc.SetColor(line)
		dc.SetLineWidth(vg.Points(1.2))
		dc.Stroke(shape)
		lh := size(15)
		y0 := c.Y + lh*vg.Length(len(n.lines)-1)/2
		for k, text := range n.lines {
			dc.FillText(sty, vg.Point{X: c.X, Y: y0 - lh*vg.Length(k)}, text)
		}
	}
	return nil
}
