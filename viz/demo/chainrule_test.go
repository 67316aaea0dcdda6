package demo

import (
	"math"
	"strings"
	"testing"

	"github.com/godl-course/godl/nn/scratch"
)

// chainNeuron is the graph of notebook 02: L = (tanh(x1·w1 + x2·w2 + b) − t)².
func chainNeuron() *scratch.Value {
	x1, x2 := scratch.NewValue(2).Named("x1"), scratch.NewValue(-1).Named("x2")
	w1, w2 := scratch.NewValue(-0.3).Named("w1"), scratch.NewValue(0.5).Named("w2")
	b := scratch.NewValue(0.8).Named("b")
	t := scratch.NewValue(1).Named("t")
	n := x1.Mul(w1).Named("x1·w1").Add(x2.Mul(w2).Named("x2·w2")).Named("s").Add(b).Named("n")
	o := n.Tanh().Named("o")
	return o.Sub(t).Named("o − t").Pow(2).Named("L")
}

// chainEveryOp uses every operation of scratch.Value, a node used twice (a·a) and unnamed nodes.
func chainEveryOp() *scratch.Value {
	a, b := scratch.NewValue(1.5).Named("a"), scratch.NewValue(-0.7).Named("b")
	c := scratch.NewValue(2.5)
	u := a.Mul(a).Div(c).Sub(b.Neg()).Pow(3)
	v := b.Exp().Add(c.Log()).Sigmoid().Mul(b.ReLU().Add(a.ReLU())).Tanh()
	return u.Add(v).Mul(a).Named("L")
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*(1+math.Abs(b)) }

