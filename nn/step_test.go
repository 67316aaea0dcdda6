package nn

// Custom training steps, models inside models, groups, frozen layers, training metrics, data
// without targets and augmentation inside Fit.

import (
	"math"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/stretchr/testify/require"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/tensor"
)

// weightsOf returns a copy of every weight of a model's layer, by name.
func weightsOf(t *testing.T, m *Model, layer string) map[string][]float64 {
	t.Helper()
	w, err := m.Weights(layer)
	require.NoError(t, err)
	out := map[string][]float64{}
	for k, v := range w {
		out[k] = slices.Clone(v.Data)
	}
	return out
}

func changed(a, b map[string][]float64) bool {
	for k := range a {
		if !slices.Equal(a[k], b[k]) {
			return true
		}
	}
	return false
}

// lineData is y = 2x on 8 points: one feature, one dense target.
func lineData() *datasets.Dataset {
	d := &datasets.Dataset{Name: "line", Shape: []int{1}, TargetShape: []int{1}}
	for i := range 8 {
		x := float32(i)/4 - 1
		d.X = append(d.X, x)
		d.Targets = append(d.Targets, 2*x)
	}
	return d
}

// One SGD step on y = w·x with MSE, by hand: Δw = (2/n) Σ (w x_i − t_i) x_i, w' = w − α Δw. The
// default step and a hand-written Step that minimizes the same loss give the same w'.
func TestStepGradientByHand(t *testing.T) {
	d := lineData()
	const w0, lr = 0.5, 0.1
	grad := 0.0
	for i := range d.Len() {
		x, tg := float64(d.X[i]), float64(d.Targets[i])
		grad += 2 * (w0*x - tg) * x / float64(d.Len())
	}
	want := w0 - lr*grad
	for _, custom := range []bool{false, true} {
		m := Sequential(&DenseLayer{Units: 1, NoBias: true})
		require.NoError(t, m.Build(1))
		setWeights(t, m, "/dense_1/weights", []float32{w0}, 1, 1)
		fit := m.Fit(d).BatchSize(8).Optimizer(SGD(lr)).Shuffle(false).Progress(false)
		if custom {
			fit = fit.Step(func(s *Step, x, y *Node) {
				s.Minimize(graph.ReduceAllMean(graph.Square(graph.Sub(s.Apply(m, x), y))))
			})
		}
		_, err := fit.Done()
		require.NoError(t, err)
		got := weightsOf(t, m, "dense_1")["weights"][0]
		require.InDeltaf(t, want, got, 1e-6, "custom step %v: w' = %v, want %v", custom, got, want)
	}
}

// In a GAN-like step, a loss minimized for one model leaves the other model's weights alone,
// even though it depends on them; the trained models then work on their own.
func TestStepMinimizeTrainsOnlyTheGivenModels(t *testing.T) {
	images := datasets.Blobs(64, 2, 0.5, 3) // 2-D points stand for images
	images.Labels, images.Classes = nil, nil
	for _, only := range []string{"D", "G", "both"} {
		G := Sequential(Dense(8), Tanh(), Dense(2)).Named("G")
		D := Sequential(Dense(8), Tanh(), Dense(1)).Named("D")
		gan := Group(G, D)
		var before map[string]map[string][]float64
		fit := func(epochs int) {
			_, err := gan.Fit(images).Epochs(epochs).BatchSize(16).Optimizer(SGD(0.1)).Progress(false).Step(func(s *Step, x, y *Node) {
				require.Nil(t, y, "the data set has no targets")
				fake := s.Apply(G, s.RandomNormal(x.Shape().Dimensions[0], 3))
				dReal, dFake := s.Apply(D, x), s.Apply(D, fake)
				lossD := graph.Add(graph.ReduceAllMean(softplus(graph.Neg(dReal))), graph.ReduceAllMean(softplus(dFake)))
				lossG := graph.ReduceAllMean(softplus(graph.Neg(dFake)))
				switch only {
				case "D":
					s.Minimize(lossD, D)
				case "G":
					s.Minimize(lossG, G)
				default:
					s.Minimize(lossD, D)
					s.Minimize(lossG, G)
				}
				s.Record("D(x)", graph.ReduceAllMean(graph.Logistic(dReal)))
			}).Done()
			require.NoError(t, err)
		}
		fit(1) // builds the weights
		before = map[string]map[string][]float64{"G": weightsOf(t, G, "dense_1"), "D": weightsOf(t, D, "dense_1")}
		fit(2)
		gChanged := changed(before["G"], weightsOf(t, G, "dense_1"))
		dChanged := changed(before["D"], weightsOf(t, D, "dense_1"))
		require.Equalf(t, only != "D", gChanged, "minimizing %s: G changed = %v", only, gChanged)
		require.Equalf(t, only != "G", dChanged, "minimizing %s: D changed = %v", only, dChanged)
		// G works on its own with the group's weights, and D shares one set of weights.
		noise := &datasets.Dataset{Name: "z", Shape: []int{3}, X: make([]float32, 3*5)}
		out, err := G.Predict(noise)
		require.NoError(t, err)
		require.Equal(t, []int{5, 2}, out.Shape)
		require.Len(t, D.layersWithWeights(), 2, "D applied twice must have one set of weights")
		require.Contains(t, gan.History().Last().Metrics, "D(x)")
	}
}

