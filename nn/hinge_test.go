package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/stretchr/testify/require"

	"github.com/godl-course/godl/datasets"
)

// hingeOf runs Hinge on scores (float32, shape (len(labels), classes)) and labels, and returns
// the loss and its gradient with respect to the scores.
func hingeOf(t *testing.T, scores []float32, labels []int32, classes int) (loss float64, grad []float32) {
	t.Helper()
	exec, err := graph.NewExec(Backend(), func(z, y *Node) (*Node, *Node) {
		l := Hinge.Loss(z, y)
		return l, graph.Gradient(l, z)[0]
	})
	require.NoError(t, err)
	outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(scores, len(labels), classes), tensors.FromValue(labels))
	require.NoError(t, err)
	return float64(tensors.ToScalar[float32](outs[0])), flat(t, outs[1])
}

// Weston–Watkins hinge computed by hand: L_i = Σ_{j≠y} max(0, 1 + z_j − z_y), mean over the batch.
func TestHingeByHand(t *testing.T) {
	scores := []float32{
		3, 1, 2.5, // y = 0: j=1: max(0, 1+1−3) = 0; j=2: 1+2.5−3 = 0.5
		0, 2, -1, // y = 2: j=0: 1+0+1 = 2; j=1: 1+2+1 = 4
		5, 1, 0, // y = 0: both margins met: 0
		-1, 0.25, 2, // y = 1: j=0: 1−1−0.25 = −0.25 → 0; j=2: 1+2−0.25 = 2.75
	}
	labels := []int32{0, 2, 0, 1}
	loss, grad := hingeOf(t, scores, labels, 3)
	require.InDelta(t, (0.5+6+0+2.75)/4, loss, 1e-6)
	// ∂L/∂z: +1/B on each violating z_j, −(number of violators)/B on z_y.
	want := []float32{
		-1, 0, 1,
		1, 1, -2,
		0, 0, 0,
		0, -1, 1,
	}
	for i := range want {
		want[i] /= 4
	}
	requireClose(t, want, grad, 1e-6)
	require.Equal(t, "Hinge", Hinge.String())
}

// The gradient of Hinge against central differences at random scores (away from the kinks
// 1 + z_j − z_y = 0, where the loss has no derivative).
func TestHingeGradientNumerical(t *testing.T) {
	const batch, classes = 5, 4
	rng := rand.New(rand.NewPCG(3, 3))
	scores := make([]float32, batch*classes)
	for i := range scores {
		scores[i] = float32(2 * rng.NormFloat64())
	}
	labels := []int32{0, 3, 1, 1, 2}
	_, grad := hingeOf(t, scores, labels, classes)
	const h = 1e-2
	for i := range scores {
		b, j := i/classes, i%classes
		y := int(labels[b])
		kink := false
		for k := range classes {
			if k != y && math.Abs(float64(1+scores[b*classes+k]-scores[b*classes+y])) < 2*h {
				kink = true
			}
		}
		if kink {
			continue
		}
		eval := func(delta float32) float64 {
			s := append([]float32{}, scores...)
			s[i] += delta
			l, _ := hingeOf(t, s, labels, classes)
			return l
		}
		num := (eval(h) - eval(-h)) / (2 * h)
		require.InDeltaf(t, num, float64(grad[i]), 1e-3, "∂L/∂z[%d][%d]: analytic %g, numerical %g", b, j, grad[i], num)
	}
}

// A linear classifier trained with Hinge separates well-separated blobs; bad targets are
// reported with the fix.
func TestHingeTrainsAndReportsBadTargets(t *testing.T) {
	train := datasets.Blobs(60, 3, 0.5, 1)
	m := Sequential(Dense(3))
	h, err := m.Fit(train).Epochs(20).BatchSize(16).Loss(Hinge).Optimizer(SGD(0.05)).Progress(false).Done()
	require.NoError(t, err)
	require.Less(t, h.Last().Loss, h.Epochs[0].Loss, "the hinge loss goes down")
	ev, err := m.Evaluate(train)
	require.NoError(t, err)
	require.Greater(t, ev.Accuracy, 0.9)

	d := &datasets.Dataset{Name: "dense", X: []float32{1, 2, 3, 4}, Shape: []int{2}, Targets: []float32{1, 0, 0, 1}, TargetShape: []int{2}}
	_, err = Sequential(Dense(2)).Fit(d).Loss(Hinge).Progress(false).Done()
	require.Error(t, err)
	require.Contains(t, err.Error(), "Hinge needs class labels")
	two := train.Subset([]int{0, 1, 2, 3})
	two.Labels, two.Classes = []int{0, 1, 1, 0}, train.Classes[:2]
	_, err = Sequential(Dense(1)).Fit(two).Loss(Hinge).Progress(false).Done()
	require.Error(t, err)
	require.Contains(t, err.Error(), "2 classes or more")
}
