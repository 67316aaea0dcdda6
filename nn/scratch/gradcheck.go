package scratch

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/godl-course/godl/tensor"
)

// Default settings of the gradient check, for float64.
const (
	// DefaultStep is h in the central difference (f(x+h) − f(x−h)) / 2h. Its error is O(h²)
	// (about 1e-10 here) plus rounding of about 1e-16/h (about 1e-11).
	DefaultStep = 1e-5
	// DefaultThreshold is the largest relative error reported as PASS. A correct gradient in
	// float64 gives about 1e-9 or less; a wrong one gives 1e-2 to 1. Between 1e-7 and 1e-4, look
	// closer (a kink of ReLU or max pooling within h of an input can cause it).
	DefaultThreshold = 1e-7
	// tinyDenominator keeps the relative error finite when both gradients are zero.
	tinyDenominator = 1e-12
)

// GradChecker compares analytic gradients (from a Backward) with numerical ones.
// The zero value uses DefaultStep and DefaultThreshold.
type GradChecker struct {
	Step      float64 // h of the central difference; 0 means DefaultStep
	Threshold float64 // largest relative error that passes; 0 means DefaultThreshold
}

func (g GradChecker) step() float64 {
	if g.Step == 0 {
		return DefaultStep
	}
	return g.Step
}

func (g GradChecker) threshold() float64 {
	if g.Threshold == 0 {
		return DefaultThreshold
	}
	return g.Threshold
}

// NumericalGradient returns ∂f/∂x estimated by central differences, entry by entry:
//
//	∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / 2h
//
// f is called with x itself, changed in place one entry at a time and restored afterwards; f may
// also ignore its argument and read x through a closure (e.g. x is a layer's weight tensor).
func NumericalGradient(f func(x *tensor.Tensor) float64, x *tensor.Tensor, h float64) *tensor.Tensor {
	if h == 0 {
		h = DefaultStep
	}
	grad := x.ZerosLike()
	cur, saved := -1, 0.0
	defer func() { // restore x even if f panics
		if cur >= 0 {
			x.Data[cur] = saved
		}
	}()
	for i, orig := range x.Data {
		cur, saved = i, orig
		x.Data[i] = orig + h
		plus := f(x)
		x.Data[i] = orig - h
		minus := f(x)
		x.Data[i], cur = orig, -1
		grad.Data[i] = (plus - minus) / (2 * h)
	}
	return grad
}

// Report is the result of comparing an analytic gradient a with a numerical one b.
type Report struct {
	Name      string  // what was checked, e.g. "∂L/∂W"
	RelErr    float64 // max_i |a_i − b_i| / max(max_i (|a_i| + |b_i|), 1e-12)
	Threshold float64
	Worst     []int   // indices of the entry with the largest |a_i − b_i|
	Analytic  float64 // a at Worst
	Numeric   float64 // b at Worst
	Problem   string  // why the gradients could not be compared (nil, wrong shape, panic); "" if they were
}

// OK tells whether the gradients could be compared and the relative error is at most the threshold.
func (r Report) OK() bool {
	return r.Problem == "" && !math.IsNaN(r.RelErr) && r.RelErr <= r.Threshold
}

// String is one line, e.g.
//
//	∂L/∂W: PASS: relative error 3.1e-10 (threshold 1e-7)
//	∂L/∂W: FAIL: relative error 0.5 (threshold 1e-7), worst entry at [1 0]: analytic 0.25, numeric 0.75
func (r Report) String() string {
	prefix := ""
	if r.Name != "" {
		prefix = r.Name + ": "
	}
	if r.Problem != "" {
		return prefix + "FAIL: " + r.Problem
	}
	status := "PASS"
	if !r.OK() {
		status = "FAIL"
	}
	s := fmt.Sprintf("%s%s: relative error %s (threshold %s)", prefix, status, sci(r.RelErr), sci(r.Threshold))
	if !r.OK() {
		s += fmt.Sprintf(", worst entry at %v: analytic %.6g, numeric %.6g", r.Worst, r.Analytic, r.Numeric)
	}
	return s
}