func TestChainRuleStepsMatchBackward(t *testing.T) {
	for _, build := range []func() *scratch.Value{chainNeuron, chainEveryOp} {
		root := build()
		topo := root.Topo()
		steps, err := ChainRuleSteps(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range topo {
			if v.Grad != 0 {
				t.Fatalf("ChainRuleSteps changed the graph: %v has grad %v", v, v.Grad)
			}
		}
		if len(steps) != 2*len(topo) {
			t.Fatalf("%d steps for %d nodes, want 2 per node (forward and backward)", len(steps), len(topo))
		}
		root.Backward()
		for n, s := range steps {
			// Forward: node n in topological order; backward: the reverse order.
			wantIdx, back := n, false
			if n >= len(topo) {
				wantIdx, back = 2*len(topo)-1-n, true
			}
			if s.Index != wantIdx || s.Backward != back || s.Node != topo[wantIdx] {
				t.Fatalf("step %d: node %d (backward %v), want node %d (backward %v)", n, s.Index, s.Backward, wantIdx, back)
			}
			for i := range topo {
				dataKnown := i <= n || back
				gradKnown := back && i >= wantIdx
				if math.IsNaN(s.Data[i]) == dataKnown || math.IsNaN(s.Grad[i]) == gradKnown {
					t.Errorf("step %d: node %d data known %v (want %v), grad known %v (want %v)",
						n, i, !math.IsNaN(s.Data[i]), dataKnown, !math.IsNaN(s.Grad[i]), gradKnown)
				}
			}
			// A node's data only uses operands computed before it (topological order).
			if !back {
				for _, p := range topo[wantIdx].Prev {
					for j, q := range topo {
						if q == p && j >= wantIdx {
							t.Errorf("step %d: operand %d of node %d comes after it", n, j, wantIdx)
						}
					}
				}
			}
			want := topo[wantIdx].Data
			if back {
				want = topo[wantIdx].Grad
			}
			if !near(s.Value, want) {
				t.Errorf("step %d (%s): value %v, scratch gives %v", n, s.Label, s.Value, want)
			}
		}
		last := steps[len(steps)-1]
		for i, v := range topo {
			if !near(last.Data[i], v.Data) || !near(last.Grad[i], v.Grad) {
				t.Errorf("node %d %v: the last step has data %v, grad %v", i, v, last.Data[i], last.Grad[i])
			}
		}
	}
}

func TestChainRuleLabels(t *testing.T) {
	steps, err := ChainRuleSteps(chainNeuron())
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]bool{}
	for _, s := range steps {
		labels[s.Label] = true
	}
	for _, want := range []string{
		"forward: x1 = 2 (input)",
		"forward: x1·w1 = 2·(-0.3) = -0.6",
		"forward: s = x1·w1 + x2·w2 = -0.6 + (-0.5) = -1.1",
		"forward: o = tanh(n) = tanh(-0.3) = -0.2913",
		"forward: o − t = -0.2913 − 1 = -1.291",
		"forward: L = (o − t)² = (-1.291)² = 1.667",
		"backward: ∂L/∂L = 1",
		"backward: ∂L/∂(o − t) = ∂L/∂L · 2·(o − t) = 1 · (-2.583) = -2.583",
		"backward: ∂L/∂t = ∂L/∂(o − t) · (−1) = (-2.583) · (-1) = 2.583",
		"backward: ∂L/∂n = ∂L/∂o · (1 − o²) = (-2.583) · 0.9151 = -2.363",
		"backward: ∂L/∂w1 = ∂L/∂(x1·w1) · x1 = (-2.363) · 2 = -4.727",
	} {
		if !labels[want] {
			t.Errorf("no step labelled %q", want)
		}
	}
	// A node used twice gets the sum of its two contributions.
	a := scratch.NewValue(3).Named("a")
	f := a.Mul(a).Named("f")
	steps, err = ChainRuleSteps(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := steps[len(steps)-1]; got.Label != "backward: ∂f/∂a = ∂f/∂f · a + ∂f/∂f · a = 1 · 3 + 1 · 3 = 6" || got.Value != 6 {
		t.Errorf("a·a: %q (%v)", got.Label, got.Value)
	}
}

func TestChainRuleChartFrames(t *testing.T) {
	root := chainNeuron()
	c, err := ChainRuleChart(root)
	if err != nil {
		t.Fatal(err)
	}
	steps, _ := ChainRuleSteps(root)
	labels := make([]string, len(steps))
	for i, s := range steps {
		labels[i] = s.Label
	}
	frames := timeline(t, c, labels)
	names := chainNames(root.Topo())
	for n, f := range frames {
		if title := mxTitle(t, f); !strings.HasSuffix(title, strings.SplitN(steps[n].Label, ": ", 2)[1]) {
			t.Errorf("frame %d title %q does not end with the step %q", n, title, steps[n].Label)
		}
		// The graph has the same nodes in every frame; exactly one is marked ►, the node of the step;
		// the nodes after it (forward) or before it in topological order (backward) are marked "?".
		data := f["series"].([]any)[0].(map[string]any)["data"].([]any)
		marked := []string{}
		notYet := 0
		for _, d := range data {
			text, _ := d.(map[string]any)["label"].(map[string]any)["formatter"].(string)
			if strings.HasPrefix(text, chainMark) {
				marked = append(marked, strings.SplitN(text[len(chainMark):], "\n", 2)[0])
			}
			if strings.Contains(text, "(data ?)") || strings.Contains(text, "(grad ?)") {
				notYet++
			}
		}
		if len(marked) != 1 || marked[0] != names[steps[n].Index] {
			t.Errorf("frame %d marks %v, want only %q", n, marked, names[steps[n].Index])
		}
		wantNotYet := len(names) - 1 - n // forward
		if steps[n].Backward {
			wantNotYet = steps[n].Index
		}
		if notYet != wantNotYet {
			t.Errorf("frame %d: %d nodes not computed yet, want %d", n, notYet, wantNotYet)
		}
	}
	// The last frame shows the gradients of Backward.
	root.Backward()
	last := frames[len(frames)-1]["series"].([]any)[0].(map[string]any)["data"].([]any)
	text := ""
	for _, d := range last {
		s, _ := d.(map[string]any)["label"].(map[string]any)["formatter"].(string)
		text += s + "\n"
	}
	for _, v := range root.Topo() {
		if want := "grad " + strings.TrimSpace(mxNum(v.Grad)); !strings.Contains(text, want) {
			t.Errorf("the last frame does not show %s of %s", want, v.Label)
		}
	}
	checkPNG(t, c)
}

func TestChainRuleErrors(t *testing.T) {
	if _, err := ChainRuleSteps(nil); err == nil || !strings.Contains(err.Error(), "root is nil") {
		t.Errorf("nil root: %v", err)
	}
	big := scratch.NewValue(1)
	for range 20 {
		big = big.Add(scratch.NewValue(1))
	}
	if _, err := ChainRuleChart(big); err == nil || !strings.Contains(err.Error(), "41 nodes") {
		t.Errorf("big graph: %v", err)
	}
	odd := &scratch.Value{Data: 1, Op: "cos", Label: "c", Prev: []*scratch.Value{scratch.NewValue(0).Named("z")}}
	if _, err := ChainRuleSteps(odd); err == nil || !strings.Contains(err.Error(), `node c: operation "cos" is not one of scratch.Value's`) {
		t.Errorf("unknown op: %v", err)
	}
}
