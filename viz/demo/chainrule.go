package demo

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/godl-course/godl/nn/scratch"
	"github.com/godl-course/godl/viz"
)

// The chain rule of chapter 2, step by step, on the computation graph of a scratch.Value: the
// forward pass fills the data of the nodes in topological order (each node after its operands),
// then the backward pass fills their gradients in the reverse order, each one the local
// derivative times the gradient coming from above (summed over the uses of the node):
//
//	∂L/∂a = Σ over the nodes n that use a of ∂n/∂a · ∂L/∂n.

// ChainRuleStep is one frame of [ChainRule]: one node gets its data (forward) or its gradient
// (backward).
type ChainRuleStep struct {
	Backward bool           // false: a step of the forward pass
	Node     *scratch.Value // the node of this step
	Index    int            // its position in the topological order, root.Topo()
	Name     string         // its name in the labels: its Label, or "v<Index>" when it has none
	// Value is what the step computes: the node's data (forward) or ∂L/∂node (backward), with
	// L the root.
	Value float64
	// Data and Grad hold the data and the gradient of every node (in the order of root.Topo())
	// after this step; NaN: not computed yet.
	Data, Grad []float64
	// Label writes the step, e.g. "forward: x1·w1 = 2·(-0.3) = -0.6" or
	// "backward: ∂L/∂w1 = ∂L/∂(x1·w1) · x1 = 0.5 · 2 = 1".
	Label string
}

// chainMaxNodes bounds the graph: two frames per node.
const chainMaxNodes = 30

// chainNames names the nodes: their Label, or v<index>.
func chainNames(topo []*scratch.Value) []string {
	names := make([]string, len(topo))
	for i, v := range topo {
		names[i] = v.Label
		if names[i] == "" {
			names[i] = "v" + strconv.Itoa(i)
		}
	}
	return names
}

// chainAtom wraps a name that is not a single symbol in parentheses: "(o − t)".
func chainAtom(name string) string {
	if strings.ContainsAny(name, " +-−*/·^()²") && !(strings.HasPrefix(name, "(") && strings.HasSuffix(name, ")")) {
		return "(" + name + ")"
	}
	return name
}

// chainPow returns the exponent of a "^p" operation.
func chainPow(op string) (float64, bool) {
	if !strings.HasPrefix(op, "^") {
		return 0, false
	}
	p, err := strconv.ParseFloat(op[1:], 64)
	return p, err == nil
}

// chainExpr writes operation op applied to the operands (names or numbers) a (and b).
func chainExpr(op string, args []string) string {
	a := chainAtom(args[0])
	b := ""
	if len(args) > 1 {
		b = chainAtom(args[1])
	}
	switch op {
	case "+":
		if b = args[1]; strings.HasPrefix(b, "-") || strings.HasPrefix(b, "−") {
			b = "(" + b + ")"
		}
		return args[0] + " + " + b
	case "-":
		return args[0] + " − " + b
	case "*":
		return a + "·" + b
	case "/":
		return a + " / " + b
	case "neg":
		return "−" + a
	case "exp", "log", "tanh", "relu":
		return op + "(" + args[0] + ")"
	case "sigmoid":
		return "σ(" + args[0] + ")"
	}
	if p, ok := chainPow(op); ok {
		if p == 2 {
			return a + "²"
		}
		return a + "^" + mxNum(p)
	}
	return op + "(" + strings.Join(args, ", ") + ")"
}

// chainForward computes the data of node v from the data of its operands.
func chainForward(v *scratch.Value, in []float64) (float64, error) {
	need := 1
	switch v.Op {
	case "+", "-", "*", "/":
		need = 2
	}
	if len(in) != need {
		return 0, fmt.Errorf("operation %q has %d operands, want %d", v.Op, len(in), need)
	}
	switch v.Op {
	case "+":
		return in[0] + in[1], nil
	case "-":
		return in[0] - in[1], nil
	case "*":
		return in[0] * in[1], nil
	case "/":
		return in[0] / in[1], nil
	case "neg":
		return -in[0], nil
	case "exp":
		return math.Exp(in[0]), nil
	case "log":
		return math.Log(in[0]), nil
	case "tanh":
		return math.Tanh(in[0]), nil
	case "relu":
		return max(in[0], 0), nil
	case "sigmoid":
		if in[0] >= 0 {
			return 1 / (1 + math.Exp(-in[0])), nil
		}
		e := math.Exp(in[0])
		return e / (1 + e), nil
	}
	if p, ok := chainPow(v.Op); ok {
		return math.Pow(in[0], p), nil
	}
	return 0, fmt.Errorf("operation %q is not one of scratch.Value's (+ - * / neg ^p exp log tanh relu sigmoid)", v.Op)
}

