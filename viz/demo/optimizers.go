package demo

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/godl-course/godl/viz"
)

// The optimizers demo runs the lecture's update rules on a 2-D loss surface, where the weights are
// just a point w = (x, y) and every step can be drawn, and shows one frame per value of a
// hyper-parameter (every optimizer's path in each frame), or one frame per step count (the
// paths growing). The rules are those of nn/optimizers.go (which are graph code for tensors of
// weights), written here for a point, with g_t = ∇f(w_{t−1}) and α the learning rate:
//
//	SGD:       w_t = w_{t−1} − α g_t
//	momentum:  v_t = γ v_{t−1} + α g_t,  w_t = w_{t−1} − v_t
//	Nesterov:  v_t = γ v_{t−1} + α ∇f(w_{t−1} − γ v_{t−1}),  w_t = w_{t−1} − v_t
//	Adagrad:   G_t = G_{t−1} + g_t²,  w_t = w_{t−1} − α/√(G_t + ε) · g_t          (per coordinate)
//	RMSProp:   E_t = ρ E_{t−1} + (1 − ρ) g_t²,  w_t = w_{t−1} − α/√(E_t + ε) · g_t
//	Adam:      m_t = β1 m_{t−1} + (1 − β1) g_t,  v_t = β2 v_{t−1} + (1 − β2) g_t²,
//	           m̂_t = m_t/(1 − β1^t),  v̂_t = v_t/(1 − β2^t),  w_t = w_{t−1} − α m̂_t/(√v̂_t + ε)
//
// with ε = 1e-8 (Adagrad, RMSProp: under the root, as in nn; Adam: outside, as Kingma & Ba).

// optimizerNames are the optimizers of the demo, in drawing order; Nesterov is drawn only when
// asked for (OptimizersDemo.Only).
var optimizerNames = []string{"SGD", "momentum", "Nesterov", "Adagrad", "RMSProp", "Adam"}

// defaultOptimizers are drawn when Only is not used.
var defaultOptimizers = []string{"SGD", "momentum", "Adagrad", "RMSProp", "Adam"}

// optimizerColors keep each optimizer's colour the same in every demo.
var optimizerColors = map[string]string{
	"SGD": "#1f77b4", "momentum": "#ff7f0e", "Nesterov": "#8c564b",
	"Adagrad": "#2ca02c", "RMSProp": "#9467bd", "Adam": "#d62728",
}

// optimizerParams are the hyper-parameters a demo can step through, with what each one means.
var optimizerParams = params{
	{"lr", "the learning rate α of every optimizer drawn"},
	{"lrscale", "a factor on each optimizer's own learning rate α₀ (α = value·α₀)"},
	{"momentum", "γ of momentum and Nesterov"},
	{"beta1", "β1 of Adam"},
	{"beta2", "β2 of Adam"},
	{"rho", "ρ of RMSProp"},
	{"steps", "the number of steps (the paths grow frame by frame)"},
}

// hyper holds the hyper-parameters of every optimizer for one path computation.
type optHyper struct {
	lr                map[string]float64 // α per optimizer
	gamma, rho        float64
	beta1, beta2, eps float64
}

// lossSurface is a 2-D loss surface with its gradient, the start of the paths, the fixed window
// of the picture, the default number of steps and each optimizer's default learning rate on it.
type optSurface struct {
	name   string
	title  string
	f      func(x, y float64) float64
	grad   func(x, y float64) (gx, gy float64)
	start  [2]float64
	window [4]float64 // x0, x1, y0, y1
	steps  int
	lr     map[string]float64
}

// rosenbrock is f(x, y) = (1 − x)² + 100 (y − x²)²: a long, curved, narrow valley, minimum 0 at (1, 1).
var optRosenbrock = optSurface{
	name:  "rosenbrock",
	title: "Rosenbrock f = (1−x)² + 100(y−x²)²",
	f:     func(x, y float64) float64 { return (1-x)*(1-x) + 100*(y-x*x)*(y-x*x) },
	grad: func(x, y float64) (float64, float64) {
		return -2*(1-x) - 400*x*(y-x*x), 200 * (y - x*x)
	},
	start:  [2]float64{-1.5, 2},
	window: [4]float64{-2, 2, -1, 3},
	steps:  600,
	lr:     map[string]float64{"SGD": 0.001, "momentum": 0.001, "Nesterov": 0.001, "Adagrad": 0.5, "RMSProp": 0.01, "Adam": 0.05},
}

