package demo

import (
	"fmt"
	"math"
	"slices"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/tensor"
	"github.com/godl-course/godl/viz"
)

// LineData returns n points (x, y) of a linear regression problem: x ~ N(0, 1) and
// y = slope·x + intercept + ε with ε ~ N(0, noise²). Examples have Shape [1] (x), targets
// TargetShape [1] (y). The same seed gives the same points.
func LineData(n int, slope, intercept, noise float64, seed int64) *datasets.Dataset {
	rng := tensor.NewRand(uint64(seed))
	n = max(n, 0)
	d := &datasets.Dataset{Name: "line", Shape: []int{1}, TargetShape: []int{1},
		X: make([]float32, n), Targets: make([]float32, n)}
	for i := range n {
		x := rng.NormFloat64()
		d.X[i] = float32(x)
		d.Targets[i] = float32(slope*x + intercept + noise*rng.NormFloat64())
	}
	return d
}

// BatchNoiseConfig sets what [BatchNoise] draws; the zero value (or no config at all) gives the
// defaults, and each field left at zero keeps its default.
type BatchNoiseConfig struct {
	BatchSizes   []int        // one frame per batch size (default 1, 4, 16, 64, 256 (those below N) and N, the full batch)
	Draws        int          // random batches per batch size (default 100)
	Weight, Bias float64      // the point θ = (w, b) where the gradients are taken (default (0, 0))
	LearningRate float64      // η: the chart draws each batch's step −η·g_B from (w, b) (default 0.25)
	Seed         int64        // seed of the random batches
	Chart        []viz.Option // options of the chart: viz.Size, viz.AtFrame, viz.PlayMillis, viz.AutoPlay, viz.Title
}

// BatchNoiseStep holds the gradients of one batch size B of [BatchNoise]. Gradients are those
// of the mean squared error of the line ŷ = w·x + b, with respect to θ = (w, b):
//
//	L_B(w, b) = (1/B) Σ_{i∈B} (w·x_i + b − y_i)²
//	g_B = ∇L_B = (1/B) Σ_{i∈B} (2 r_i x_i, 2 r_i),   r_i = w·x_i + b − y_i
type BatchNoiseStep struct {
	BatchSize int
	Full      [2]float64   // g = ∇L over all N examples: (∂L/∂w, ∂L/∂b)
	Grads     [][2]float64 // g_B of each random batch (B examples drawn without replacement)
	Cosines   []float64    // cos(g_B, g) = g_B·g / (‖g_B‖ ‖g‖) of each batch (1 when g_B = g = 0)
	Spread    float64      // measured E‖g_B − g‖²: the mean over the batches
	// Expected is the lecture's formula for the spread: σ²/B · (N−B)/(N−1), with
	// σ² = (1/N) Σ_i ‖∇ℓ_i − g‖² the variance of one example's gradient.
	Expected float64
}

// MeanCosine is the mean of the cosines between the batches' gradients and the full gradient.
func (s BatchNoiseStep) MeanCosine() float64 {
	var sum float64
	for _, c := range s.Cosines {
		sum += c
	}
	return sum / float64(len(s.Cosines))
}

// label is the frame's label: "B = 16" ("B = N = 1000" for the full batch).
func (s BatchNoiseStep) label(n int) string {
	if s.BatchSize == n {
		return fmt.Sprintf("B = N = %d", n)
	}
	return fmt.Sprintf("B = %d", s.BatchSize)
}

// BatchNoise shows the noise of mini-batch gradients, one frame per batch size B: from the
// same point θ = (w, b) of a linear regression (the line ŷ = w·x + b, the mean squared error),
// the step −η·g_B of many random batches of B examples (blue) next to the full-batch step −η·g
// (red), over the contour lines of the loss L(w, b) on all the data. The batch gradient is a
// noisy estimate of g,
//
//	g_B = (1/B) Σ_{i∈B} ∇ℓ_i(θ),   E[g_B] = g,   E‖g_B − g‖² = σ²/B · (N−B)/(N−1),
//
// so the fan of steps closes as B grows, and is a single step at B = N. Steps that would leave
// the window are cut at its border. The x axis is w, the y axis b.
//
//	demo.BatchNoise(demo.LineData(1000, 2, 1, 1, 1))
//	demo.BatchNoise(data, demo.BatchNoiseConfig{BatchSizes: []int{1, 10, 100}, Weight: 1.5, Bias: 0.5})
//
// data holds N examples of one value x with one target y (Shape [1], TargetShape [1]), e.g.
// from [LineData].
func BatchNoise(data *datasets.Dataset, config ...BatchNoiseConfig) (viz.Files, error) {
	return show(BatchNoiseChart(data, config...))
}

