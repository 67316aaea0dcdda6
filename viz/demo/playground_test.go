package demo

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/viz"
)

// playgroundTimeline decodes a frames chart's option and returns its timeline labels and the
// titles of its frames.
func playgroundTimeline(t *testing.T, c *viz.Chart) (labels, titles []string) {
	t.Helper()
	raw := frameOptions(t, c)
	var opt struct {
		BaseOption struct {
			Timeline struct {
				Data []string `json:"data"`
			} `json:"timeline"`
		} `json:"baseOption"`
		Options []struct {
			Title []struct {
				Text string `json:"text"`
			} `json:"title"`
		} `json:"options"`
	}
	require.NoError(t, json.Unmarshal(raw, &opt))
	for _, o := range opt.Options {
		require.NotEmpty(t, o.Title)
		titles = append(titles, o.Title[0].Text)
	}
	return opt.BaseOption.Timeline.Data, titles
}

func TestPlaygroundLearnsTheSpiral(t *testing.T) {
	data := datasets.Spiral(60, 3, 0.1, 1)
	model := nn.Sequential(nn.Dense(16), nn.Tanh(), nn.Dense(3))
	c, err := PlaygroundChart(data, model, PlaygroundConfig{Steps: 120, Frames: 7, LearningRate: 0.05, Chart: []viz.Option{viz.AtFrame(-1)}})
	require.NoError(t, err)

	// One frame at steps 0, 20, ..., 120, each titled with its step, loss and accuracy.
	labels, titles := playgroundTimeline(t, c)
	require.Equal(t, []string{"step 0", "step 20", "step 40", "step 60", "step 80", "step 100", "step 120"}, labels)
	require.Len(t, titles, 7)
	for i, title := range titles {
		require.True(t, strings.HasPrefix(title, labels[i]+" · loss "), "frame %d title %q", i, title)
	}
	require.True(t, strings.HasSuffix(titles[6], "%"), titles[6])

	// The model is left in its state of the last frame: the frame's numbers are nn's own
	// evaluation of it (loss and accuracy computed by nn.Evaluate in float32, independently).
	ev, err := model.Evaluate(data)
	require.NoError(t, err)
	require.Contains(t, titles[6], PlaygroundStep{Step: 120, Loss: ev.Loss, Accuracy: ev.Accuracy}.Label()[len("step 120 · "):])

	pic, err := c.PNG()
	require.NoError(t, err)
	_, err = png.Decode(bytes.NewReader(pic))
	require.NoError(t, err)
}

func TestPlaygroundSteps(t *testing.T) {
	data := datasets.XOR(200, 0.05, 1)
	model := nn.Sequential(nn.Dense(8), nn.Tanh(), nn.Dense(2))
	steps, err := PlaygroundSteps(data, model, PlaygroundConfig{Steps: 90, Frames: 4, LearningRate: 0.05, BatchSize: 20})
	require.NoError(t, err)
	require.Len(t, steps, 4)
	for i, s := range steps {
		require.Equal(t, 30*i, s.Step)
	}
	// The model learns: the loss falls, the accuracy rises from about chance.
	first, last := steps[0], steps[3]
	require.Less(t, last.Loss, 0.7*first.Loss, "loss %v → %v", first.Loss, last.Loss)
	require.Greater(t, last.Accuracy, 0.85)
	require.Greater(t, last.Accuracy, first.Accuracy)

	// The last frame's numbers equal nn's evaluation of the trained model.
	ev, err := model.Evaluate(data)
	require.NoError(t, err)
	require.InDelta(t, ev.Loss, last.Loss, 1e-4)
	require.InDelta(t, ev.Accuracy, last.Accuracy, 1e-6)

	// A model with one logit (binary cross-entropy) is measured the same way.
	binary := nn.Sequential(nn.Dense(8), nn.Tanh(), nn.Dense(1))
	steps, err = PlaygroundSteps(data, binary, PlaygroundConfig{Steps: 30, Frames: 2})
	require.NoError(t, err)
	ev, err = binary.Evaluate(data)
	require.NoError(t, err)
	require.InDelta(t, ev.Loss, steps[1].Loss, 1e-4)
	require.InDelta(t, ev.Accuracy, steps[1].Accuracy, 1e-6)
	require.False(t, math.IsNaN(steps[0].Loss))
}

func TestPlaygroundErrors(t *testing.T) {
	spiral := datasets.Spiral(20, 3, 0.1, 1)
	mlp := func() *nn.Model { return nn.Sequential(nn.Dense(8), nn.Tanh(), nn.Dense(3)) }
	cases := []struct {
		name   string
		data   *datasets.Dataset
		model  *nn.Model
		config []PlaygroundConfig
		want   []string
	}{
		{"nil data", nil, mlp(), nil, []string{"data is nil", "datasets.Spiral"}},
		{"3-D points", &datasets.Dataset{Name: "cube", Shape: []int{3}, X: make([]float32, 6), Labels: []int{0, 1}}, mlp(), nil, []string{`"cube"`, "[3]", "Shape [2]"}},
		{"no labels", &datasets.Dataset{Name: "plain", Shape: []int{2}, X: make([]float32, 4)}, mlp(), nil, []string{"labels false"}},
		{"nil model", spiral, nil, nil, []string{"model is nil", "nn.Dense(3)"}},
		{"negative steps", spiral, mlp(), []PlaygroundConfig{{Steps: -5}}, []string{"Steps = -5"}},
		{"one frame", spiral, mlp(), []PlaygroundConfig{{Steps: 10, Frames: 1}}, []string{"Frames = 1", "2 to 11"}},
		{"too many frames", spiral, mlp(), []PlaygroundConfig{{Frames: 100}}, []string{"Frames = 100", "2 to 61"}},
		{"negative learning rate", spiral, mlp(), []PlaygroundConfig{{LearningRate: -0.1}}, []string{"LearningRate = -0.1"}},
		{"NaN learning rate", spiral, mlp(), []PlaygroundConfig{{LearningRate: math.NaN()}}, []string{"LearningRate = NaN"}},
		{"negative batch", spiral, mlp(), []PlaygroundConfig{{BatchSize: -1}}, []string{"BatchSize = -1"}},
		{"two configs", spiral, mlp(), []PlaygroundConfig{{}, {}}, []string{"2 configs"}},
		{"too few outputs", spiral, nn.Sequential(nn.Dense(8), nn.Tanh(), nn.Dense(2)), []PlaygroundConfig{{Steps: 2, Frames: 2}}, []string{"outputs 2 values", "3 classes", "nn.Dense(3)"}},
	}
	for _, c := range cases {
		_, err := PlaygroundSteps(c.data, c.model, c.config...)
		require.Error(t, err, c.name)
		for _, w := range c.want {
			require.Contains(t, err.Error(), w, c.name)
		}
		_, err = PlaygroundChart(c.data, c.model, c.config...)
		require.Error(t, err, c.name)
	}
}
