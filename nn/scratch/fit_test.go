package scratch

import (
	"strings"
	"testing"

	"github.com/godl-course/godl/tensor"
)

func TestXORMLPConverges(t *testing.T) {
	x, labels := XOR()
	for seed := uint64(1); seed <= 5; seed++ {
		rng := tensor.NewRand(seed)
		model := Sequential(Linear(2, 8, rng), Tanh(), Linear(8, 2, rng))
		losses := Fit(model, x, labels, 1000, 0.5)
		first, last := losses[0], losses[len(losses)-1]
		acc := Accuracy(model.Forward(x), labels)
		t.Logf("seed %d: loss %.3f → %.4f, accuracy %.0f%%", seed, first, last, 100*acc)
		if acc != 1 || last > 0.05 || first < 0.5 {
			t.Fatalf("seed %d: loss %.3f → %.4f, accuracy %.0f%%: the MLP must learn XOR (loss < 0.05, 100%%)",
				seed, first, last, 100*acc)
		}
	}
}

func TestXORLinearModelCannotLearn(t *testing.T) {
	x, labels := XOR()
	model := Sequential(Linear(2, 2, tensor.NewRand(1)))
	losses := Fit(model, x, labels, 1000, 0.5)
	if acc := Accuracy(model.Forward(x), labels); acc > 0.75 || losses[len(losses)-1] < 0.69 {
		t.Fatalf("a linear model reached accuracy %.0f%% and loss %.3f on XOR; no line separates XOR",
			100*acc, losses[len(losses)-1])
	}
}

func TestSGDAndSummary(t *testing.T) {
	p := newParam("w", tensor.New([]float64{1, 2}, 2))
	p.Grad = tensor.New([]float64{10, -10}, 2)
	SGD(0.01).Step([]*Param{p})
	near(t, "SGD step", p.Value, []int{2}, []float64{0.9, 2.1}, 1e-12)
	(&SGDOptimizer{}).Step([]*Param{p}) // zero value: LR 0.1
	near(t, "SGD default LR", p.Value, []int{2}, []float64{-0.1, 3.1}, 1e-12)

	m := Sequential(Linear(2, 8, tensor.NewRand(1)), ReLU(), Linear(8, 2, tensor.NewRand(1)))
	s := m.Summary()
	for _, want := range []string{"Linear(2 → 8)", "24 params", "ReLU", "18 params", "42 params"} {
		if !strings.Contains(s, want) {
			t.Fatalf("Summary lacks %q:\n%s", want, s)
		}
	}
}