// BatchNoiseChart builds the frames chart that [BatchNoise] shows.
func BatchNoiseChart(data *datasets.Dataset, config ...BatchNoiseConfig) (*viz.Chart, error) {
	cfg, x, y, err := batchNoiseSetup(data, config)
	if err != nil {
		return nil, err
	}
	steps := batchNoiseSteps(x, y, cfg)
	n := len(x)
	theta := [2]float64{cfg.Weight, cfg.Bias}
	st := batchNoiseStatsOf(x, y)
	loss := func(w, b float64) float64 { return st.loss(w, b) }

	// A fixed square window around θ, the minimum θ* and the full-batch step.
	wOpt, bOpt := st.minimum()
	full := steps[0].Full
	pts := [][2]float64{theta, {wOpt, bOpt}, {cfg.Weight - cfg.LearningRate*full[0], cfg.Bias - cfg.LearningRate*full[1]}}
	x0, x1, y0, y1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		x0, x1, y0, y1 = math.Min(x0, p[0]), math.Max(x1, p[0]), math.Min(y0, p[1]), math.Max(y1, p[1])
	}
	half := 0.8 * math.Max(math.Max(x1-x0, y1-y0), 0.1)
	cx, cy := (x0+x1)/2, (y0+y1)/2
	win := [4]float64{cx - half, cx + half, cy - half, cy + half}

	var frames []*viz.Chart
	var labels []string
	for _, s := range steps {
		var paths []viz.Series
		for k, g := range s.Grads {
			ex, ey := batchNoiseClip(theta, [2]float64{-cfg.LearningRate * g[0], -cfg.LearningRate * g[1]}, win)
			name := ""
			if k == 0 {
				name = fmt.Sprintf("−η·g_B of %d batches", len(s.Grads))
			}
			paths = append(paths, viz.Series{Name: name, X: []float64{theta[0], ex}, Y: []float64{theta[1], ey}, Color: "#5470c6"})
		}
		ex, ey := batchNoiseClip(theta, [2]float64{-cfg.LearningRate * s.Full[0], -cfg.LearningRate * s.Full[1]}, win)
		paths = append(paths, viz.Series{Name: "−η·g (all N examples)", X: []float64{theta[0], ex}, Y: []float64{theta[1], ey}, Color: "#d62728"})
		title := fmt.Sprintf("%s: mean cos(g_B, g) = %.2f, E‖g_B − g‖² = %.3g (x: w, y: b)", s.label(n), s.MeanCosine(), s.Spread)
		opts := append(append([]viz.Option{viz.Size(540, 500)}, cfg.Chart...), viz.Range(win[0], win[1], win[2], win[3]), viz.Title(title))
		f, err := viz.TrajectoriesChart(loss, paths, opts...)
		if err != nil {
			return nil, fmt.Errorf("demo.BatchNoise: %w", err)
		}
		frames, labels = append(frames, f), append(labels, s.label(n))
	}
	opts := append([]viz.Option{viz.Title(fmt.Sprintf("Mini-batch steps from (w, b) = (%.3g, %.3g)", cfg.Weight, cfg.Bias))}, cfg.Chart...)
	return viz.FramesChart(frames, labels, opts...)
}

// BatchNoiseSteps returns the numbers behind the frames of [BatchNoise]: for each batch size,
// the full gradient, each random batch's gradient and cosine, and the measured and expected
// spread.
func BatchNoiseSteps(data *datasets.Dataset, config ...BatchNoiseConfig) ([]BatchNoiseStep, error) {
	cfg, x, y, err := batchNoiseSetup(data, config)
	if err != nil {
		return nil, err
	}
	return batchNoiseSteps(x, y, cfg), nil
}

