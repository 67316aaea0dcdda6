package demo

import (
	"fmt"
	"math"
	"strings"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/tensor"
	"github.com/godl-course/godl/viz"
)

// InitScaleConfig sets the network of [InitScale]; the zero value (or no config at all) gives
// the defaults, and each field left at zero keeps its default.
type InitScaleConfig struct {
	Activation string    // "tanh" (default) or "relu"
	Depth      int       // hidden layers Dense(Width) → activation (default 20)
	Width      int       // units per layer, also the inputs' size n (default 128)
	Examples   int       // random inputs x ~ N(0, 1) sent through the network (default 500)
	Scales     []float64 // one frame per multiplier c of σ_W = c/√n (default 0.25, 0.5, 1, 2, 4; 1 is LeCun's, √2 He's)
	Layers     []int     // layers whose histograms each frame shows (default 1, 5, 10, 15, 20)
	// Range is the x range [lo, hi] of the histograms, the same in every frame; values outside
	// it are counted in the first or last bin (default [−1, 1] for tanh, [0, 3] for ReLU).
	Range [2]float64
	Seed  int64        // seed of the weights and the inputs (default 1)
	Chart []viz.Option // options of the chart: viz.Size, viz.AtFrame, viz.PlayMillis, viz.AutoPlay, viz.Title
}

// InitScaleStep is one frame of [InitScale]: the activations of a network whose weights are
// drawn from N(0, σ_W²), σ_W = Scale/√n.
type InitScaleStep struct {
	Scale float64 // c in σ_W = c/√n
	Sigma float64 // σ_W
	// Mean, Std and Saturated hold, for each layer l = 1..Depth (index l−1), the mean and the
	// standard deviation of its outputs a_l = act(a_{l−1}·W_l) over all examples and units,
	// and the fraction of them with |a| > 0.9.
	Mean, Std, Saturated []float64
	// Activations holds the outputs a_l of each layer, shape (Examples, Width).
	Activations []*tensor.Tensor
	// Model is the network (its weights: Model.Weights("dense_3")); Inputs its input x.
	Model  *nn.Model
	Inputs *tensor.Tensor
}

// initScaleBins is the number of histogram bins over the fixed range.
const initScaleBins = 41 // odd: 0 is the centre of a bin

// InitScale shows the lecture's "too small weights: vanishing signal; too high: exploding
// signal" as frames: one frame per scale c of the weights, σ_W = c/√n, each with the
// histograms of the outputs of layers 1, 5, 10, 15 and 20 of a deep MLP (Depth × Dense(n) →
// tanh, biases 0) on random inputs x ~ N(0, 1). A layer multiplies the variance of its
// pre-activation by
//
//	Var(Y) = n·Var(W)·Var(X) = c²·Var(X),
//
// so c = 1 (Var(W) = 1/n, the lecture's rule, LeCun's) keeps the signal, c < 1 shrinks it at
// every layer (vanishing), and for c > 1 tanh saturates at ±1. The histograms share one x range
// and show, on a log axis, the fraction of values in each of 41 bins; a collapsed layer is a
// single spike at 0. With Activation "relu", c = √2 is He's initialization.
//
//	demo.InitScale()
//	demo.InitScale(demo.InitScaleConfig{Activation: "relu", Scales: []float64{0.5, 1, math.Sqrt2, 2}})
func InitScale(config ...InitScaleConfig) (viz.Files, error) {
	return show(InitScaleChart(config...))
}