// chainLocal returns ∂out/∂(operand k) of node out, as a formula and as a number: the local
// derivative of the chain rule. names and data are those of out's operands; outName, outData
// those of out.
func chainLocal(op string, k int, names []string, data []float64, outName string, outData float64) (string, float64) {
	switch op {
	case "+":
		return "1", 1
	case "-":
		if k == 0 {
			return "1", 1
		}
		return "(−1)", -1
	case "*":
		return chainAtom(names[1-k]), data[1-k]
	case "/":
		if k == 0 {
			return "1/" + chainAtom(names[1]), 1 / data[1]
		}
		return "(−" + chainAtom(names[0]) + "/" + chainAtom(names[1]) + "²)", -data[0] / (data[1] * data[1])
	case "neg":
		return "(−1)", -1
	case "exp":
		return chainAtom(outName), outData
	case "log":
		return "1/" + chainAtom(names[0]), 1 / data[0]
	case "tanh":
		return "(1 − " + chainAtom(outName) + "²)", 1 - outData*outData
	case "relu":
		d := 0.0
		if data[0] > 0 {
			d = 1
		}
		return "[" + names[0] + " > 0]", d
	case "sigmoid":
		return chainAtom(outName) + "·(1 − " + chainAtom(outName) + ")", outData * (1 - outData)
	}
	p, _ := chainPow(op)
	if p == 2 {
		return "2·" + chainAtom(names[0]), 2 * data[0]
	}
	return mxNum(p) + "·" + chainAtom(names[0]) + "^" + mxNum(p-1), p * math.Pow(data[0], p-1)
}

// ChainRuleSteps computes the forward and the backward pass of the graph of root, one node per
// step: first the data of every node in topological order (root.Topo(): leaves and each node
// after its operands), then ∂root/∂node for every node in the reverse order, by the chain rule
// on the local derivatives (it neither calls nor needs root.Backward(), and changes nothing in
// the graph). There are 2 × (number of nodes) steps; the last one's Data and Grad are the Data
// and Grad that root.Backward() leaves in the nodes.
func ChainRuleSteps(root *scratch.Value) ([]ChainRuleStep, error) {
	if root == nil {
		return nil, fmt.Errorf("demo.ChainRuleSteps: root is nil; pass the output of the computation, e.g. L := a.Mul(b).Add(c).Named(\"L\")")
	}
	topo := root.Topo()
	if len(topo) > chainMaxNodes {
		return nil, fmt.Errorf("demo.ChainRuleSteps: the graph of %s has %d nodes, two frames each; keep it to %d nodes (one neuron, one loss term)", root, len(topo), chainMaxNodes)
	}
	names := chainNames(topo)
	index := make(map[*scratch.Value]int, len(topo))
	for i, v := range topo {
		index[v] = i
	}
	data, grad := make([]float64, len(topo)), make([]float64, len(topo))
	for i := range topo {
		data[i], grad[i] = math.NaN(), math.NaN()
	}
	snapshot := func(back bool, i int, value float64, label string) ChainRuleStep {
		return ChainRuleStep{Backward: back, Node: topo[i], Index: i, Name: names[i], Value: value,
			Data: append([]float64(nil), data...), Grad: append([]float64(nil), grad...), Label: label}
	}
	operands := func(v *scratch.Value) (ns []string, ds []float64) {
		for _, p := range v.Prev {
			ns, ds = append(ns, names[index[p]]), append(ds, data[index[p]])
		}
		return ns, ds
	}
	var steps []ChainRuleStep
	for i, v := range topo {
		if len(v.Prev) == 0 {
			data[i] = v.Data
			steps = append(steps, snapshot(false, i, v.Data, fmt.Sprintf("forward: %s = %s (input)", names[i], mxNum(v.Data))))
			continue
		}
		ns, ds := operands(v)
		d, err := chainForward(v, ds)
		if err != nil {
			return nil, fmt.Errorf("demo.ChainRuleSteps: node %s: %w", names[i], err)
		}
		data[i] = d
		nums := make([]string, len(ds))
		for k, x := range ds {
			nums[k] = mxNum(x)
		}
		label := "forward: " + names[i]
		if expr := chainExpr(v.Op, ns); expr != names[i] {
			label += " = " + expr
		}
		label += " = " + chainExpr(v.Op, nums) + " = " + mxNum(d)
		steps = append(steps, snapshot(false, i, d, label))
	}
	// Backward: in reverse topological order every user of a node comes before it, so its
	// gradient is complete when the node's turn comes.
	users := make([][]int, len(topo))
	for i, v := range topo {
		for _, p := range v.Prev {
			if j := index[p]; len(users[j]) == 0 || users[j][len(users[j])-1] != i {
				users[j] = append(users[j], i)
			}
		}
	}
	rootName := chainAtom(names[len(topo)-1])
	dName := func(i int) string { return "∂" + rootName + "/∂" + chainAtom(names[i]) }
	for i := len(topo) - 1; i >= 0; i-- {
		if i == len(topo)-1 {
			grad[i] = 1
			steps = append(steps, snapshot(true, i, 1, fmt.Sprintf("backward: %s = 1", dName(i))))
			continue
		}
		g := 0.0
		var formula, numbers []string
		for u := len(users[i]) - 1; u >= 0; u-- { // the users in the order Backward visits them
			out := topo[users[i][u]]
			ns, ds := operands(out)
			for k, p := range out.Prev {
				if p != topo[i] {
					continue
				}
				lf, lv := chainLocal(out.Op, k, ns, ds, names[users[i][u]], data[users[i][u]])
				up := grad[users[i][u]]
				g += lv * up
				formula = append(formula, dName(users[i][u])+" · "+lf)
				numbers = append(numbers, mxFactor(up)+" · "+mxFactor(lv))
			}
		}
		grad[i] = g
		label := fmt.Sprintf("backward: %s = %s = %s = %s", dName(i), strings.Join(formula, " + "), strings.Join(numbers, " + "), mxNum(g))
		if len(users[i]) == 0 { // not used by anything: not on a path to the root (cannot happen in Topo)
			label = fmt.Sprintf("backward: %s = 0", dName(i))
		}
		steps = append(steps, snapshot(true, i, g, label))
	}
	return steps, nil
}