// saddle is f(x, y) = x² + (y² − 1)²/4: a saddle point at (0, 0) (≈ x² − y²/2), minima at (0, ±1).
var optSaddle = optSurface{
	name:  "saddle",
	title: "saddle f = x² + (y²−1)²/4",
	f:     func(x, y float64) float64 { return x*x + (y*y-1)*(y*y-1)/4 },
	grad: func(x, y float64) (float64, float64) {
		return 2 * x, y * (y*y - 1)
	},
	start:  [2]float64{1.5, 0.001},
	window: [4]float64{-2, 2, -1.5, 1.5},
	steps:  150,
	lr:     map[string]float64{"SGD": 0.05, "momentum": 0.05, "Nesterov": 0.05, "Adagrad": 0.3, "RMSProp": 0.05, "Adam": 0.05},
}

var optSurfaces = []*optSurface{&optRosenbrock, &optSaddle}

func optSurfaceNamed(name string) (*optSurface, error) {
	for _, s := range optSurfaces {
		if strings.EqualFold(name, s.name) {
			return s, nil
		}
	}
	return nil, fmt.Errorf("demo: unknown surface %q; use \"rosenbrock\" (a long curved valley) or \"saddle\" (a saddle point at (0, 0))", name)
}

// OptimizerPath is one optimizer's trajectory on a surface: (X[k], Y[k]) are the weights after
// step k, (X[0], Y[0]) the start. A path that diverges (|x| or |y| above 1e6) stops there, with
// Diverged set.
type OptimizerPath struct {
	Optimizer string // "SGD", "momentum", "Nesterov", "Adagrad", "RMSProp" or "Adam"
	Name      string // with its hyper-parameters, e.g. "Adam α=0.05 β1=0.9 β2=0.999"
	X, Y      []float64
	Diverged  bool
}

// stepper is one optimizer with its state: step moves w = [x, y] in place.
type optStepper func(w []float64, grad func(x, y float64) (float64, float64))

