package demo

import (
	"math"
	"strings"
	"testing"

	"github.com/godl-course/godl/viz"
)

func optNear(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// SGD on Rosenbrock from (−1.5, 2) with α = 0.001, computed by hand:
//
//	∇f(x, y) = (−2(1 − x) − 400x(y − x²), 200(y − x²))
//	w0 = (−1.5, 2):    y − x² = −0.25,     g = (−5 − 150, −50) = (−155, −50)   → w1 = (−1.345, 2.05)
//	w1:                y − x² = 0.240975,  g = (−4.69 + 129.64455, 48.195)       → w2 = (−1.46995455, 2.001805)
func TestOptimizersSGDMatchesHandComputedSteps(t *testing.T) {
	paths, err := NewOptimizers("rosenbrock").Only("SGD").Steps(2).Paths("lr", []float64{0.001})
	if err != nil {
		t.Fatal(err)
	}
	p := paths[0][0]
	wantX, wantY := []float64{-1.5, -1.345, -1.46995455}, []float64{2, 2.05, 2.001805}
	if len(p.X) != 3 || len(p.Y) != 3 {
		t.Fatalf("2 steps give 3 points (start included), got %d", len(p.X))
	}
	for k := range wantX {
		if !optNear(p.X[k], wantX[k], 1e-9) || !optNear(p.Y[k], wantY[k], 1e-9) {
			t.Errorf("point %d = (%.10g, %.10g), want (%.10g, %.10g)", k, p.X[k], p.Y[k], wantX[k], wantY[k])
		}
	}
	if p.Name != "SGD α=0.001" || p.Optimizer != "SGD" {
		t.Errorf("name %q / %q", p.Name, p.Optimizer)
	}
}

// The notebook's momentum check, by hand, α = 0.1, γ = 0.9 from w = (1, −2):
// g = (0.5, −1) → w = (0.95, −1.9); g = (0.5, −1) → (0.855, −1.71); g = (−1, 0) → (0.8695, −1.539).
func TestMomentumMatchesHandComputedSteps(t *testing.T) {
	h := optHyper{lr: map[string]float64{"momentum": 0.1}, gamma: 0.9}
	step := optNewStepper("momentum", h)
	w := []float64{1, -2}
	for k, c := range []struct{ g, w [2]float64 }{
		{[2]float64{0.5, -1}, [2]float64{0.95, -1.9}},
		{[2]float64{0.5, -1}, [2]float64{0.855, -1.71}},
		{[2]float64{-1, 0}, [2]float64{0.8695, -1.539}},
	} {
		step(w, func(x, y float64) (float64, float64) { return c.g[0], c.g[1] })
		if !optNear(w[0], c.w[0], 1e-12) || !optNear(w[1], c.w[1], 1e-12) {
			t.Fatalf("step %d: w = %v, want %v", k+1, w, c.w)
		}
	}
}

func TestMomentumAndNesterovWithGammaZeroAreSGD(t *testing.T) {
	for _, surface := range []string{"rosenbrock", "saddle"} {
		paths, err := NewOptimizers(surface).Only("SGD", "momentum", "Nesterov").Set("lr", 0.001).Paths("momentum", []float64{0, 0.9})
		if err != nil {
			t.Fatal(err)
		}
		sgd := paths[0][0]
		for _, p := range paths[0][1:] {
			if len(p.X) != len(sgd.X) {
				t.Fatalf("%s: %s has %d points, SGD %d", surface, p.Name, len(p.X), len(sgd.X))
			}
			for k := range p.X {
				if p.X[k] != sgd.X[k] || p.Y[k] != sgd.Y[k] {
					t.Fatalf("%s: %s differs from SGD at step %d: (%g, %g) vs (%g, %g)", surface, p.Name, k, p.X[k], p.Y[k], sgd.X[k], sgd.Y[k])
				}
			}
		}
		// With γ = 0.9 they differ from SGD (the test above can fail).
		if paths[1][1].X[600/4] == paths[1][0].X[600/4] && surface == "rosenbrock" {
			t.Errorf("%s: momentum γ = 0.9 follows SGD's path", surface)
		}
		if paths[1][1].Name != "momentum α=0.001 γ=0.9" {
			t.Errorf("name %q", paths[1][1].Name)
		}
	}
}

// Adam's first step: m̂_1 = g, v̂_1 = g², so each coordinate moves by α g/(|g| + ε) ≈ α, whatever
// the scale of g (on Rosenbrock at (−1.5, 2), g = (−155, −50)). Adagrad's first step is the same;
// RMSProp's is α/√(1 − ρ) per coordinate.
func TestFirstStepsOfAdaptiveOptimizers(t *testing.T) {
	paths, err := NewOptimizers("rosenbrock").Only("Adam", "Adagrad", "RMSProp").Steps(1).Paths("lr", []float64{0.01, 0.05})
	if err != nil {
		t.Fatal(err)
	}
	for i, lr := range []float64{0.01, 0.05} {
		for _, p := range paths[i] {
			want := lr
			if p.Optimizer == "RMSProp" {
				want = lr / math.Sqrt(1-0.9)
			}
			// g < 0 in both coordinates: the step is +α in both.
			dx, dy := p.X[1]-p.X[0], p.Y[1]-p.Y[0]
			if !optNear(dx, want, 1e-9) || !optNear(dy, want, 1e-9) {
				t.Errorf("%s, α = %g: first step (%g, %g), want (%g, %g)", p.Optimizer, lr, dx, dy, want, want)
			}
		}
	}
	// Without the bias correction the first step of Adam would be α·(1−β1)/√(1−β2) ≈ 3.2α: β changes it not.
	p, err := NewOptimizers("saddle").Only("Adam").Set("lr", 0.1).Steps(1).Paths("beta1", []float64{0.5, 0.99})
	if err != nil {
		t.Fatal(err)
	}
	for i := range p {
		if dx := p[i][0].X[0] - p[i][0].X[1]; !optNear(dx, 0.1, 1e-9) {
			t.Errorf("Adam β1 = %v: first step in x %g, want α = 0.1", []float64{0.5, 0.99}[i], dx)
		}
	}
}

func TestOptimizersChartFramesAndFixedWindow(t *testing.T) {
	for _, c := range []struct {
		surface, param string
		values         []float64
		labels         []string
		window         [4]float64
	}{
		{"rosenbrock", "lr", []float64{0.0005, 0.001, 0.002}, []string{"α = 0.0005", "α = 0.001", "α = 0.002"}, [4]float64{-2, 2, -1, 3}},
		{"saddle", "steps", []float64{0, 5, 20, 150}, []string{"step 0", "step 5", "step 20", "step 150"}, [4]float64{-2, 2, -1.5, 1.5}},
		{"saddle", "beta1", []float64{0, 0.9}, []string{"β1 = 0", "β1 = 0.9"}, [4]float64{-2, 2, -1.5, 1.5}},
	} {
		ch, err := OptimizersChart(c.surface, c.param, c.values, viz.AtFrame(-1))
		if err != nil {
			t.Fatal(err)
		}
		frames := timeline(t, ch, c.labels)
		for i, f := range frames {
			o := f
			xa := o["xAxis"].([]any)[0].(map[string]any)
			ya := o["yAxis"].([]any)[0].(map[string]any)
			got := [4]float64{xa["min"].(float64), xa["max"].(float64), ya["min"].(float64), ya["max"].(float64)}
			if got != c.window {
				t.Errorf("%s %s frame %d: window %v, want the fixed %v", c.surface, c.param, i, got, c.window)
			}
			// The five optimizers' paths are the last series, in order.
			series := o["series"].([]any)
			var names []string
			for _, s := range series[len(series)-5:] {
				names = append(names, strings.Fields(s.(map[string]any)["name"].(string))[0])
			}
			if strings.Join(names, ",") != "SGD,momentum,Adagrad,RMSProp,Adam" {
				t.Errorf("%s frame %d: paths %v", c.surface, i, names)
			}
		}
		// Steps: frame k holds the paths cut after values[k] steps.
		if c.param == "steps" {
			last := frames[2]["series"].([]any)
			sgd := last[len(last)-5].(map[string]any)["data"].([]any)
			if len(sgd) != 21 {
				t.Errorf("frame \"step 20\": SGD has %d points, want 21", len(sgd))
			}
		}
		checkPNG(t, ch)
		if b, _ := ch.Option(); len(b) > 2_000_000 {
			t.Errorf("%s %s: the option is %d bytes; keep a demo under 2 MB", c.surface, c.param, len(b))
		}
	}
}

func TestOptimizersStepsFramesAreCutsOfOneRun(t *testing.T) {
	paths, err := OptimizersSteps("saddle", "steps", []float64{0, 10, 150})
	if err != nil {
		t.Fatal(err)
	}
	full, err := NewOptimizers("saddle").Paths("lr", []float64{0.05})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range []int{0, 10, 150} {
		for j, p := range paths[i] {
			if len(p.X) != n+1 {
				t.Fatalf("frame %d, %s: %d points, want %d", i, p.Name, len(p.X), n+1)
			}
			if j == 0 && p.X[n] != full[0][0].X[n] { // SGD's default α on the saddle is 0.05
				t.Errorf("SGD after %d steps: x = %g, the full run has %g", n, p.X[n], full[0][0].X[n])
			}
		}
	}
}

func TestOptimizersDivergenceStops(t *testing.T) {
	paths, err := NewOptimizers("rosenbrock").Only("SGD").Paths("lr", []float64{0.01})
	if err != nil {
		t.Fatal(err)
	}
	p := paths[0][0]
	if !p.Diverged || len(p.X) > 100 {
		t.Errorf("SGD with α = 0.01 on Rosenbrock should diverge quickly: diverged %v after %d points", p.Diverged, len(p.X))
	}
	for k := range p.X {
		if math.IsNaN(p.X[k]) || math.IsInf(p.X[k], 0) {
			t.Fatalf("point %d is %g", k, p.X[k])
		}
	}
	if _, err := NewOptimizers("rosenbrock").Only("SGD").Chart("lr", []float64{0.001, 0.01}); err != nil {
		t.Errorf("a diverging path must still be drawn: %v", err)
	}
}

func TestOptimizersErrors(t *testing.T) {
	for _, c := range []struct {
		err  error
		want []string
	}{
		{optErrOf(OptimizersSteps("bowl", "lr", []float64{0.1})), []string{`"bowl"`, "rosenbrock", "saddle"}},
		{optErrOf(OptimizersSteps("saddle", "learning rate", []float64{0.1})), []string{`"learning rate"`, `"lr"`, `"momentum"`, `"beta1"`, `"beta2"`, `"steps"`}},
		{optErrOf(OptimizersSteps("saddle", "momentum", []float64{1.2})), []string{"momentum = 1.2", "[0, 1)"}},
		{optErrOf(OptimizersSteps("saddle", "lr", []float64{-1})), []string{"lr = -1", "> 0"}},
		{optErrOf(OptimizersSteps("saddle", "lr", nil)), []string{"no values", `"lr"`}},
		{optErrOf(OptimizersSteps("saddle", "steps", []float64{2.5})), []string{"steps = 2.5", "whole"}},
		{optErrOf(NewOptimizers("saddle").Only("Adamax").Paths("lr", []float64{0.1})), []string{`"Adamax"`, "SGD", "Adam"}},
		{optErrOf(NewOptimizers("saddle").Steps(10).Paths("steps", []float64{20})), []string{"steps = 20", "Steps(10)"}},
	} {
		if c.err == nil {
			t.Errorf("no error, want one mentioning %q", c.want)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(c.err.Error(), w) {
				t.Errorf("error %q does not mention %q", c.err, w)
			}
		}
	}
}

func optErrOf[T any](_ T, err error) error { return err }

func TestOptimizersThinKeepsEndsAndCount(t *testing.T) {
	x := make([]float64, 1001)
	for i := range x {
		x[i] = float64(i)
	}
	tx, ty := optThin(x, x, 600)
	if len(tx) != 600 || len(ty) != 600 || tx[0] != 0 || tx[599] != 1000 {
		t.Errorf("thinned to %d points from %g to %g", len(tx), tx[0], tx[len(tx)-1])
	}
	if tx, _ := optThin(x[:601], x[:601], 600); len(tx) != 600 {
		t.Errorf("601 points thinned to %d", len(tx))
	}
	if tx, _ := optThin(x[:600], x[:600], 600); len(tx) != 600 || &tx[0] != &x[0] {
		t.Errorf("600 points must be kept as they are")
	}
}