// chainMark marks the node of the current step in the graph (a glyph the static picture's font has).
const chainMark = "► "

// ChainRuleChart builds the frames of [ChainRule]: the computation graph of root
// (viz.ComputationGraphChart), one frame per step of [ChainRuleSteps], the node of the step
// marked "►". A number not computed yet shows as 0, its node named with "(data ?)" in the
// forward pass and "(grad ?)" in the backward pass (every gradient is 0 during the forward
// pass, as in a scratch.Value before Backward).
// The title of each frame writes the step with its numbers. Options are those of
// viz.FramesChart (viz.AtFrame, viz.PlayMillis, viz.AutoPlay).
func ChainRuleChart(root *scratch.Value, options ...viz.Option) (*viz.Chart, error) {
	steps, err := ChainRuleSteps(root)
	if err != nil {
		return nil, err
	}
	topo := root.Topo()
	names := chainNames(topo)
	frames := make([]*viz.Chart, len(steps))
	labels := make([]string, len(steps))
	for n, s := range steps {
		// A copy of the graph holding what is known at this step.
		clone := make([]*scratch.Value, len(topo))
		for i, v := range topo {
			c := &scratch.Value{Op: v.Op, Label: names[i]}
			switch {
			case i == s.Index:
				c.Label = chainMark + names[i]
			case math.IsNaN(s.Data[i]):
				c.Label += " (data ?)"
			case s.Backward && math.IsNaN(s.Grad[i]):
				c.Label += " (grad ?)"
			}
			if !math.IsNaN(s.Data[i]) {
				c.Data = s.Data[i]
			}
			if !math.IsNaN(s.Grad[i]) {
				c.Grad = s.Grad[i]
			}
			for _, p := range v.Prev {
				for j, q := range topo {
					if q == p {
						c.Prev = append(c.Prev, clone[j])
						break
					}
				}
			}
			clone[i] = c
		}
		pass, k := "forward", n+1
		if s.Backward {
			pass, k = "backward", n+1-len(topo)
		}
		title := fmt.Sprintf("%s %d/%d: %s", pass, k, len(topo), strings.TrimPrefix(strings.TrimPrefix(s.Label, "forward: "), "backward: "))
		c, err := viz.ComputationGraphChart(clone[len(clone)-1], viz.Title(title))
		if err != nil {
			return nil, err
		}
		frames[n] = c
		labels[n] = s.Label
	}
	return viz.FramesChart(frames, labels, options...)
}

// ChainRule shows the forward and the backward pass on the computation graph of root, node by
// node (see [ChainRuleChart] and [ChainRuleSteps]): the data fill in from the inputs to root,
// then the gradients from root back to the inputs, each the local derivative times the gradient
// from above.
//
//	L := o.Sub(t).Pow(2).Named("L")
//	demo.ChainRule(L)
func ChainRule(root *scratch.Value, options ...viz.Option) (viz.Files, error) {
	return show(ChainRuleChart(root, options...))
}
