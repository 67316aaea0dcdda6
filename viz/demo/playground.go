package demo

import (
	"errors"
	"fmt"
	"math"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/tensor"
	"github.com/godl-course/godl/viz"
)

// PlaygroundConfig sets how [Playground] trains; the zero value (or no config at all) gives
// the defaults, and each field left at zero keeps its default.
type PlaygroundConfig struct {
	Steps        int          // optimizer steps (default 300)
	Frames       int          // pictures, at step 0 and at evenly spaced steps up to Steps (default 13; 2 to 61)
	LearningRate float64      // α of the default optimizer nn.Adam(α) (default 0.03)
	Optimizer    nn.Optimizer // replaces nn.Adam(LearningRate), e.g. nn.SGD(0.5)
	BatchSize    int          // examples per step (default 32; at most the data set's size)
	Chart        []viz.Option // options of the chart: viz.Size, viz.AtFrame, viz.PlayMillis, viz.AutoPlay, viz.Title
}

// PlaygroundStep is the state of the model at one frame of [Playground].
type PlaygroundStep struct {
	Step     int     // optimizer steps done (0: the model as initialized)
	Loss     float64 // cross-entropy on all examples: (1/N) Σ_i −log softmax(z_i)_{y_i} (one logit: binary cross-entropy)
	Accuracy float64 // fraction of the examples whose predicted class is their label
}

// Label is the frame's label: "step 120 · loss 0.31 · accuracy 94%".
func (s PlaygroundStep) Label() string {
	return fmt.Sprintf("step %d · loss %.3g · accuracy %.0f%%", s.Step, s.Loss, 100*s.Accuracy)
}

// Playground trains a classifier of 2-D points the way TensorFlow Playground does, with the
// course's nn, and shows its decision boundary as it learns: one frame every Steps/(Frames−1)
// optimizer steps (the class predicted on a 60×60 grid over the plane, the data's points on
// top), titled with the step, the loss and the accuracy on all the data. Step through the
// frames with ◀ ▶ or press play.
//
//	demo.Playground(datasets.Spiral(100, 3, 0.2, 1), nn.Sequential(nn.Dense(16), nn.Tanh(), nn.Dense(3)))
//	demo.Playground(datasets.XOR(400, 0.05, 1), nn.Sequential(nn.Dense(4), nn.ReLU(), nn.Dense(2)),
//		demo.PlaygroundConfig{Steps: 500, LearningRate: 0.01})
//
// data holds labelled points (Shape [2]), e.g. datasets.Spiral, Moons, Circles, XOR or Blobs;
// model ends with Dense(number of classes) (or Dense(1) for two classes) and is trained in
// place by nn's Fit (mini-batches of BatchSize, shuffled every epoch, the loss
// nn.CrossEntropy, the optimizer nn.Adam(LearningRate)), so that after the demo it is the
// trained model of the last frame.
func Playground(data *datasets.Dataset, model *nn.Model, config ...PlaygroundConfig) (viz.Files, error) {
	return show(PlaygroundChart(data, model, config...))
}

// PlaygroundChart trains the model as [Playground] does and returns the frames chart without
// showing it.
func PlaygroundChart(data *datasets.Dataset, model *nn.Model, config ...PlaygroundConfig) (*viz.Chart, error) {
	cfg, err := playgroundSetup("demo.Playground", data, model, config)
	if err != nil {
		return nil, err
	}
	var frames []*viz.Chart
	var labels []string
	steps, err := playgroundRun("demo.Playground", data, model, cfg, func(s PlaygroundStep) error {
		f, err := playgroundFrame(data, model, cfg, s)
		if err != nil {
			return err
		}
		frames, labels = append(frames, f), append(labels, fmt.Sprintf("step %d", s.Step))
		return nil
	})
	if err != nil {
		return nil, err
	}
	last := steps[len(steps)-1]
	opts := append([]viz.Option{viz.Title(fmt.Sprintf("Playground: %s (%s)", playgroundDataName(data), last.Label()))}, cfg.Chart...)
	return viz.FramesChart(frames, labels, opts...)
}

