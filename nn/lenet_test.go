package nn

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/godl-course/godl/datasets"
)

// LeNet on 2,000 MNIST training digits reaches ≥ 95% on 1,000 test digits (fixed seed).
func TestLeNetMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("trains LeNet on 2,000 digits")
	}
	train, test, err := datasets.MNIST()
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	train, test = train.Take(2000), test.Take(1000)
	// The lecture's normalization: μ and σ of the training set, applied to both.
	if _, err := datasets.Normalize(train, test); err != nil {
		t.Fatal(err)
	}
	m := LeNet(10).Seed(1)
	start := time.Now()
	hist, err := m.Fit(train).Epochs(15).BatchSize(32).Optimizer(Adam(3e-3)).Schedule(Cosine(15*63, 0)).Seed(1).Progress(false).Done()
	require.NoError(t, err)
	ev, err := m.Evaluate(test)
	require.NoError(t, err)
	t.Logf("LeNet, 2,000 digits × 15 epochs in %s (%.0f images/s): test %s", time.Since(start).Round(time.Millisecond),
		hist.Epochs[len(hist.Epochs)-1].ExamplesPerSec, ev)
	require.GreaterOrEqual(t, ev.Accuracy, 0.95)

	// Introspection: conv filters, feature maps, gradient norms.
	w, err := m.Weights("conv2d_1")
	require.NoError(t, err)
	require.Equal(t, []int{5, 5, 1, 6}, w["kernel"].Shape)
	_, err = m.Weights("conv9")
	require.ErrorContains(t, err, "conv2d_1")
	acts, err := m.Activations(test.Take(2))
	require.NoError(t, err)
	require.Len(t, acts, 12)
	require.Equal(t, "conv2d_1", acts[0].Layer)
	require.Equal(t, []int{2, 28, 28, 6}, acts[0].Value.Shape)
	require.Equal(t, []int{2, 10}, acts[11].Value.Shape)
	norms, err := m.GradientNorms(test.Take(32))
	require.NoError(t, err)
	require.Len(t, norms, 5) // 2 Conv2D + 3 Dense
	for name, n := range norms {
		require.Greater(t, n, 0.0, name)
	}
	ev2, err := m.Evaluate(test)
	require.NoError(t, err)
	require.Equal(t, ev.Loss, ev2.Loss, "GradientNorms must not change the model")
	t.Log("\n" + m.Summary())
}
