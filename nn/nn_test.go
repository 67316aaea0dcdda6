package nn

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/stretchr/testify/require"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/tensor"
)

func TestMain(m *testing.M) {
	// Keep trained models of Memo tests out of the user's cache.
	dir, err := os.MkdirTemp("", "nn-models-*")
	if err != nil {
		panic(err)
	}
	os.Setenv("GODL_MODELS", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// setWeights overwrites a model variable with the given values.
func setWeights(t *testing.T, m *Model, path string, values []float32, dims ...int) {
	t.Helper()
	v := m.Store().GetVariable(path)
	require.NotNilf(t, v, "variable %s", path)
	require.NoError(t, v.SetValue(tensors.FromFlatDataAndDimensions(values, dims...)))
}

// flat returns the values of a course tensor or of a GoMLX tensor as float32.
func flat(t *testing.T, x any) []float32 {
	t.Helper()
	switch v := x.(type) {
	case *tensor.Tensor:
		return v.Float32()
	case *tensors.Tensor:
		return tensors.MustCopyFlatData[float32](v)
	}
	t.Fatalf("flat: %T is not a tensor", x)
	return nil
}

func requireClose(t *testing.T, want, got []float32, tol float64) {
	t.Helper()
	require.Equal(t, len(want), len(got), "lengths differ: want %v got %v", want, got)
	for i := range want {
		require.InDeltaf(t, want[i], got[i], tol, "element %d: want %v, got %v", i, want, got)
	}
}

func TestDenseForward(t *testing.T) {
	m := Sequential(Dense(2))
	require.NoError(t, m.Build(3))
	// W = [[1, 2], [3, 4], [5, 6]], b = [0.5, -1].
	setWeights(t, m, "/dense_1/weights", []float32{1, 2, 3, 4, 5, 6}, 3, 2)
	setWeights(t, m, "/dense_1/bias", []float32{0.5, -1}, 2)
	x := &datasets.Dataset{X: []float32{1, 0, -1, 2, 1, 0.5}, Shape: []int{3}}
	out, err := m.Predict(x)
	require.NoError(t, err)
	require.Equal(t, []int{2, 2}, out.Shape)
	// Example 1: (1·1 + 0·3 + (−1)·5 + 0.5, 1·2 + 0·4 + (−1)·6 − 1) = (−3.5, −5).
	// Example 2: (2·1 + 1·3 + 0.5·5 + 0.5, 2·2 + 1·4 + 0.5·6 − 1) = (8, 10).
	requireClose(t, []float32{-3.5, -5, 8, 10}, flat(t, out), 1e-5)
	// Parameter count |inputs|·|outputs| + bias.
	require.Equal(t, 3*2+2, m.Layers()[0].Trainable)
}

func TestSpiralMLP(t *testing.T) {
	train := datasets.Spiral(100, 3, 0.1, 7)
	m := Sequential(Dense(64), ReLU(), Dense(64), ReLU(), Dense(3))
	hist, err := m.Fit(train).Epochs(150).BatchSize(32).Optimizer(Adam(0.01)).Progress(false).Done()
	require.NoError(t, err)
	require.Len(t, hist.Epochs, 150)
	require.Len(t, hist.Steps, 150*10)
	ev, err := m.Evaluate(train)
	require.NoError(t, err)
	t.Logf("spiral: %s", ev)
	require.GreaterOrEqual(t, ev.Accuracy, 0.99)
	require.Less(t, hist.Epochs[len(hist.Epochs)-1].Loss, hist.Epochs[0].Loss)
	// Classify agrees with the accuracy.
	pred, err := m.Classify(train)
	require.NoError(t, err)
	correct := 0
	for i, p := range pred {
		if p == train.Labels[i] {
			correct++
		}
	}
	require.InDelta(t, ev.Accuracy, float64(correct)/float64(len(pred)), 1e-6)
}

func TestFitErrors(t *testing.T) {
	train := datasets.Spiral(20, 3, 0.1, 1)
	newModel := func() *Model { return Sequential(Dense(8), ReLU(), Dense(3)) }
	cases := []struct {
		name string
		run  func() error
		want []string
	}{
		{"learning rate 0", func() error {
			_, err := newModel().Fit(train).Optimizer(SGD(0)).Progress(false).Done()
			return err
		}, []string{"learning rate", "SGD", "got 0"}},
		{"negative learning rate", func() error {
			_, err := newModel().Fit(train).Optimizer(Adam(-1)).Progress(false).Done()
			return err
		}, []string{"learning rate", "-1"}},
		{"batch size 0", func() error {
			_, err := newModel().Fit(train).BatchSize(0).Progress(false).Done()
			return err
		}, []string{"batch size", "got 0"}},
		{"label out of range", func() error {
			bad := train.Subset([]int{0, 1, 2})
			bad.Labels = []int{0, 5, 1}
			_, err := newModel().Fit(bad).Progress(false).Done()
			return err
		}, []string{"label 5", "example 1", "3 outputs"}},
		{"too few outputs for the data set's classes", func() error {
			d := &datasets.Dataset{Name: "ten", Shape: []int{2}, X: make([]float32, 20), Labels: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
				Classes: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}}
			_, err := Sequential(Dense(5)).Fit(d).Progress(false).Done()
			return err
		}, []string{"label 5", "5 outputs", "has 10 classes", "make the last layer Dense(10)"}},
		{"Dense on images without Flatten", func() error {
			d := &datasets.Dataset{Name: "imgs", Shape: []int{4, 4, 1}, X: make([]float32, 32), Labels: []int{0, 1}, Classes: []string{"a", "b"}}
			_, err := Sequential(Dense(8), ReLU(), Dense(2)).Fit(d).Progress(false).Done()
			return err
		}, []string{"shape (4, 4, 2)", "nn.Flatten() before the first Dense"}},
		{"shape mismatch names the layer", func() error {
			m := Sequential(Dense(8), ReLU(), Conv2D(4, 3), Dense(3))
			_, err := m.Fit(train).Progress(false).Done()
			return err
		}, []string{"conv2d_1", "Conv2D", "(1, 8)"}},
		{"wrong loss for targets", func() error {
			d := &datasets.Dataset{X: []float32{1, 2, 3, 4}, Shape: []int{2}, Targets: []float32{1, 2, 3, 4, 5, 6}, TargetShape: []int{3}}
			_, err := Sequential(Dense(2)).Fit(d).Progress(false).Done()
			return err
		}, []string{"MSE", "(2, 2)", "(2, 3)"}},
		{"model built for other input", func() error {
			m := newModel()
			if err := m.Build(5); err != nil {
				return err
			}
			_, err := m.Fit(train).Progress(false).Done()
			return err
		}, []string{"(5,)", "(2,)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			require.Error(t, err)
			t.Logf("error: %v", err)
			for _, w := range c.want {
				require.Contains(t, err.Error(), w)
			}
			require.NotContains(t, err.Error(), "goroutine")
			require.NotContains(t, err.Error(), ".go:")
		})
	}
}

func TestStopOnNaN(t *testing.T) {
	train := datasets.Spiral(50, 3, 0.1, 1)
	m := Sequential(Dense(16), ReLU(), Dense(3))
	hist, err := m.Fit(train).Epochs(20).Optimizer(SGD(1e30)).Progress(false).Done()
	require.Error(t, err)
	require.Contains(t, err.Error(), "lower the learning rate")
	require.Contains(t, err.Error(), "step ")
	require.NotNil(t, hist)
	require.Less(t, len(hist.Epochs), 20)
}

func TestCallbacksAndHistory(t *testing.T) {
	train, val := datasets.Spiral(60, 3, 0.1, 3).Split(0.8, 1)
	m := Sequential(Dense(16), Tanh(), Dense(3))
	var events []Event
	stopAfter := CallbackFunc(func(e Event, h *History) error {
		events = append(events, e)
		if e == EpochEnd && len(h.Epochs) == 3 {
			return ErrStopTraining
		}
		return nil
	})
	hist, err := m.Fit(train).Epochs(10).BatchSize(50).Validation(val).Callbacks(stopAfter).Progress(false).Done()
	require.NoError(t, err)
	require.Len(t, hist.Epochs, 3)
	require.Equal(t, TrainBegin, events[0])
	steps := (train.Len() + 49) / 50
	require.Len(t, hist.Steps, 3*steps)
	for i, r := range hist.Steps {
		require.Equal(t, i+1, r.Step)
		require.Equal(t, i/steps+1, r.Epoch)
		require.Greater(t, r.ExamplesPerSec, 0.0)
		require.Contains(t, r.Metrics, "accuracy")
		require.InDelta(t, 1e-3, r.LR, 1e-12)
	}
	for _, r := range hist.Epochs {
		require.False(t, math.IsNaN(r.ValLoss))
		require.Contains(t, r.ValMetrics, "accuracy")
	}
	// ValLoss equals an independent Evaluate of the final model after the last epoch.
	ev, err := m.Evaluate(val)
	require.NoError(t, err)
	require.InDelta(t, ev.Loss, hist.Epochs[2].ValLoss, 1e-5)

	// Early stopping on a value that cannot improve (patience 2): stops after 3 epochs at most.
	es := EarlyStopping("loss", 2)
	es.MinDelta = 1e9
	hist, err = m.Fit(train).Epochs(10).Callbacks(es).Progress(false).Done()
	require.NoError(t, err)
	require.Len(t, hist.Epochs, 3)
	require.Equal(t, 3, es.Stopped)

	// A callback error other than ErrStopTraining is returned.
	boom := errors.New("boom")
	_, err = m.Fit(train).Callbacks(CallbackFunc(func(e Event, h *History) error {
		if e == StepEnd {
			return boom
		}
		return nil
	})).Progress(false).Done()
	require.ErrorIs(t, err, boom)
}

func TestSummary(t *testing.T) {
	m := Sequential(Flatten(), Dense(64), ReLU(), Dense(10))
	require.Contains(t, m.Summary(), "not built")
	require.NoError(t, m.Build(28, 28, 1))
	s := m.Summary()
	t.Log("\n" + s)
	for _, want := range []string{"flatten_1", "dense_1", "relu_1", "dense_2", "(N, 784)", "(N, 64)", "(N, 10)",
		"50240", "650", "Total parameters:         50890"} {
		require.Contains(t, s, want)
	}
	require.True(t, strings.Contains(m.SummaryHTML(), "<table"))

	// After Predict on 5 examples the shapes still read (N, ...), not (N(5, ...).
	_, err := m.Predict(&datasets.Dataset{Name: "five", Shape: []int{28, 28, 1}, X: make([]float32, 5*784)})
	require.NoError(t, err)
	s = m.Summary()
	require.Contains(t, s, "(N, 64)")
	require.NotContains(t, s, "N(")
}