// PlaygroundSteps trains the model as [Playground] does and returns the numbers behind the
// frames (no picture is drawn): the step, the loss and the accuracy at each frame.
func PlaygroundSteps(data *datasets.Dataset, model *nn.Model, config ...PlaygroundConfig) ([]PlaygroundStep, error) {
	cfg, err := playgroundSetup("demo.Playground", data, model, config)
	if err != nil {
		return nil, err
	}
	return playgroundRun("demo.Playground", data, model, cfg, nil)
}

// playgroundSetup checks the arguments (the model too: built for 2-D points, one output per
// class) and fills in the defaults; who names the demo in the errors.
func playgroundSetup(who string, data *datasets.Dataset, model *nn.Model, config []PlaygroundConfig) (PlaygroundConfig, error) {
	var cfg PlaygroundConfig
	switch len(config) {
	case 0:
	case 1:
		cfg = config[0]
	default:
		return cfg, fmt.Errorf("%s: got %d configs; give at most one demo.PlaygroundConfig{...} with all the settings", who, len(config))
	}
	if data == nil {
		return cfg, fmt.Errorf("%s: data is nil; give labelled 2-D points, e.g. datasets.Spiral(100, 3, 0.2, 1)", who)
	}
	if len(data.Shape) != 1 || data.Shape[0] != 2 || data.Labels == nil || data.Len() == 0 {
		return cfg, fmt.Errorf("%s: data %q has %d examples of shape %v with labels %t; give labelled 2-D points (Shape [2]), e.g. datasets.Spiral(100, 3, 0.2, 1)", who,
			data.Name, data.Len(), data.Shape, data.Labels != nil)
	}
	if err := data.Validate(); err != nil {
		return cfg, fmt.Errorf("%s: data: %w", who, err)
	}
	if model == nil {
		return cfg, fmt.Errorf("%s: model is nil; give a classifier, e.g. nn.Sequential(nn.Dense(16), nn.Tanh(), nn.Dense(%d))", who, max(data.NumClasses(), 2))
	}
	if err := model.Build(2); err != nil {
		return cfg, fmt.Errorf("%s: model: %w", who, err)
	}
	if out, err := model.Predict(&datasets.Dataset{Name: "one point", Shape: []int{2}, X: make([]float32, 2)}); err != nil {
		return cfg, fmt.Errorf("%s: model: %w", who, err)
	} else if k, classes := len(out.Data), max(data.NumClasses(), 2); k != classes && !(k == 1 && classes == 2) {
		return cfg, fmt.Errorf("%s: the model outputs %d values per point but data %q has %d classes; end the model with nn.Dense(%d)",
			who, k, playgroundDataName(data), classes, classes)
	}
	if cfg.Steps == 0 {
		cfg.Steps = 300
	}
	if cfg.Steps < 0 {
		return cfg, fmt.Errorf("%s: Steps = %d; give a positive number of optimizer steps (or 0 for 300)", who, cfg.Steps)
	}
	if cfg.Frames == 0 {
		cfg.Frames = min(13, cfg.Steps+1)
	}
	if cfg.Frames < 2 || cfg.Frames > 61 || cfg.Frames > cfg.Steps+1 {
		return cfg, fmt.Errorf("%s: Frames = %d for %d steps; give 2 to %d frames (or 0 for the default)", who, cfg.Frames, cfg.Steps, min(61, cfg.Steps+1))
	}
	if cfg.LearningRate == 0 {
		cfg.LearningRate = 0.03
	}
	if !(cfg.LearningRate > 0) || math.IsInf(cfg.LearningRate, 0) {
		return cfg, fmt.Errorf("%s: LearningRate = %g; give a positive learning rate, e.g. 0.03", who, cfg.LearningRate)
	}
	if cfg.Optimizer == nil {
		cfg.Optimizer = nn.Adam(cfg.LearningRate)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 32
	}
	if cfg.BatchSize < 0 {
		return cfg, fmt.Errorf("%s: BatchSize = %d; give a positive batch size (or 0 for 32)", who, cfg.BatchSize)
	}
	cfg.BatchSize = min(cfg.BatchSize, data.Len())
	return cfg, nil
}