func optNewStepper(name string, h optHyper) optStepper {
	lr, eps := h.lr[name], h.eps
	gradAt := func(grad func(x, y float64) (float64, float64), x, y float64) []float64 {
		gx, gy := grad(x, y)
		return []float64{gx, gy}
	}
	switch name {
	case "SGD": // w_t = w_{t−1} − α g_t
		return func(w []float64, grad func(x, y float64) (float64, float64)) {
			g := gradAt(grad, w[0], w[1])
			for i := range w {
				w[i] -= lr * g[i]
			}
		}
	case "momentum": // v_t = γ v_{t−1} + α g_t,  w_t = w_{t−1} − v_t
		v := make([]float64, 2)
		return func(w []float64, grad func(x, y float64) (float64, float64)) {
			g := gradAt(grad, w[0], w[1])
			for i := range w {
				v[i] = h.gamma*v[i] + lr*g[i]
				w[i] -= v[i]
			}
		}
	case "Nesterov": // v_t = γ v_{t−1} + α ∇f(w_{t−1} − γ v_{t−1}),  w_t = w_{t−1} − v_t
		v := make([]float64, 2)
		return func(w []float64, grad func(x, y float64) (float64, float64)) {
			g := gradAt(grad, w[0]-h.gamma*v[0], w[1]-h.gamma*v[1]) // gradient at the look-ahead point
			for i := range w {
				v[i] = h.gamma*v[i] + lr*g[i]
				w[i] -= v[i]
			}
		}
	case "Adagrad": // G_t = G_{t−1} + g_t²,  w_t = w_{t−1} − α/√(G_t + ε) g_t
		G := make([]float64, 2)
		return func(w []float64, grad func(x, y float64) (float64, float64)) {
			g := gradAt(grad, w[0], w[1])
			for i := range w {
				G[i] += g[i] * g[i]
				w[i] -= lr / math.Sqrt(G[i]+eps) * g[i]
			}
		}
	case "RMSProp": // E_t = ρ E_{t−1} + (1 − ρ) g_t²,  w_t = w_{t−1} − α/√(E_t + ε) g_t
		E := make([]float64, 2)
		return func(w []float64, grad func(x, y float64) (float64, float64)) {
			g := gradAt(grad, w[0], w[1])
			for i := range w {
				E[i] = h.rho*E[i] + (1-h.rho)*g[i]*g[i]
				w[i] -= lr / math.Sqrt(E[i]+eps) * g[i]
			}
		}
	case "Adam": // Kingma & Ba, with bias correction
		m, v := make([]float64, 2), make([]float64, 2)
		t := 0
		return func(w []float64, grad func(x, y float64) (float64, float64)) {
			g := gradAt(grad, w[0], w[1])
			t++
			c1, c2 := 1-math.Pow(h.beta1, float64(t)), 1-math.Pow(h.beta2, float64(t))
			for i := range w {
				m[i] = h.beta1*m[i] + (1-h.beta1)*g[i]      // m_t = β1 m_{t−1} + (1 − β1) g_t
				v[i] = h.beta2*v[i] + (1-h.beta2)*g[i]*g[i] // v_t = β2 v_{t−1} + (1 − β2) g_t²
				mHat, vHat := m[i]/c1, v[i]/c2              // bias correction
				w[i] -= lr * mHat / (math.Sqrt(vHat) + eps) // w_t = w_{t−1} − α m̂_t/(√v̂_t + ε)
			}
		}
	}
	return nil
}

// pathName is the optimizer's name with the hyper-parameters its rule uses.
func optPathName(name string, h optHyper) string {
	lr := fmt.Sprintf("α=%.3g", h.lr[name])
	switch name {
	case "momentum", "Nesterov":
		return fmt.Sprintf("%s %s γ=%.3g", name, lr, h.gamma)
	case "RMSProp":
		return fmt.Sprintf("%s %s ρ=%.3g", name, lr, h.rho)
	case "Adam":
		return fmt.Sprintf("%s %s β1=%.3g β2=%.4g", name, lr, h.beta1, h.beta2)
	}
	return name + " " + lr
}

// runPath runs steps steps of optimizer name on s from start.
func optRunPath(s *optSurface, name string, h optHyper, start [2]float64, steps int) OptimizerPath {
	step := optNewStepper(name, h)
	w := []float64{start[0], start[1]}
	p := OptimizerPath{Optimizer: name, Name: optPathName(name, h), X: []float64{w[0]}, Y: []float64{w[1]}}
	for range steps {
		step(w, s.grad)
		if !(math.Abs(w[0]) <= 1e6 && math.Abs(w[1]) <= 1e6) { // also NaN
			p.Diverged = true
			break
		}
		p.X, p.Y = append(p.X, w[0]), append(p.Y, w[1])
	}
	return p
}

// OptimizersDemo draws optimizers' paths on a loss surface, frame by frame over a
// hyper-parameter or over the steps. Build it with NewOptimizers, narrow it with its methods,
// then call Show, Chart or Paths:
//
//	demo.NewOptimizers("rosenbrock").Only("SGD").Show("lr", []float64{0.0005, 0.001, 0.002, 0.0021})
//	demo.NewOptimizers("saddle").Show("steps", []float64{0, 10, 20, 40, 80, 150})
type OptimizersDemo struct {
	surface *optSurface
	only    []string
	steps   int
	start   *[2]float64
	set     map[string]float64
	err     error
}