// sci formats a float with 2 significant digits and a short exponent: 3.1e-10, 1e-7, 0.5.
func sci(v float64) string {
	s := strconv.FormatFloat(v, 'g', 2, 64)
	s = strings.Replace(s, "e-0", "e-", 1)
	return strings.Replace(s, "e+0", "e+", 1)
}

// Compare returns the report comparing analytic with numeric gradients, which must have the same shape.
func (g GradChecker) Compare(name string, analytic, numeric *tensor.Tensor) Report {
	r := Report{Name: name, Threshold: g.threshold()}
	switch {
	case analytic == nil:
		r.Problem = "the analytic gradient is nil (is the Backward body still a TODO?)"
		return r
	case !analytic.SameShape(numeric):
		r.Problem = fmt.Sprintf("the analytic gradient has shape %v, want %v (the shape of what it is the gradient of)",
			analytic.Shape, numeric.Shape)
		return r
	case len(analytic.Data) != len(numeric.Data):
		r.Problem = fmt.Sprintf("the analytic gradient has shape %v but %d values", analytic.Shape, len(analytic.Data))
		return r
	}
	maxDiff, maxSum, worst := 0.0, 0.0, 0
	for i, a := range analytic.Data {
		b := numeric.Data[i]
		d := math.Abs(a - b)
		if math.IsNaN(d) {
			r.RelErr, r.Worst, r.Analytic, r.Numeric = math.NaN(), numeric.Indices(i), a, b
			return r
		}
		if d > maxDiff {
			maxDiff, worst = d, i
		}
		maxSum = max(maxSum, math.Abs(a)+math.Abs(b))
	}
	r.RelErr = maxDiff / max(maxSum, tinyDenominator)
	r.Worst = numeric.Indices(worst)
	if len(r.Worst) == 0 {
		r.Worst = []int{}
	}
	r.Analytic, r.Numeric = analytic.Data[worst], numeric.Data[worst]
	return r
}

// Check computes the numerical gradient of f at x and compares it with analytic.
func (g GradChecker) Check(name string, f func(x *tensor.Tensor) float64, x, analytic *tensor.Tensor) Report {
	return g.Compare(name, analytic, NumericalGradient(f, x, g.step()))
}

// GradCheck compares analytic, the gradient of f at x computed by your Backward, with the
// numerical gradient by central differences, using DefaultStep and DefaultThreshold:
//
//	r := scratch.GradCheck(func(x *tensor.Tensor) float64 { return myLoss(x) }, x, myGrad)
//	fmt.Println(r) // PASS: relative error 2.4e-11 (threshold 1e-7)
//
// The relative error is max_i |a_i − b_i| / max(max_i (|a_i| + |b_i|), 1e-12), and the report
// points at the entry where |a_i − b_i| is largest. f is called with x changed in place (see
// [NumericalGradient]); x is restored when GradCheck returns.
func GradCheck(f func(x *tensor.Tensor) float64, x, analytic *tensor.Tensor) Report {
	return GradChecker{}.Check("", f, x, analytic)
}

// CheckResult gathers the reports of one check (one line each).
type CheckResult struct {
	Title   string
	Reports []Report
}

// OK tells whether every report passed (and there was at least one).
func (c *CheckResult) OK() bool {
	if len(c.Reports) == 0 {
		return false
	}
	for _, r := range c.Reports {
		if !r.OK() {
			return false
		}
	}
	return true
}

