package nn

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/godl-course/godl/datasets"
)

func TestSaveLoad(t *testing.T) {
	train := datasets.Spiral(30, 3, 0.1, 2)
	m := Sequential(Dense(16), ReLU(), BatchNorm(), Dense(3))
	_, err := m.Fit(train).Epochs(3).Progress(false).Done()
	require.NoError(t, err)
	want, err := m.Predict(train)
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "spiral")
	require.NoError(t, m.Save(dir))
	require.NoError(t, m.Save(dir)) // overwriting is atomic and leaves no temporary files
	entries, err := os.ReadDir(filepath.Dir(dir))
	require.NoError(t, err)
	require.Len(t, entries, 1)

	// A fresh model built by the same code (as in the next notebook cell) gets the same outputs.
	m2 := Sequential(Dense(16), ReLU(), BatchNorm(), Dense(3)).Seed(99)
	require.NoError(t, m2.Load(dir))
	got, err := m2.Predict(train)
	require.NoError(t, err)
	requireClose(t, flat(t, want), flat(t, got), 1e-6)
	require.Len(t, m2.History().Epochs, 3)

	// A different architecture is refused with ErrArchitectureChanged.
	err = Sequential(Dense(17), ReLU(), BatchNorm(), Dense(3)).Load(dir)
	require.True(t, errors.Is(err, ErrArchitectureChanged), "%v", err)
}

func TestMemo(t *testing.T) {
	train := datasets.Spiral(30, 3, 0.1, 2)
	trained := 0
	run := func(hidden int) (*Model, *History) {
		m := Sequential(Dense(hidden), ReLU(), Dense(3))
		h, err := Memo("memo-test", m, func() (*History, error) {
			trained++
			return m.Fit(train).Epochs(2).Progress(false).Done()
		})
		require.NoError(t, err)
		return m, h
	}
	m1, h1 := run(8)
	m2, h2 := run(8) // "next cell": loaded, not retrained
	require.Equal(t, 1, trained)
	require.Equal(t, len(h1.Epochs), len(h2.Epochs))
	p1, _ := m1.Predict(train)
	p2, _ := m2.Predict(train)
	requireClose(t, flat(t, p1), flat(t, p2), 1e-6)
	run(9) // architecture changed: retrains
	require.Equal(t, 2, trained)

	// FitConfig.Memo retrains when the training settings change.
	m := Sequential(Dense(8), ReLU(), Dense(3))
	_, err := m.Fit(train).Epochs(1).Progress(false).Memo("memo-fit")
	require.NoError(t, err)
	m = Sequential(Dense(8), ReLU(), Dense(3))
	h, err := m.Fit(train).Epochs(1).Progress(false).Memo("memo-fit")
	require.NoError(t, err)
	require.Len(t, h.Epochs, 1)
	m = Sequential(Dense(8), ReLU(), Dense(3))
	h, err = m.Fit(train).Epochs(2).Progress(false).Memo("memo-fit")
	require.NoError(t, err)
	require.Len(t, h.Epochs, 2)
}

