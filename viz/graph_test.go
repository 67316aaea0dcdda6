package viz

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/godl-course/godl/nn/scratch"
)

func TestComputationGraph(t *testing.T) {
	// L = tanh(a·b + c) with a = 2, b = −3, c = 10: a·b = −6, n = 4, L = tanh 4.
	// Chain rule by hand: ∂L/∂n = 1 − tanh²4, ∂L/∂a = b·∂L/∂n, ∂L/∂b = a·∂L/∂n, ∂L/∂c = ∂L/∂n.
	a := scratch.NewValue(2).Named("a")
	b := scratch.NewValue(-3).Named("b")
	c := scratch.NewValue(10).Named("c")
	ab := a.Mul(b)
	n := ab.Add(c).Named("n")
	L := n.Tanh().Named("L")
	L.Backward()
	dn := 1 - math.Tanh(4)*math.Tanh(4)

	ch, err := ComputationGraphChart(L)
	if err != nil {
		t.Fatal(err)
	}
	series := seriesOf(t, optionOf(t, ch))
	if len(series) != 1 || series[0]["type"] != "graph" {
		t.Fatalf("want one graph series, got %v", series)
	}
	nodes := series[0]["data"].([]any)
	links := series[0]["links"].([]any)
	// 6 values (a, b, a·b, c, n, L) and 3 operations (*, +, tanh); 2+1 + 2+1 + 1+1 edges.
	if len(nodes) != 9 || len(links) != 8 {
		t.Fatalf("%d nodes and %d links, want 9 and 8", len(nodes), len(links))
	}
	text := map[string]map[string]any{} // first label line → node
	var ops []string
	for _, raw := range nodes {
		nd := raw.(map[string]any)
		lines := strings.Split(nd["label"].(map[string]any)["formatter"].(string), "\n")
		if nd["symbol"] == "circle" {
			ops = append(ops, lines[0])
			continue
		}
		text[lines[0]] = nd
	}
	if strings.Join(ops, " ") != "* + tanh" {
		t.Errorf("operations %v, want * + tanh", ops)
	}
	want := map[string][2]float64{"a": {2, -3 * dn}, "b": {-3, 2 * dn}, "c": {10, dn}, "n": {4, dn}, "L": {math.Tanh(4), 1}}
	for name, dg := range want {
		nd, ok := text[name]
		if !ok {
			t.Fatalf("no node labelled %q", name)
		}
		label := nd["label"].(map[string]any)["formatter"].(string)
		wantLabel := fmt.Sprintf("%s\ndata %s\ngrad %s", name, fmtGraph(dg[0]), fmtGraph(dg[1]))
		if label != wantLabel {
			t.Errorf("node %s: label %q, want %q", name, label, wantLabel)
		}
	}
	if got := text["data -6"]; got == nil { // the unlabelled product: two lines
		t.Error("no node for a·b = −6")
	}
	// Edges go left to right (forward pass), and the output is the rightmost node.
	xOf := func(i int) float64 { return nodes[i].(map[string]any)["x"].(float64) }
	for _, raw := range links {
		l := raw.(map[string]any)
		if s, d := int(l["source"].(float64)), int(l["target"].(float64)); xOf(s) >= xOf(d) {
			t.Errorf("edge %d→%d goes from x=%v to x=%v", s, d, xOf(s), xOf(d))
		}
	}
	if lx := text["L"]["x"].(float64); lx < xOf(0) || lx != maxX(nodes) {
		t.Errorf("output at x=%v, want the rightmost (%v)", lx, maxX(nodes))
	}
	// The leaf c sits right next to the "+" it feeds, not in the first column with a and b.
	if text["c"]["x"].(float64) <= text["a"]["x"].(float64) {
		t.Error("leaf c is not placed next to its consumer")
	}

	png, err := ch.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, png, ch.Width, ch.Height)
	if n := countNear(img, mustHex(graphValueFill), 3); n < 6*2000 {
		t.Errorf("%d pixels of the value boxes' colour, want ≥ %d (6 boxes)", n, 6*2000)
	}
	if n := countNear(img, mustHex(graphOpFill), 3); n < 3*400 {
		t.Errorf("%d pixels of the operations' colour, want ≥ %d (3 ellipses)", n, 3*400)
	}
	if n := countNear(img, mustHex(graphRootLine), 40); n < 100 {
		t.Errorf("%d pixels of the output's green frame, want ≥ 100", n)
	}

	// Node sizes are in pixels: the live graph keeps its full width (scrolling sideways if needed).
	frag, err := ch.fragment("g", png)
	if err != nil || !strings.Contains(frag, fmt.Sprintf("min-width:%dpx", ch.Width)) {
		t.Errorf("the graph's live chart has no minimum width of %d px (err %v)", ch.Width, err)
	}

	if _, err := ComputationGraphChart(nil); err == nil || !strings.Contains(err.Error(), "nil *scratch.Value") {
		t.Errorf("nil root: %v", err)
	}
	big := scratch.NewValue(0)
	for i := range 300 {
		big = big.Add(scratch.NewValue(float64(i)))
	}
	if _, err := ComputationGraphChart(big); err == nil || !strings.Contains(err.Error(), "smaller expression") {
		t.Errorf("huge graph: %v", err)
	}
}

func maxX(nodes []any) float64 {
	m := math.Inf(-1)
	for _, raw := range nodes {
		m = math.Max(m, raw.(map[string]any)["x"].(float64))
	}
	return m
}