func softplus(x *Node) *Node {
	return graph.Add(graph.Max(x, graph.ZerosLike(x)), graph.Log1p(graph.Exp(graph.Neg(graph.Abs(x)))))
}

// A model applied inside another keeps its weights there: after training the outer model the
// inner one predicts with the trained weights. A model with weights of its own cannot be put
// inside another afterwards.
func TestModelInsideModelSharesWeights(t *testing.T) {
	train := datasets.Spiral(30, 3, 0.1, 2)
	inner := Sequential(Dense(16), ReLU(), Dense(3))
	outer := NewModel(func(c *Ctx, x *Node) *Node { return c.Apply(inner, x) })
	_, err := outer.Fit(train).Epochs(3).Progress(false).Done()
	require.NoError(t, err)
	po, err := outer.Predict(train)
	require.NoError(t, err)
	pi, err := inner.Predict(train)
	require.NoError(t, err)
	require.Equal(t, po.Data, pi.Data, "the inner model must predict with the outer model's trained weights")
	require.Equal(t, "sequential_1", inner.Name())
	require.ErrorContains(t, inner.Save(t.TempDir()), "save that model")

	alone := Sequential(Dense(4))
	require.NoError(t, alone.Build(2))
	late := NewModel(func(c *Ctx, x *Node) *Node { return c.Apply(alone, x) })
	_, err = late.Fit(train).Progress(false).Done()
	require.ErrorContains(t, err, "already has weights of its own")
	require.NotContains(t, err.Error(), "goroutine")
}

func TestGroupMemoReloadsEveryModel(t *testing.T) {
	images := datasets.Blobs(32, 2, 0.5, 4)
	images.Labels, images.Classes = nil, nil
	trained := 0
	run := func() (*Model, *Model, *History) {
		G := Sequential(Dense(4), Dense(2)).Named("G")
		D := Sequential(Dense(1)).Named("D")
		gan := Group(G, D)
		h, err := gan.Fit(images).Epochs(2).BatchSize(8).Progress(false).Step(func(s *Step, x, _ *Node) {
			trained++
			fake := s.Apply(G, s.RandomNormal(x.Shape().Dimensions[0], 3))
			s.Minimize(graph.ReduceAllMean(graph.Square(s.Apply(D, fake))), G)
			s.Minimize(graph.ReduceAllMean(graph.Square(s.Apply(D, x))), D)
		}).Memo("group-memo")
		require.NoError(t, err)
		return G, D, h
	}
	G1, D1, h1 := run()
	require.Equal(t, 1, trained, "the step graph is built once")
	G2, D2, h2 := run()
	require.Equal(t, 1, trained, "the second run must load, not train")
	require.Equal(t, len(h1.Epochs), len(h2.Epochs))
	z := &datasets.Dataset{Name: "z", Shape: []int{3}, X: []float32{1, -1, 0.5}}
	p1, err := G1.Predict(z)
	require.NoError(t, err)
	p2, err := G2.Predict(z)
	require.NoError(t, err)
	require.Equal(t, p1.Data, p2.Data)
	require.Equal(t, weightsOf(t, D1, "dense_1"), weightsOf(t, D2, "dense_1"))

	_, err = Group(G1).Fit(images).Progress(false).Done()
	require.ErrorContains(t, err, "already has weights of its own")
	_, err = Group(Sequential(Dense(1))).Fit(images).Progress(false).Done()
	require.ErrorContains(t, err, "custom step")
}