// batchNoiseSetup checks the arguments, fills in the defaults and returns the data as float64.
func batchNoiseSetup(data *datasets.Dataset, config []BatchNoiseConfig) (cfg BatchNoiseConfig, x, y []float64, err error) {
	switch len(config) {
	case 0:
	case 1:
		cfg = config[0]
	default:
		return cfg, nil, nil, fmt.Errorf("demo.BatchNoise: got %d configs; give at most one demo.BatchNoiseConfig{...} with all the settings", len(config))
	}
	if data == nil {
		return cfg, nil, nil, fmt.Errorf("demo.BatchNoise: data is nil; give a regression data set of one value per example, e.g. demo.LineData(1000, 2, 1, 1, 1)")
	}
	n := data.Len()
	if data.ExampleSize() != 1 || data.TargetSize() != 1 || len(data.Targets) != n || n < 2 {
		return cfg, nil, nil, fmt.Errorf("demo.BatchNoise: data %q has %d examples of shape %v with targets of shape %v; give at least 2 examples of one value x with one target y (Shape [1], TargetShape [1]), e.g. demo.LineData(1000, 2, 1, 1, 1)",
			data.Name, n, data.Shape, data.TargetShape)
	}
	x, y = make([]float64, n), make([]float64, n)
	for i := range n {
		x[i], y[i] = float64(data.X[i]), float64(data.Targets[i])
		if math.IsNaN(x[i]+y[i]) || math.IsInf(x[i]+y[i], 0) {
			return cfg, nil, nil, fmt.Errorf("demo.BatchNoise: example %d of data %q is (%g, %g); every x and y must be finite", i, data.Name, x[i], y[i])
		}
	}
	if cfg.BatchSizes == nil {
		for _, b := range []int{1, 4, 16, 64, 256} {
			if b < n {
				cfg.BatchSizes = append(cfg.BatchSizes, b)
			}
		}
		cfg.BatchSizes = append(cfg.BatchSizes, n)
	}
	if len(cfg.BatchSizes) == 0 || len(cfg.BatchSizes) > 60 {
		return cfg, nil, nil, fmt.Errorf("demo.BatchNoise: BatchSizes has %d sizes; give 1 to 60 batch sizes (or nil for 1, 4, 16, 64, 256, N)", len(cfg.BatchSizes))
	}
	for _, b := range cfg.BatchSizes {
		if b < 1 || b > n {
			return cfg, nil, nil, fmt.Errorf("demo.BatchNoise: batch size %d in BatchSizes %v; each must be between 1 and the %d examples of the data", b, cfg.BatchSizes, n)
		}
	}
	if cfg.Draws == 0 {
		cfg.Draws = 100
	}
	if cfg.Draws < 1 || cfg.Draws > 10000 {
		return cfg, nil, nil, fmt.Errorf("demo.BatchNoise: Draws = %d; give 1 to 10000 random batches per batch size (or 0 for 100)", cfg.Draws)
	}
	if cfg.LearningRate == 0 {
		cfg.LearningRate = 0.25
	}
	if !(cfg.LearningRate > 0) || math.IsInf(cfg.LearningRate, 0) {
		return cfg, nil, nil, fmt.Errorf("demo.BatchNoise: LearningRate = %g; give a positive η, e.g. 0.25", cfg.LearningRate)
	}
	if math.IsNaN(cfg.Weight+cfg.Bias) || math.IsInf(cfg.Weight+cfg.Bias, 0) {
		return cfg, nil, nil, fmt.Errorf("demo.BatchNoise: the point (Weight, Bias) = (%g, %g) must be finite", cfg.Weight, cfg.Bias)
	}
	return cfg, x, y, nil
}

// batchNoiseGradient returns g_B = ∇L_B(w, b) of the mean squared error over the examples idx:
// (1/B) Σ_{i∈idx} (2 r_i x_i, 2 r_i) with r_i = w·x_i + b − y_i.
func batchNoiseGradient(x, y []float64, w, b float64, idx []int) [2]float64 {
	var gw, gb float64
	for _, i := range idx {
		r := w*x[i] + b - y[i]
		gw += 2 * r * x[i]
		gb += 2 * r
	}
	return [2]float64{gw / float64(len(idx)), gb / float64(len(idx))}
}

// batchNoiseLoss returns L_B(w, b) = (1/B) Σ_{i∈idx} (w·x_i + b − y_i)².
func batchNoiseLoss(x, y []float64, w, b float64, idx []int) float64 {
	var sum float64
	for _, i := range idx {
		r := w*x[i] + b - y[i]
		sum += r * r
	}
	return sum / float64(len(idx))
}