// String prints the title, one line per report and a verdict.
func (c *CheckResult) String() string {
	var sb strings.Builder
	if c.Title != "" {
		sb.WriteString(c.Title + "\n")
	}
	for _, r := range c.Reports {
		sb.WriteString("  " + r.String() + "\n")
	}
	switch {
	case len(c.Reports) == 0:
		sb.WriteString("FAIL: nothing was checked\n")
	case c.OK():
		sb.WriteString("PASS: all gradients agree with the numerical ones\n")
	case c.ownCodeProblem() != "":
		sb.WriteString("FAIL: " + c.ownCodeProblem() + "\n")
	default:
		sb.WriteString("FAIL: fix the gradients marked FAIL above\n")
	}
	return sb.String()
}

func (c *CheckResult) add(r Report) { c.Reports = append(c.Reports, r) }

// ownCodeProblem is the problem of the first "own code" report (the exercise's function calls
// the library's implementation), "" when there is none.
func (c *CheckResult) ownCodeProblem() string {
	for _, r := range c.Reports {
		if r.Name == "own code" {
			return r.Problem
		}
	}
	return ""
}

func (c *CheckResult) fail(name, problem string) {
	c.add(Report{Name: name, Threshold: DefaultThreshold, Problem: problem})
}

// dot returns Σ_i a_i b_i: with b = Δy fixed, L(x) = Σ y(x)·Δy has ∂L/∂y = Δy, so its gradient
// is exactly what Backward(Δy) must return.
func dot(a, b *tensor.Tensor) float64 {
	s := 0.0
	for i := range a.Data {
		s += a.Data[i] * b.Data[i]
	}
	return s
}

// CheckLayer runs the gradient check on any [Layer], yours included: with a random Δy it
// compares Backward(Δy) with the numerical gradient of L(x) = Σ Forward(x)·Δy with respect to
// the input x and to every parameter (Params). x is the input to check at. Panics in the
// layer's code are reported as FAIL lines. It prints the result to [Output] and returns it.
func CheckLayer(layer Layer, x *tensor.Tensor) *CheckResult {
	res := GradChecker{}.CheckLayer(layer, x)
	printResult(res)
	return res
}

// CheckLayer is [CheckLayer] with this checker's step and threshold; it prints nothing.
func (g GradChecker) CheckLayer(layer Layer, x *tensor.Tensor) (res *CheckResult) {
	res = &CheckResult{Title: fmt.Sprintf("Gradient check of %s on input %v", describe(layer), shapeOf(x))}
	defer recoverInto(res, "layer")
	y := layer.Forward(x)
	if y == nil {
		res.fail("Forward", "returned nil (is the Forward body still a TODO?)")
		return res
	}
	dy := tensor.RandN(tensor.NewRand(7), 1, y.Shape...)
	dx := layer.Backward(dy)
	type saved struct {
		p    *Param
		grad *tensor.Tensor
	}
	var params []saved
	for _, p := range layer.Params() {
		var grad *tensor.Tensor
		if p.Grad != nil {
			grad = p.Grad.Clone()
		}
		params = append(params, saved{p, grad})
	}
	if dx != nil {
		dx = dx.Clone()
	}
	loss := func(*tensor.Tensor) float64 {
		out := layer.Forward(x)
		if out == nil || !out.SameShape(dy) {
			panic(fmt.Sprintf("Forward returned shape %v on the same input, first %v", shapeOf(out), dy.Shape))
		}
		return dot(out, dy)
	}
	res.add(g.Check("∂L/∂x", loss, x, dx))
	for _, s := range params {
		name := "∂L/∂" + s.p.Name
		if s.p.Value == nil {
			res.fail(name, "the parameter's Value is nil")
			continue
		}
		res.add(g.Check(name, loss, s.p.Value, s.grad))
	}
	return res
}

func shapeOf(t *tensor.Tensor) []int {
	if t == nil {
		return nil
	}
	return slices.Clone(t.Shape)
}

// recoverInto turns a panic into a FAIL line of res.
func recoverInto(res *CheckResult, who string) {
	if e := recover(); e != nil {
		res.fail("panic", fmt.Sprintf("the %s code panicked: %v", who, e))
	}
}