func TestFreeze(t *testing.T) {
	train := datasets.Spiral(30, 3, 0.1, 2)
	m := Sequential(Dense(8), ReLU(), Dense(3))
	require.NoError(t, m.Build(2))
	first, last := weightsOf(t, m, "dense_1"), weightsOf(t, m, "dense_2")
	m.Freeze("dense_1")
	_, err := m.Fit(train).Epochs(2).Progress(false).Done()
	require.NoError(t, err)
	require.False(t, changed(first, weightsOf(t, m, "dense_1")), "a frozen layer changed")
	require.True(t, changed(last, weightsOf(t, m, "dense_2")), "the other layer did not train")
	m.Unfreeze()
	_, err = m.Fit(train).Progress(false).Done()
	require.NoError(t, err)
	require.True(t, changed(first, weightsOf(t, m, "dense_1")), "after Unfreeze the layer trains")

	m.Freeze("dense_9")
	_, err = m.Fit(train).Progress(false).Done()
	require.ErrorContains(t, err, `no layer "dense_9"`)
	require.ErrorContains(t, err, "dense_1, dense_2")
	m.Unfreeze().Freeze("dense_1", "dense_2")
	_, err = m.Fit(train).Progress(false).Done()
	require.ErrorContains(t, err, "every layer with weights is frozen")
}

// Data without targets: a loss made with NewLoss that needs none trains; a built-in loss says
// what is missing.
func TestFitWithoutTargets(t *testing.T) {
	d := lineData()
	d.Targets, d.TargetShape = nil, nil
	m := Sequential(Dense(1))
	smallOutput := NewLoss("mean y²", func(out, _ *Node) *Node { return graph.ReduceAllMean(graph.Square(out)) })
	h, err := m.Fit(d).Epochs(30).Loss(smallOutput).Optimizer(SGD(0.1)).Progress(false).Done()
	require.NoError(t, err)
	require.Less(t, h.Last().Loss, h.Epochs[0].Loss/10, "the loss should fall")
	_, err = Sequential(Dense(1)).Fit(d).Progress(false).Done()
	require.ErrorContains(t, err, "neither Labels nor Targets")
	require.ErrorContains(t, err, "nn.NewLoss")
}

// The segmentation metrics in the graph agree with nn.IoU, nn.DiceScore and nn.PSNR computed
// per example on the model's predictions.
func TestTrainingMetricsAgreeWithTheFunctions(t *testing.T) {
	rng := tensor.NewRand(5)
	d := &datasets.Dataset{Name: "masks", Shape: []int{4, 4, 1}, TargetShape: []int{4, 4, 1}}
	for i := range 12 {
		for p := range 16 {
			v := float32(rng.Float64())
			d.X = append(d.X, v)
			tgt := float32(0)
			if (p+i)%3 == 0 || v > 0.8 {
				tgt = 1
			}
			if i == 5 { // an example with an empty target mask
				tgt = 0
			}
			d.Targets = append(d.Targets, tgt)
		}
	}
	m := Sequential(Conv2D(1, 3).SamePadding())
	h, err := m.Fit(d).Epochs(2).BatchSize(4).Loss(BinaryCrossEntropy).Metrics(IoUMetric(), DiceMetric(), PSNRMetric(1)).
		Validation(d).Progress(false).Done()
	require.NoError(t, err)
	last := h.Last()
	for _, k := range []string{"iou", "dice", "psnr"} {
		require.Contains(t, last.Metrics, k)
		require.Contains(t, last.ValMetrics, k)
	}
	out, err := m.Predict(d)
	require.NoError(t, err)
	var iou, dice, psnr float64
	for i := range d.Len() {
		logits, target := out.Sub(i), d.Target(i)
		iou += IoU(logits, target, 0) / float64(d.Len()) // logit > 0 ⇔ σ > ½
		dice += DiceScore(logits, target, 0) / float64(d.Len())
		psnr += math.Min(PSNR(logits, target, 1), 100) / float64(d.Len())
	}
	ev, err := m.Evaluate(d)
	require.NoError(t, err)
	require.InDelta(t, iou, ev.Metrics["iou"], 1e-5)
	require.InDelta(t, dice, ev.Metrics["dice"], 1e-5)
	require.InDelta(t, psnr, ev.Metrics["psnr"], 1e-3)
	require.InDelta(t, iou, last.ValMetrics["iou"], 1e-5, "validation after the last epoch = Evaluate")
	_, err = m.Fit(d).Metrics(IoUMetric(), IoUMetric()).Progress(false).Done()
	require.ErrorContains(t, err, `"iou" is given twice`)
}

