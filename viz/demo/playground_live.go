package demo

import (
	"fmt"
	"os"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/viz"
)

// Labels of the buttons of [PlaygroundLive].
const (
	Train10  = "train 10 steps"
	Train100 = "train 100 steps"
)

// PlaygroundLive is the [Playground] computed on demand, for the class: the decision boundary
// of the model on data, redrawn each time the teacher presses "train 10 steps" or
// "train 100 steps"; the "learning rate" slider sets α of the steps that follow (each press
// trains with a new nn.Adam(α), whose moment estimates start again from zero). The title gives
// the steps done so far, the loss (1/N) Σ_i −log softmax(z_i)_{y_i} and the accuracy on all the
// points. The model is trained in place: after the demo it is the model of the last picture.
//
//	demo.PlaygroundLive(datasets.Spiral(100, 3, 0.2, 1), nn.Sequential(nn.Dense(16), nn.Tanh(), nn.Dense(3)))
//
// It ends as every [Live] demo does (Stop, 10 minutes without a press, an interrupt) and
// leaves the last picture. Where no page is connected (a headless run) it shows the model as
// it is and returns. Of the config, BatchSize, LearningRate (the slider's start), Optimizer
// (used instead of Adam, and then no slider is shown) and Chart are used.
func PlaygroundLive(data *datasets.Dataset, model *nn.Model, config ...PlaygroundConfig) (Ended, error) {
	l, err := playgroundLive(data, model, config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return "", err
	}
	return l.Done()
}

// playgroundLive builds the Live demo of PlaygroundLive without running it.
func playgroundLive(data *datasets.Dataset, model *nn.Model, config []PlaygroundConfig) (*Live, error) {
	const who = "demo.PlaygroundLive"
	cfg, err := playgroundSetup(who, data, model, config)
	if err != nil {
		return nil, err
	}
	fixed := len(config) == 1 && config[0].Optimizer != nil
	done := 0 // optimizer steps so far
	title := fmt.Sprintf("Playground (live): %s", playgroundDataName(data))
	l := NewLive(title, func(c *Controls) (*viz.Chart, error) {
		n := map[string]int{Train10: 10, Train100: 100}[c.Pressed()]
		var s PlaygroundStep
		var err error
		if n > 0 {
			run := cfg
			run.Steps, run.Frames = n, 2
			if !fixed {
				run.Optimizer = nn.Adam(c.Value("learning rate"))
			}
			var steps []PlaygroundStep
			if steps, err = playgroundRun(who, data, model, run, nil); err != nil {
				return nil, err
			}
			done += n
			s = steps[1]
		} else if s, err = playgroundMeasure(data, model); err != nil {
			return nil, fmt.Errorf("%s: model: %w", who, err)
		}
		s.Step = done
		return playgroundFrame(data, model, cfg, s)
	})
	if !fixed {
		l.Slider("learning rate", 0.001, 0.3, 0.001, min(max(cfg.LearningRate, 0.001), 0.3))
	}
	return l.Button(Train10).Button(Train100), nil
}