// InitScaleChart builds the frames chart that [InitScale] shows.
func InitScaleChart(config ...InitScaleConfig) (*viz.Chart, error) {
	cfg, err := initScaleSetup(config)
	if err != nil {
		return nil, err
	}
	steps, err := initScaleSteps(cfg)
	if err != nil {
		return nil, err
	}
	lo, hi := cfg.Range[0], cfg.Range[1]
	width := (hi - lo) / initScaleBins
	floor := 1e-4 // smaller fractions (and empty bins) are drawn at the bottom of the log axis
	var frames []*viz.Chart
	var labels []string
	for _, s := range steps {
		var series []viz.Series
		for _, l := range cfg.Layers {
			frac := initScaleHistogram(s.Activations[l-1].Data, lo, hi)
			sr := viz.Series{Name: fmt.Sprintf("layer %d (σ=%.2g)", l, s.Std[l-1])}
			for k, f := range frac {
				sr.X = append(sr.X, lo+width*(float64(k)+0.5))
				sr.Y = append(sr.Y, math.Max(f, floor))
			}
			series = append(series, sr)
		}
		// Two invisible points (one-point lines, no legend) keep the y axis at [10⁻⁴, 1].
		mid := (lo + hi) / 2
		series = append(series, viz.Series{X: []float64{mid}, Y: []float64{1}, Color: "#ffffff"},
			viz.Series{X: []float64{mid}, Y: []float64{floor}, Color: "#ffffff"})
		l1, ln := s.Std[0], s.Std[cfg.Depth-1]
		title := fmt.Sprintf("%s, σ_W = %s: std of layer 1 %.2g, of layer %d %.2g", cfg.Activation, initScaleName(s.Scale), l1, cfg.Depth, ln)
		opts := append(append([]viz.Option{viz.Size(720, 440)}, cfg.Chart...),
			viz.LogY(), viz.XLabel("output value a_l"), viz.YLabel("fraction of the values per bin"), viz.Title(title))
		f, err := viz.LinesChart(series, opts...)
		if err != nil {
			return nil, fmt.Errorf("demo.InitScale: %w", err)
		}
		frames, labels = append(frames, f), append(labels, "σ_W = "+initScaleName(s.Scale))
	}
	opts := append([]viz.Option{viz.Title(fmt.Sprintf("The signal through %d %s layers of %d units, by the scale of the weights", cfg.Depth, cfg.Activation, cfg.Width))}, cfg.Chart...)
	return viz.FramesChart(frames, labels, opts...)
}

// InitScaleSteps returns the numbers behind the frames of [InitScale]: for each scale, the
// mean, the standard deviation and the saturated fraction of each layer's outputs, the outputs
// themselves and the network.
func InitScaleSteps(config ...InitScaleConfig) ([]InitScaleStep, error) {
	cfg, err := initScaleSetup(config)
	if err != nil {
		return nil, err
	}
	return initScaleSteps(cfg)
}

// initScaleName writes σ_W = c/√n: "1/√n (LeCun)", "√2/√n (He)", "0.25/√n".
func initScaleName(c float64) string {
	switch {
	case c == 1:
		return "1/√n (LeCun)"
	case math.Abs(c-math.Sqrt2) < 1e-9:
		return "√2/√n (He)"
	}
	return fmt.Sprintf("%.3g/√n", c)
}