// Augment reaches the batches of Fit: with a brightness change the step sees other inputs than
// the stored ones; the draws repeat with the same seed; durations are recorded.
func TestFitAugmentAndDurations(t *testing.T) {
	d := &datasets.Dataset{Name: "grey", Shape: []int{2, 2, 1}, Labels: []int{0, 1, 0, 1}, Classes: []string{"a", "b"},
		X: []float32{.5, .5, .5, .5, .5, .5, .5, .5, .5, .5, .5, .5, .5, .5, .5, .5}}
	meanInput := func(aug *datasets.Augmentation) []float64 {
		m := Sequential(Flatten(), Dense(2))
		fit := m.Fit(d).Epochs(3).BatchSize(4).Progress(false).Step(func(s *Step, x, y *Node) {
			s.Minimize(CrossEntropy.Loss(s.Apply(m, x), y))
			s.Record("mean x", graph.ReduceAllMean(x))
		})
		if aug != nil {
			fit = fit.Augment(*aug)
		}
		h, err := fit.Done()
		require.NoError(t, err)
		var means []float64
		for _, r := range h.Steps {
			means = append(means, r.Metrics["mean x"])
			require.Greater(t, r.Duration.Nanoseconds(), int64(0))
		}
		for _, r := range h.Epochs {
			require.Greater(t, r.Duration.Nanoseconds(), int64(0))
			require.LessOrEqual(t, r.Duration, r.Elapsed)
		}
		return means
	}
	plain := meanInput(nil)
	for _, v := range plain {
		require.InDelta(t, 0.5, v, 1e-6)
	}
	bright := datasets.Augmentation{Brightness: 0.3, Seed: 9}
	a1, a2 := meanInput(&bright), meanInput(&bright)
	require.Equal(t, a1, a2, "the same seed gives the same draws")
	differs := 0
	for i := range a1 {
		if math.Abs(a1[i]-0.5) > 1e-3 {
			differs++
		}
		if i > 0 && a1[i] != a1[i-1] {
			differs++
		}
	}
	require.Greater(t, differs, 2, "augmented batches should differ from the data and between epochs: %v", a1)
	_, err := Sequential(Dense(2)).Fit(lineData()).Augment(datasets.Augmentation{Shift: 1}).Progress(false).Done()
	require.ErrorContains(t, err, "H×W×C")
}

// Memo saves the History that the training function returns and gives it back on reload.
func TestMemoKeepsTheTrainFunctionsHistory(t *testing.T) {
	train := datasets.Spiral(20, 3, 0.1, 2)
	run := func() *History {
		m := Sequential(Dense(4), Dense(3))
		h, err := Memo("memo-history", m, func() (*History, error) {
			if _, err := m.Fit(train).Progress(false).Done(); err != nil {
				return nil, err
			}
			return &History{Epochs: []Record{{Epoch: 1, Loss: 0.25, ValLoss: math.NaN(), Metrics: map[string]float64{"D(x)": 0.7}}}}, nil
		})
		require.NoError(t, err)
		return h
	}
	first, again := run(), run()
	require.Equal(t, 0.7, first.Epochs[0].Metrics["D(x)"])
	require.Len(t, again.Epochs, 1)
	require.Equal(t, 0.7, again.Epochs[0].Metrics["D(x)"], "the reloaded History is the one the function returned")
}