// NewOptimizers starts an optimizers demo on the surface "rosenbrock" ((1 − x)² + 100 (y − x²)²,
// from (−1.5, 2), 600 steps, window [−2, 2]×[−1, 3]) or "saddle" (x² + (y² − 1)²/4, from
// (1.5, 0.001), 150 steps, window [−2, 2]×[−1.5, 1.5]). Each optimizer has its own default
// learning rate on each surface (those of notebook 10); γ = 0.9, ρ = 0.9, β1 = 0.9, β2 = 0.999.
func NewOptimizers(surface string) *OptimizersDemo {
	s, err := optSurfaceNamed(surface)
	return &OptimizersDemo{surface: s, err: err, set: map[string]float64{}}
}

// Only chooses the optimizers drawn, in this order: any of "SGD", "momentum", "Nesterov",
// "Adagrad", "RMSProp", "Adam" (default: all but Nesterov).
func (d *OptimizersDemo) Only(names ...string) *OptimizersDemo {
	if d.err != nil {
		return d
	}
	if len(names) == 0 {
		d.err = fmt.Errorf("demo: Only() got no optimizer; name some of %q", optimizerNames)
		return d
	}
	d.only = nil
	for _, n := range names {
		k := slices.IndexFunc(optimizerNames, func(o string) bool { return strings.EqualFold(o, n) })
		if k < 0 {
			d.err = fmt.Errorf("demo: Only: unknown optimizer %q; use %q", n, optimizerNames)
			return d
		}
		d.only = append(d.only, optimizerNames[k])
	}
	return d
}

// Steps sets the number of steps of each path (default: 600 on rosenbrock, 150 on saddle).
func (d *OptimizersDemo) Steps(n int) *OptimizersDemo {
	if d.err == nil && n < 1 {
		d.err = fmt.Errorf("demo: Steps(%d): give at least 1 step", n)
	}
	d.steps = n
	return d
}

// Start sets the starting point of the paths.
func (d *OptimizersDemo) Start(x, y float64) *OptimizersDemo {
	if d.err == nil && (math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0)) {
		d.err = fmt.Errorf("demo: Start(%g, %g): give a finite point", x, y)
	}
	d.start = &[2]float64{x, y}
	return d
}

// Set fixes a hyper-parameter for every frame: "lr" (α of every optimizer drawn), "momentum"
// (γ), "beta1", "beta2", "rho"; e.g. Set("momentum", 0.5) while the frames step through "lr".
func (d *OptimizersDemo) Set(param string, value float64) *OptimizersDemo {
	if d.err != nil {
		return d
	}
	if param == "steps" {
		return d.Steps(int(value))
	}
	if err := optCheckParam(param, value); err != nil {
		d.err = fmt.Errorf("demo: Set: %w", err)
		return d
	}
	d.set[param] = value
	return d
}

// checkParam reports an unknown hyper-parameter or a value outside its range.
func optCheckParam(param string, v float64) error {
	if !optimizerParams.has(param) {
		return fmt.Errorf("unknown hyper-parameter %q; use one of %s", param, optimizerParams)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s = %g: give a finite number", param, v)
	}
	switch param {
	case "lr", "lrscale":
		if v <= 0 {
			return fmt.Errorf("%s = %g: the learning rate must be > 0 (e.g. 0.001)", param, v)
		}
	case "momentum", "beta1", "beta2", "rho":
		if v < 0 || v >= 1 {
			return fmt.Errorf("%s = %g: it must be in [0, 1) (usual: 0.9, and 0.999 for beta2)", param, v)
		}
	case "steps":
		if v < 0 || v != math.Trunc(v) {
			return fmt.Errorf("steps = %g: give whole numbers of steps ≥ 0", v)
		}
	}
	return nil
}

// optimizers returns the optimizers drawn.
func (d *OptimizersDemo) optimizers() []string {
	if d.only != nil {
		return d.only
	}
	return defaultOptimizers
}

