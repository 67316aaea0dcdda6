package demo

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/viz"
)

// chartTitle is the title of a (single) chart.
func chartTitle(t *testing.T, c *viz.Chart) string {
	t.Helper()
	raw, err := c.Option()
	require.NoError(t, err)
	var opt struct {
		Title []struct {
			Text string `json:"text"`
		} `json:"title"`
	}
	require.NoError(t, json.Unmarshal(raw, &opt))
	require.NotEmpty(t, opt.Title)
	return opt.Title[0].Text
}

// The live playground's draw function, driven as the page drives it: each press of a train
// button trains that many steps more, with the slider's learning rate, and the title counts
// the steps and gives nn's own evaluation of the model.
func TestPlaygroundLiveTrainsOnEachPress(t *testing.T) {
	data := datasets.Spiral(60, 3, 0.1, 1)
	model := nn.Sequential(nn.Dense(16), nn.Tanh(), nn.Dense(3))
	l, err := playgroundLive(data, model, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"learning rate", Train10, Train100}, []string{l.controls[0].name, l.controls[1].name, l.controls[2].name})
	require.Equal(t, 0.03, l.controls[0].at)

	state := l.start()
	c, err := l.draw(state)
	require.NoError(t, err)
	first := chartTitle(t, c)
	require.True(t, strings.HasPrefix(first, "step 0 · loss "), first)

	label := func() string {
		ev, err := model.Evaluate(data)
		require.NoError(t, err)
		return PlaygroundStep{Loss: ev.Loss, Accuracy: ev.Accuracy}.Label()[len("step 0 · "):]
	}
	state.pressed = Train10
	c, err = l.draw(state)
	require.NoError(t, err)
	require.Equal(t, "step 10 · "+label(), chartTitle(t, c))

	state.values["learning rate"] = 0.05
	for range 3 {
		state.pressed = Train100
		c, err = l.draw(state)
		require.NoError(t, err)
	}
	require.Equal(t, "step 310 · "+label(), chartTitle(t, c))
	ev, err := model.Evaluate(data)
	require.NoError(t, err)
	require.Greater(t, ev.Accuracy, 0.8, "after 310 steps the spiral is learned")

	// A slider change alone redraws without training.
	state.pressed, state.changed = "", "learning rate"
	c, err = l.draw(state)
	require.NoError(t, err)
	require.Equal(t, "step 310 · "+label(), chartTitle(t, c))

	// With an optimizer of its own there is no learning-rate slider.
	l, err = playgroundLive(data, model, []PlaygroundConfig{{Optimizer: nn.SGD(0.5)}})
	require.NoError(t, err)
	require.Len(t, l.controls, 2)

	// Bad arguments are reported before anything is shown, the model's last layer too (the
	// first picture would otherwise measure a loss over missing outputs).
	_, err = PlaygroundLive(datasets.Spiral(20, 3, 0.1, 1), nil)
	require.ErrorContains(t, err, "demo.PlaygroundLive: model is nil")
	_, err = PlaygroundLive(datasets.Spiral(20, 3, 0.1, 1), nn.Sequential(nn.Dense(8), nn.Tanh(), nn.Dense(2)))
	require.ErrorContains(t, err, "demo.PlaygroundLive: the model outputs 2 values per point but data \"spiral\" has 3 classes; end the model with nn.Dense(3)")
}