// Configuration by methods, as for every layer and optimizer; the settings show in String (and
// so in Memo's key).
func TestConfigurationMethods(t *testing.T) {
	require.Equal(t, "Adam(lr=0.0002, β1=0.5, β2=0.999)", Adam(2e-4).WithBetas(0.5, 0.999).String())
	require.Equal(t, "Adam(lr=0.001)", Adam(1e-3).String())
	require.Equal(t, "RMSProp(lr=0.01, ρ=0.5)", RMSProp(0.01).WithRho(0.5).String())
	m := Sequential(Dense(3).WithoutBias())
	require.NoError(t, m.Build(2))
	w := weightsOf(t, m, "dense_1")
	require.Len(t, w, 1, "a Dense layer without bias has only its weights")
}

// A variable a student marks as not trainable stays so when the next graph is built (it was
// reset at every build), and Fit leaves it alone.
func TestTrainableFalseIsKept(t *testing.T) {
	train := datasets.Spiral(20, 3, 0.1, 2)
	m := Sequential(Dense(4), ReLU(), Dense(3))
	require.NoError(t, m.Build(2))
	v := m.Store().GetVariable("/dense_1/weights")
	v.Trainable = false
	before := weightsOf(t, m, "dense_1")["weights"]
	_, err := m.Fit(train).Epochs(2).Progress(false).Done()
	require.NoError(t, err)
	require.False(t, v.Trainable)
	require.Equal(t, before, weightsOf(t, m, "dense_1")["weights"], "a weight marked not trainable changed")
}

// A failed Fit whose error is ignored gives a nil History: its Last record says NaN, not 0.
func TestLastOfNothingIsNaN(t *testing.T) {
	h, err := Sequential(Dense(2)).Fit(nil).Done()
	require.Error(t, err)
	require.True(t, math.IsNaN(h.Last().Loss))
}

// The GAN of the lecture written the natural way: G and D composed in one NewModel and trained
// by one Fit whose loss reaches G through D. G keeps its weights in the composite model, so
// training it changes what G itself predicts.
func TestGANComposedInNewModelTrainsItsGenerator(t *testing.T) {
	G := Sequential(Dense(8), Tanh(), Dense(2))
	D := Sequential(Dense(8), Tanh(), Dense(1))
	gan := NewModel(func(c *Ctx, z *Node) *Node { return c.Apply(D, c.Apply(G, z)) })
	noise := &datasets.Dataset{Name: "z", Shape: []int{3}, X: make([]float32, 3*32), Targets: make([]float32, 32), TargetShape: []int{1}}
	for i := range noise.X {
		noise.X[i] = float32(i%7) - 3
	}
	for i := range noise.Targets {
		noise.Targets[i] = 1 // "real": G learns to fool D
	}
	require.NoError(t, gan.Build(3))
	before, err := G.Predict(noise)
	require.NoError(t, err)
	_, err = gan.Fit(noise).Epochs(5).Loss(BinaryCrossEntropy).Optimizer(SGD(0.5)).Progress(false).Done()
	require.NoError(t, err)
	after, err := G.Predict(noise)
	require.NoError(t, err)
	require.Greater(t, tensor.MaxAbsDiff(before, after), 1e-3, "G's outputs did not change: its weights were not trained")
}

// Weights hands out copies: they stay valid, with the values of the moment, after more training.
func TestWeightsStayValidAfterFit(t *testing.T) {
	train := datasets.Spiral(20, 3, 0.1, 2)
	m := Sequential(Dense(4), ReLU(), Dense(3))
	_, err := m.Fit(train).Progress(false).Done()
	require.NoError(t, err)
	w, err := m.Weights("dense_1")
	require.NoError(t, err)
	saved := slices.Clone(w["weights"].Data)
	_, err = m.Fit(train).Epochs(3).Progress(false).Done()
	require.NoError(t, err)
	require.Equal(t, saved, w["weights"].Data, "the tensor from Weights changed or became invalid after Fit")
	require.NotEqual(t, saved, weightsOf(t, m, "dense_1")["weights"], "the model did not train")
}