// initScaleSetup checks the config and fills in the defaults.
func initScaleSetup(config []InitScaleConfig) (InitScaleConfig, error) {
	var cfg InitScaleConfig
	switch len(config) {
	case 0:
	case 1:
		cfg = config[0]
	default:
		return cfg, fmt.Errorf("demo.InitScale: got %d configs; give at most one demo.InitScaleConfig{...} with all the settings", len(config))
	}
	cfg.Activation = strings.ToLower(cfg.Activation)
	switch cfg.Activation {
	case "":
		cfg.Activation = "tanh"
	case "tanh", "relu":
	default:
		return cfg, fmt.Errorf("demo.InitScale: Activation %q; give \"tanh\" or \"relu\"", cfg.Activation)
	}
	if cfg.Depth == 0 {
		cfg.Depth = 20
	}
	if cfg.Depth < 1 || cfg.Depth > 100 {
		return cfg, fmt.Errorf("demo.InitScale: Depth = %d; give 1 to 100 layers (or 0 for 20)", cfg.Depth)
	}
	if cfg.Width == 0 {
		cfg.Width = 128
	}
	if cfg.Width < 1 || cfg.Width > 2048 {
		return cfg, fmt.Errorf("demo.InitScale: Width = %d; give 1 to 2048 units per layer (or 0 for 128)", cfg.Width)
	}
	if cfg.Examples == 0 {
		cfg.Examples = 500
	}
	if cfg.Examples < 1 || cfg.Examples*cfg.Width > 1<<22 {
		return cfg, fmt.Errorf("demo.InitScale: Examples = %d; give 1 to %d random inputs of %d values (or 0 for 500)", cfg.Examples, (1<<22)/cfg.Width, cfg.Width)
	}
	if cfg.Scales == nil {
		cfg.Scales = []float64{0.25, 0.5, 1, 2, 4}
	}
	if len(cfg.Scales) == 0 || len(cfg.Scales) > 30 {
		return cfg, fmt.Errorf("demo.InitScale: Scales has %d values; give 1 to 30 multipliers c of σ_W = c/√n (or nil for 0.25, 0.5, 1, 2, 4)", len(cfg.Scales))
	}
	for _, c := range cfg.Scales {
		if !(c > 0) || math.IsInf(c, 0) {
			return cfg, fmt.Errorf("demo.InitScale: scale %g in Scales %v; each multiplier c of σ_W = c/√n must be positive", c, cfg.Scales)
		}
	}
	if cfg.Layers == nil {
		for _, l := range []int{1, 5, 10, 15, 20} {
			if l < cfg.Depth {
				cfg.Layers = append(cfg.Layers, l)
			}
		}
		cfg.Layers = append(cfg.Layers, cfg.Depth)
	}
	if len(cfg.Layers) == 0 || len(cfg.Layers) > 10 {
		return cfg, fmt.Errorf("demo.InitScale: Layers has %d values; give 1 to 10 layers to show (or nil for 1, 5, 10, 15, 20)", len(cfg.Layers))
	}
	for _, l := range cfg.Layers {
		if l < 1 || l > cfg.Depth {
			return cfg, fmt.Errorf("demo.InitScale: layer %d in Layers %v; layers are numbered 1 to Depth = %d", l, cfg.Layers, cfg.Depth)
		}
	}
	if cfg.Range == [2]float64{} {
		cfg.Range = [2]float64{-1, 1}
		if cfg.Activation == "relu" {
			cfg.Range = [2]float64{0, 3}
		}
	}
	if !(cfg.Range[0] < cfg.Range[1]) || math.IsInf(cfg.Range[0], 0) || math.IsInf(cfg.Range[1], 0) {
		return cfg, fmt.Errorf("demo.InitScale: Range = %v; give a finite range [lo, hi] with lo < hi (or leave it for the default)", cfg.Range)
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	return cfg, nil
}

// initScaleSteps builds the network of each scale with nn (weights from nn.Normal(c/√n),
// seeded) and collects its layers' outputs with Model.Activations.
func initScaleSteps(cfg InitScaleConfig) ([]InitScaleStep, error) {
	n := cfg.Width
	x := tensor.RandN(tensor.NewRand(uint64(cfg.Seed)), 1, cfg.Examples, n)
	data := &datasets.Dataset{Name: "N(0,1) inputs", Shape: []int{n}, X: x.Float32()}
	var steps []InitScaleStep
	for _, c := range cfg.Scales {
		sigma := c / math.Sqrt(float64(n))
		var layers []nn.Layer
		for range cfg.Depth {
			var act nn.Layer = nn.Tanh()
			if cfg.Activation == "relu" {
				act = nn.ReLU()
			}
			layers = append(layers, nn.Dense(n).WithInit(nn.Normal(sigma)), act)
		}
		model := nn.Sequential(layers...).Seed(cfg.Seed)
		acts, err := model.Activations(data)
		if err != nil {
			return nil, fmt.Errorf("demo.InitScale: %w", err)
		}
		s := InitScaleStep{Scale: c, Sigma: sigma, Model: model, Inputs: x}
		for _, a := range acts {
			if !strings.HasPrefix(a.Layer, cfg.Activation+"_") {
				continue // the Dense layers' pre-activations
			}
			mean, std, sat := initScaleMoments(a.Value.Data)
			s.Mean, s.Std, s.Saturated = append(s.Mean, mean), append(s.Std, std), append(s.Saturated, sat)
			s.Activations = append(s.Activations, a.Value)
		}
		if len(s.Activations) != cfg.Depth {
			return nil, fmt.Errorf("demo.InitScale: found %d activation layers in the network of %d layers", len(s.Activations), cfg.Depth)
		}
		steps = append(steps, s)
	}
	return steps, nil
}

// initScaleMoments returns the mean, the standard deviation and the fraction of values with
// |v| > 0.9.
func initScaleMoments(v []float64) (mean, std, saturated float64) {
	n := float64(len(v))
	for _, a := range v {
		mean += a / n
		if math.Abs(a) > 0.9 {
			saturated += 1 / n
		}
	}
	for _, a := range v {
		std += (a - mean) * (a - mean) / n
	}
	return mean, math.Sqrt(std), saturated
}

// initScaleHistogram returns the fraction of the values in each of initScaleBins equal bins
// over [lo, hi]; values below lo or above hi count in the first or the last bin.
func initScaleHistogram(v []float64, lo, hi float64) []float64 {
	frac := make([]float64, initScaleBins)
	width := (hi - lo) / initScaleBins
	for _, a := range v {
		k := int(math.Floor((a - lo) / width))
		if math.IsNaN(a) {
			continue
		}
		frac[min(max(k, 0), initScaleBins-1)] += 1 / float64(len(v))
	}
	return frac
}