// hyperFor returns the hyper-parameters with param set to v (param "" or "steps": the fixed ones).
func (d *OptimizersDemo) hyperFor(param string, v float64) optHyper {
	h := optHyper{lr: map[string]float64{}, gamma: 0.9, rho: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8}
	apply := func(p string, v float64) {
		switch p {
		case "lr":
			for _, n := range optimizerNames {
				h.lr[n] = v
			}
		case "lrscale":
			for _, n := range optimizerNames {
				h.lr[n] *= v
			}
		case "momentum":
			h.gamma = v
		case "beta1":
			h.beta1 = v
		case "beta2":
			h.beta2 = v
		case "rho":
			h.rho = v
		}
	}
	for n, lr := range d.surface.lr {
		h.lr[n] = lr
	}
	for _, p := range []string{"lr", "lrscale", "momentum", "beta1", "beta2", "rho"} { // lr before lrscale
		if fixed, ok := d.set[p]; ok && p != param {
			apply(p, fixed)
		}
		if p == param {
			apply(p, v)
		}
	}
	return h
}

// Paths returns the paths behind the frames: paths[i][j] is the j-th optimizer's path in frame
// i, for values[i] of param (see OptimizersDemo.Show for the names). For "steps" the paths of
// frame i are those of the longest run cut after values[i] steps.
func (d *OptimizersDemo) Paths(param string, values []float64) ([][]OptimizerPath, error) {
	if d.err != nil {
		return nil, d.err
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("demo: no values of %q given; give one value per frame, e.g. []float64{0.001, 0.002}", param)
	}
	for _, v := range values {
		if err := optCheckParam(param, v); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	start := d.surface.start
	if d.start != nil {
		start = *d.start
	}
	steps := d.surface.steps
	if d.steps > 0 {
		steps = d.steps
	}
	out := make([][]OptimizerPath, len(values))
	if param == "steps" {
		most := int(slices.Max(values))
		if d.steps > 0 && most > d.steps {
			return nil, fmt.Errorf("demo: steps = %d is more than Steps(%d); drop Steps or give smaller values", most, d.steps)
		}
		h := d.hyperFor("", 0)
		full := make([]OptimizerPath, 0, len(d.optimizers()))
		for _, name := range d.optimizers() {
			full = append(full, optRunPath(d.surface, name, h, start, most))
		}
		for i, v := range values {
			for _, p := range full {
				k := min(int(v)+1, len(p.X))
				cut := p
				cut.X, cut.Y = slices.Clone(p.X[:k]), slices.Clone(p.Y[:k])
				cut.Diverged = p.Diverged && int(v)+1 > len(p.X)
				out[i] = append(out[i], cut)
			}
		}
		return out, nil
	}
	for i, v := range values {
		h := d.hyperFor(param, v)
		for _, name := range d.optimizers() {
			out[i] = append(out[i], optRunPath(d.surface, name, h, start, steps))
		}
	}
	return out, nil
}

// frameLabel names the frame for value v of param.
func optFrameLabel(param string, v float64) string {
	switch param {
	case "lr":
		return fmt.Sprintf("α = %g", v)
	case "lrscale":
		return fmt.Sprintf("α = %g·α₀", v)
	case "momentum":
		return fmt.Sprintf("γ = %g", v)
	case "beta1":
		return fmt.Sprintf("β1 = %g", v)
	case "beta2":
		return fmt.Sprintf("β2 = %g", v)
	case "rho":
		return fmt.Sprintf("ρ = %g", v)
	}
	return fmt.Sprintf("step %g", v)
}

// maxDrawn is the most points drawn per path (longer paths are thinned, keeping the last
// point), so that the frames stay small.
const optMaxDrawn = 150

// Chart builds the frames: one TrajectoriesChart per value of param, each with every
// optimizer's path over the surface (filled contours, a circle at the start, a diamond at the
// end), in the surface's fixed window so that the picture does not jump between frames. param
// is one of
//
//	"lr"       α of every optimizer drawn (the same α for all: see how differently they take it)
//	"lrscale"  a factor on each optimizer's own default α₀ (α = value·α₀)
//	"momentum" γ of momentum (and Nesterov)
//	"beta1"    β1 of Adam (its momentum)
//	"beta2"    β2 of Adam (the memory of the squared gradients)
//	"rho"      ρ of RMSProp
//	"steps"    the number of steps: the paths grow frame by frame (values: whole numbers)
//
// options go to viz.FramesChart and the frames (viz.Title, viz.AtFrame, viz.PlayMillis, ...);
// the static picture shows the first frame unless viz.AtFrame says otherwise.
func (d *OptimizersDemo) Chart(param string, values []float64, options ...viz.Option) (*viz.Chart, error) {
	paths, err := d.Paths(param, values)
	if err != nil {
		return nil, err
	}
	s := d.surface
	win := viz.Range(s.window[0], s.window[1], s.window[2], s.window[3])
	title := fmt.Sprintf("Optimizers on the %s", s.title)
	if param != "steps" {
		steps := s.steps
		if d.steps > 0 {
			steps = d.steps
		}
		title += fmt.Sprintf(", %d steps", steps)
	}
	frames := make([]*viz.Chart, len(values))
	labels := make([]string, len(values))
	for i, v := range values {
		series := make([]viz.Series, len(paths[i]))
		for j, p := range paths[i] {
			name := p.Name // a diverging path leaves the window: TrajectoriesChart says at which step
			x, y := optThin(p.X, p.Y, optMaxDrawn)
			x, y = optRound(x), optRound(y)
			series[j] = viz.Series{Name: name, X: x, Y: y, Color: optimizerColors[p.Optimizer]}
		}
		labels[i] = optFrameLabel(param, v)
		opts := append([]viz.Option{win, viz.Title(title)}, options...)
		f, err := viz.TrajectoriesChart(s.f, series, opts...)
		if err != nil {
			return nil, fmt.Errorf("demo: frame %d (%s): %w", i, labels[i], err)
		}
		frames[i] = f
	}
	return viz.FramesChart(frames, labels, options...)
}

// thin keeps at most n points of a path, evenly spaced, always the first and the last.
func optThin(x, y []float64, n int) ([]float64, []float64) {
	if len(x) <= n {
		return x, y
	}
	idx := make([]int, 0, n)
	for k := range n {
		idx = append(idx, int(math.Round(float64(k)*float64(len(x)-1)/float64(n-1))))
	}
	sort.Ints(idx)
	idx = slices.Compact(idx)
	tx, ty := make([]float64, len(idx)), make([]float64, len(idx))
	for k, i := range idx {
		tx[k], ty[k] = x[i], y[i]
	}
	return tx, ty
}

// optRound rounds the coordinates to 1e-4 (a tenth of a pixel in the windows of the demo), so
// that the frames stay small.
func optRound(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Round(x*1e4) / 1e4
	}
	return out
}