// playgroundRun trains the model (checked by playgroundSetup) for cfg.Steps steps and calls
// frame (when not nil) at each frame's step, after measuring the model there.
func playgroundRun(who string, data *datasets.Dataset, model *nn.Model, cfg PlaygroundConfig, frame func(PlaygroundStep) error) ([]PlaygroundStep, error) {
	var steps []PlaygroundStep
	snapshot := func(step int) error {
		s, err := playgroundMeasure(data, model)
		if err != nil {
			return err
		}
		s.Step = step
		steps = append(steps, s)
		if frame != nil {
			return frame(s)
		}
		return nil
	}
	if err := snapshot(0); err != nil {
		return nil, fmt.Errorf("%s: %w", who, err)
	}
	next := 1 // index of the next frame
	at := func(k int) int { return int(math.Round(float64(k) * float64(cfg.Steps) / float64(cfg.Frames-1))) }
	perEpoch := (data.Len() + cfg.BatchSize - 1) / cfg.BatchSize
	done := 0
	cb := nn.CallbackFunc(func(e nn.Event, h *nn.History) error {
		if e != nn.StepEnd {
			return nil
		}
		done++
		for next < cfg.Frames && at(next) <= done {
			if err := snapshot(done); err != nil {
				return err
			}
			next++
		}
		if done >= cfg.Steps {
			return nn.ErrStopTraining
		}
		return nil
	})
	_, err := model.Fit(data).Epochs((cfg.Steps + perEpoch - 1) / perEpoch).BatchSize(cfg.BatchSize).
		Optimizer(cfg.Optimizer).Loss(nn.CrossEntropy).Callbacks(cb).Progress(false).Done()
	if err != nil && !errors.Is(err, nn.ErrStopTraining) {
		return nil, fmt.Errorf("%s: training: %w", who, err)
	}
	if len(steps) != cfg.Frames {
		return nil, fmt.Errorf("%s: training stopped after %d of %d steps", who, done, cfg.Steps)
	}
	return steps, nil
}

// playgroundMeasure computes the loss and the accuracy of the model on all of data from its
// outputs (logits), in float64.
func playgroundMeasure(data *datasets.Dataset, model *nn.Model) (PlaygroundStep, error) {
	out, err := model.Predict(data)
	if err != nil {
		return PlaygroundStep{}, err
	}
	n := data.Len()
	k := len(out.Data) / n // outputs per example
	var loss float64
	right := 0
	for i, y := range data.Labels {
		z := out.Data[i*k : (i+1)*k]
		pred := 0
		if k == 1 {
			// Binary: p(class 1) = σ(z); −log p = max(z,0) − z·t + log(1 + e^{−|z|}).
			t := float64(y)
			loss += math.Max(z[0], 0) - z[0]*t + math.Log1p(math.Exp(-math.Abs(z[0])))
			if z[0] > 0 {
				pred = 1
			}
		} else {
			// −log softmax(z)_y = log Σ_j e^{z_j − m} + m − z_y, m = max_j z_j.
			m := z[0]
			for j, v := range z {
				if v > m {
					m, pred = v, j
				}
			}
			var sum float64
			for _, v := range z {
				sum += math.Exp(v - m)
			}
			loss += math.Log(sum) + m - z[y]
		}
		if pred == y {
			right++
		}
	}
	return PlaygroundStep{Loss: loss / float64(n), Accuracy: float64(right) / float64(n)}, nil
}

// playgroundFrame is the picture of the model at step s: its decision boundary over data,
// titled with s's label.
func playgroundFrame(data *datasets.Dataset, model *nn.Model, cfg PlaygroundConfig, s PlaygroundStep) (*viz.Chart, error) {
	opts := append(append([]viz.Option{viz.Size(520, 500)}, cfg.Chart...), viz.Title(s.Label()))
	return viz.DecisionBoundaryChart(data, playgroundPredict(model), opts...)
}

// playgroundPredict classifies the grid points of a decision boundary with the model.
func playgroundPredict(model *nn.Model) func(points *tensor.Tensor) []int {
	return func(points *tensor.Tensor) []int {
		pred, err := model.Classify(&datasets.Dataset{Name: "grid", Shape: []int{2}, X: points.Float32()})
		if err != nil {
			return nil // DecisionBoundaryChart reports the missing classes
		}
		return pred
	}
}

// playgroundDataName is the name of a data set for titles.
func playgroundDataName(d *datasets.Dataset) string {
	if d.Name == "" {
		return "data"
	}
	return d.Name
}