// batchNoiseSteps draws the batches and measures their gradients.
func batchNoiseSteps(x, y []float64, cfg BatchNoiseConfig) []BatchNoiseStep {
	n := len(x)
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	full := batchNoiseGradient(x, y, cfg.Weight, cfg.Bias, all)
	var sigma2 float64 // (1/N) Σ_i ‖∇ℓ_i − g‖²
	for i := range n {
		g := batchNoiseGradient(x, y, cfg.Weight, cfg.Bias, all[i:i+1])
		sigma2 += ((g[0]-full[0])*(g[0]-full[0]) + (g[1]-full[1])*(g[1]-full[1])) / float64(n)
	}
	rng := tensor.NewRand(uint64(cfg.Seed))
	perm := slices.Clone(all)
	var steps []BatchNoiseStep
	for _, bs := range cfg.BatchSizes {
		s := BatchNoiseStep{BatchSize: bs, Full: full, Expected: sigma2 / float64(bs) * float64(n-bs) / float64(n-1)}
		for range cfg.Draws {
			// B examples without replacement: the first B of a partial Fisher–Yates shuffle.
			for k := range bs {
				j := k + rng.IntN(n-k)
				perm[k], perm[j] = perm[j], perm[k]
			}
			batch := perm[:bs]
			if bs == n {
				batch = all // the same examples: summed in the same order as g, so g_B = g exactly
			}
			g := batchNoiseGradient(x, y, cfg.Weight, cfg.Bias, batch)
			s.Grads = append(s.Grads, g)
			s.Cosines = append(s.Cosines, batchNoiseCosine(g, full))
			s.Spread += ((g[0]-full[0])*(g[0]-full[0]) + (g[1]-full[1])*(g[1]-full[1])) / float64(cfg.Draws)
		}
		steps = append(steps, s)
	}
	return steps
}

// batchNoiseCosine returns cos(a, b) = a·b/(‖a‖‖b‖); 1 when a = b, 0 when only one is 0.
func batchNoiseCosine(a, b [2]float64) float64 {
	na, nb := math.Hypot(a[0], a[1]), math.Hypot(b[0], b[1])
	if na == 0 || nb == 0 {
		if a == b {
			return 1
		}
		return 0
	}
	return (a[0]*b[0] + a[1]*b[1]) / (na * nb)
}

// batchNoiseClip returns the end of the step d from p, shortened to stay in the window
// [x0, x1]×[y0, y1], rounded to 4 decimals.
func batchNoiseClip(p, d [2]float64, win [4]float64) (float64, float64) {
	t := 1.0
	for k, lim := range [][2]float64{{win[0], win[1]}, {win[2], win[3]}} {
		end := p[k] + d[k]
		switch {
		case end > lim[1] && d[k] != 0:
			t = math.Min(t, 0.999*(lim[1]-p[k])/d[k])
		case end < lim[0] && d[k] != 0:
			t = math.Min(t, 0.999*(lim[0]-p[k])/d[k])
		}
	}
	t = math.Max(t, 0)
	// 4 decimals are plenty for the picture and keep the chart's JSON short.
	return math.Round((p[0]+t*d[0])*1e4) / 1e4, math.Round((p[1]+t*d[1])*1e4) / 1e4
}

// batchNoiseStats holds the means over the data of x, y, x², xy and y², from which the loss
// on all examples is L(w, b) = w²·E[x²] + 2wb·E[x] + b² − 2w·E[xy] − 2b·E[y] + E[y²].
type batchNoiseStats struct{ x, y, xx, xy, yy float64 }

func batchNoiseStatsOf(x, y []float64) batchNoiseStats {
	var s batchNoiseStats
	n := float64(len(x))
	for i := range x {
		s.x += x[i] / n
		s.y += y[i] / n
		s.xx += x[i] * x[i] / n
		s.xy += x[i] * y[i] / n
		s.yy += y[i] * y[i] / n
	}
	return s
}

func (s batchNoiseStats) loss(w, b float64) float64 {
	return w*w*s.xx + 2*w*b*s.x + b*b - 2*w*s.xy - 2*b*s.y + s.yy
}

// minimum returns the least-squares line: w* = Cov(x, y)/Var(x), b* = E[y] − w*·E[x].
func (s batchNoiseStats) minimum() (w, b float64) {
	v := s.xx - s.x*s.x
	if v <= 0 {
		return 0, s.y
	}
	w = (s.xy - s.x*s.y) / v
	return w, s.y - w*s.x
}