// Show shows the frames of Chart.
func (d *OptimizersDemo) Show(param string, values []float64, options ...viz.Option) (viz.Files, error) {
	return show(d.Chart(param, values, options...))
}

// Optimizers shows every optimizer's path on surface ("rosenbrock" or "saddle"), one frame per
// value of param ("lr", "lrscale", "momentum", "beta1", "beta2", "rho", or "steps" for the
// paths growing step by step): see OptimizersDemo.Chart.
//
//	demo.Optimizers("rosenbrock", "lrscale", []float64{0.5, 1, 2})
//	demo.Optimizers("saddle", "steps", []float64{0, 10, 20, 40, 80, 150}, viz.AtFrame(-1))
func Optimizers(surface, param string, values []float64, options ...viz.Option) (viz.Files, error) {
	return NewOptimizers(surface).Show(param, values, options...)
}

// OptimizersChart builds the chart that Optimizers shows.
func OptimizersChart(surface, param string, values []float64, options ...viz.Option) (*viz.Chart, error) {
	return NewOptimizers(surface).Chart(param, values, options...)
}

// OptimizersSteps returns the paths behind the frames of Optimizers: paths[i][j] is the j-th
// optimizer's path (SGD, momentum, Adagrad, RMSProp, Adam) for values[i] of param.
func OptimizersSteps(surface, param string, values []float64) ([][]OptimizerPath, error) {
	return NewOptimizers(surface).Paths(param, values)
}