// A changed initializer changes the initial weights: FitConfig.Memo retrains instead of
// reloading the model trained from the old ones.
func TestFitMemoRetrainsWhenTheInitializerChanges(t *testing.T) {
	train := datasets.Spiral(30, 3, 0.1, 2)
	fit := func(init Initializer) []float32 {
		m := Sequential(Dense(8).WithInit(init), ReLU(), Dense(3))
		_, err := m.Fit(train).Epochs(1).Progress(false).Memo("memo-init")
		require.NoError(t, err)
		p, err := m.Predict(train)
		require.NoError(t, err)
		return flat(t, p)
	}
	xavier := fit(LeCunNormal)
	again := fit(LeCunNormal) // same settings: the saved model is loaded
	requireClose(t, xavier, again, 1e-6)
	he := fit(He) // another initializer: trained again from other weights
	diff := 0.0
	for i := range he {
		diff = max(diff, float64(abs32(he[i]-xavier[i])))
	}
	require.Greater(t, diff, 1e-3, "the model trained from LeCun weights was reloaded for He")
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// Normalizing the training data changes what the model learns from: FitConfig.Memo retrains.
func TestFitMemoRetrainsWhenTheDataChange(t *testing.T) {
	fit := func(d *datasets.Dataset) []float32 {
		m := Sequential(Dense(8), ReLU(), Dense(3))
		_, err := m.Fit(d).Epochs(1).Progress(false).Memo("memo-data")
		require.NoError(t, err)
		p, err := m.Predict(d)
		require.NoError(t, err)
		return flat(t, p)
	}
	raw := datasets.Spiral(30, 3, 0.1, 2)
	first := fit(raw)
	requireClose(t, first, fit(datasets.Spiral(30, 3, 0.1, 2)), 1e-6) // same data: reloaded
	scaled := datasets.Spiral(30, 3, 0.1, 2)
	for i := range scaled.X {
		scaled.X[i] *= 10 // same size and name, other values
	}
	m := Sequential(Dense(8), ReLU(), Dense(3))
	h, err := m.Fit(scaled).Epochs(1).Progress(false).Memo("memo-data")
	require.NoError(t, err)
	require.Len(t, h.Epochs, 1)
	saved, err := readMeta(filepath.Join(ModelsDir(), "memo-data"))
	require.NoError(t, err)
	m2 := Sequential(Dense(8), ReLU(), Dense(3))
	_, err = m2.Fit(raw).Epochs(1).Progress(false).Memo("memo-data")
	require.NoError(t, err)
	again, err := readMeta(filepath.Join(ModelsDir(), "memo-data"))
	require.NoError(t, err)
	require.NotEqual(t, saved.Key, again.Key, "the scaled data and the raw data share a Memo key")
}

// A reloaded model says so: Memo prints where from and when, the History is the saved one
// (Reloaded, SavedAt, its training time), and the Fit's callbacks get one Reloaded event.
func TestMemoSaysItReloaded(t *testing.T) {
	t.Setenv("GODL_MODELS", t.TempDir())
	train := datasets.Spiral(30, 3, 0.1, 2)
	var events []Event
	cb := CallbackFunc(func(e Event, h *History) error {
		events = append(events, e)
		return nil
	})
	before := time.Now()
	m := Sequential(Dense(8), ReLU(), Dense(3))
	out := captureStdout(t, func() {
		h, err := m.Fit(train).Epochs(2).Progress(false).Callbacks(cb).Memo("memo-says")
		require.NoError(t, err)
		require.False(t, h.Reloaded())
	})
	require.NotContains(t, out, "reloaded")
	require.Equal(t, TrainBegin, events[0])
	require.Equal(t, TrainEnd, events[len(events)-1])

	events = nil
	m = Sequential(Dense(8), ReLU(), Dense(3))
	var h *History
	out = captureStdout(t, func() {
		var err error
		h, err = m.Fit(train).Epochs(2).Progress(false).Callbacks(cb).Memo("memo-says")
		require.NoError(t, err)
	})
	require.Equal(t, []Event{Reloaded}, events)
	require.True(t, h.Reloaded())
	require.False(t, h.SavedAt.Before(before.Add(-time.Second)), "saved at %v, before the test began", h.SavedAt)
	require.Len(t, h.Epochs, 2)
	require.Greater(t, h.TrainingTime(), time.Duration(0))
	require.Contains(t, out, `nn.Memo "memo-says": trained model reloaded from `+filepath.Join(os.Getenv("GODL_MODELS"), "memo-says"))
	require.Contains(t, out, "2 epochs, ")
	require.Contains(t, out, "To train again")
	require.Contains(t, h.String(), "reloaded, saved ")
}

// captureStdout returns what f prints on stdout.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	old := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	defer func() { os.Stdout = old }()
	f()
	w.Close()
	os.Stdout = old
	return string(<-done)
}
