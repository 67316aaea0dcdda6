package nn

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/stretchr/testify/require"

	"github.com/godl-course/godl/datasets"
)

// runModel runs m on x in training or inference mode, outside Fit.
func runModel(t *testing.T, m *Model, training bool, x *tensors.Tensor) []float32 {
	t.Helper()
	e, err := model.NewExec(Backend(), m.Store(), func(scope *model.Scope, x *Node) *Node {
		return m.Forward(newCtx(scope, x.Graph(), training), x)
	})
	require.NoError(t, err)
	out, err := e.Exec(x)
	require.NoError(t, err)
	return flat(t, out[0])
}

func withConvAlgorithm(alg string, fn func()) {
	old := ConvAlgorithm
	ConvAlgorithm = alg
	defer func() { ConvAlgorithm = old }()
	fn()
}

// The lecture's y_ij = Σ_k Σ_l w_kl x_{i+k,j+l} + b on a 3×3 image and a 2×2 kernel.
func TestConv2DHandComputed(t *testing.T) {
	x := &datasets.Dataset{X: []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, Shape: []int{3, 3, 1}}
	for _, alg := range []string{"direct", "im2col"} {
		withConvAlgorithm(alg, func() {
			m := Sequential(Conv2D(1, 2))
			require.NoError(t, m.Build(3, 3, 1))
			setWeights(t, m, "/conv2d_1/kernel", []float32{1, 2, 3, 4}, 2, 2, 1, 1) // w = [[1 2] [3 4]]
			setWeights(t, m, "/conv2d_1/bias", []float32{0.5}, 1)
			out, err := m.Predict(x)
			require.NoError(t, err)
			require.Equal(t, []int{1, 2, 2, 1}, out.Shape) // (3 − 2)/1 + 1 = 2
			// y00 = 1·1 + 2·2 + 3·4 + 4·5 + 0.5 = 37.5; y01 = 1·2 + 2·3 + 3·5 + 4·6 + 0.5 = 47.5
			// y10 = 1·4 + 2·5 + 3·7 + 4·8 + 0.5 = 67.5; y11 = 1·5 + 2·6 + 3·8 + 4·9 + 0.5 = 77.5
			requireClose(t, []float32{37.5, 47.5, 67.5, 77.5}, flat(t, out), 1e-5)

			// Stride 2, padding 1: output (3 + 2 − 2)/2 + 1 = 2; windows of the zero-padded image:
			// [[0 0] [0 1]] → 4·1 = 4; [[0 0] [2 3]] → 3·2 + 4·3 = 18; [[0 4] [0 7]] → 2·4 + 4·7 = 36;
			// [[5 6] [8 9]] → 77.
			m2 := Sequential(Conv2D(1, 2).WithStride(2).WithPadding(1))
			require.NoError(t, m2.Build(3, 3, 1))
			setWeights(t, m2, "/conv2d_1/kernel", []float32{1, 2, 3, 4}, 2, 2, 1, 1)
			setWeights(t, m2, "/conv2d_1/bias", []float32{0.5}, 1)
			out, err = m2.Predict(x)
			require.NoError(t, err)
			requireClose(t, []float32{4.5, 18.5, 36.5, 77.5}, flat(t, out), 1e-5)
		})
	}
}

// im2col and the backend's convolution agree on multi-channel inputs, strides and paddings.
func TestConv2DFormulationsAgree(t *testing.T) {
	d := datasets.Spiral(20, 2, 0.3, 5)                                                                  // any numbers
	img := &datasets.Dataset{X: append(append([]float32{}, d.X...), d.X[:40]...), Shape: []int{5, 4, 2}} // 2 images 5×4×2
	for _, layer := range []*Conv2DLayer{Conv2D(3, 3), Conv2D(4, 3).WithStride(2).SamePadding(), Conv2D(2, 2).WithPadding(1)} {
		var outs [2][]float32
		for i, alg := range []string{"direct", "im2col"} {
			withConvAlgorithm(alg, func() {
				m := Sequential(layer, MaxPool2D(1))
				out, err := m.Predict(img)
				require.NoError(t, err)
				outs[i] = flat(t, out)
			})
		}
		requireClose(t, outs[0], outs[1], 1e-5)
	}
}

func TestPooling(t *testing.T) {
	x := make([]float32, 16)
	for i := range x {
		x[i] = float32(i + 1) // [[1 2 3 4] [5 6 7 8] [9 10 11 12] [13 14 15 16]]
	}
	d := &datasets.Dataset{X: x, Shape: []int{4, 4, 1}}
	for _, alg := range []string{"direct", "im2col"} {
		withConvAlgorithm(alg, func() {
			out, err := Sequential(MaxPool2D(2)).Predict(d)
			require.NoError(t, err)
			require.Equal(t, []int{1, 2, 2, 1}, out.Shape)
			requireClose(t, []float32{6, 8, 14, 16}, flat(t, out), 0)
			out, err = Sequential(AvgPool2D(2)).Predict(d)
			require.NoError(t, err)
			requireClose(t, []float32{3.5, 5.5, 11.5, 13.5}, flat(t, out), 1e-6)
		})
	}
	// Overlapping windows (size 3, stride 1): maxima of the four 3×3 windows.
	out, err := Sequential(MaxPool2D(3).WithStride(1)).Predict(d)
	require.NoError(t, err)
	requireClose(t, []float32{11, 12, 15, 16}, flat(t, out), 0)
}

func TestBatchNorm(t *testing.T) {
	m := Sequential(BatchNorm())
	require.NoError(t, m.Build(1))
	x := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4}, 4, 1)
	// Training: μ = 2.5, σ² = ((1.5)² + (0.5)² + (0.5)² + (1.5)²)/4 = 1.25, γ = 1, β = 0.
	got := runModel(t, m, true, x)
	s := math.Sqrt(1.25 + 1e-3)
	requireClose(t, []float32{float32(-1.5 / s), float32(-0.5 / s), float32(0.5 / s), float32(1.5 / s)}, got, 1e-5)
	// Running statistics after one step: 0.9·0 + 0.1·2.5 = 0.25 and 0.9·1 + 0.1·1.25 = 1.025.
	w, err := m.Weights("batchnorm_1")
	require.NoError(t, err)
	requireClose(t, []float32{0.25}, flat(t, w["running_mean"]), 1e-6)
	requireClose(t, []float32{1.025}, flat(t, w["running_var"]), 1e-6)
	// Inference uses them: y = (x − 0.25)/√(1.025 + ε).
	got = runModel(t, m, false, x)
	s = math.Sqrt(1.025 + 1e-3)
	requireClose(t, []float32{float32(0.75 / s), float32(1.75 / s), float32(2.75 / s), float32(3.75 / s)}, got, 1e-5)
	// 2 trainable (γ, β) and 2 non-trainable parameters.
	li := m.Layers()[0]
	require.Equal(t, 2, li.Trainable)
	require.Equal(t, 2, li.NonTrainable)
}

func TestDropout(t *testing.T) {
	m := Sequential(Dropout(0.5))
	require.NoError(t, m.Build(1000))
	ones := make([]float32, 1000)
	for i := range ones {
		ones[i] = 1
	}
	x := tensors.FromFlatDataAndDimensions(ones, 1, 1000)
	got := runModel(t, m, true, x)
	zeros := 0
	for _, v := range got {
		require.True(t, v == 0 || v == 2, "value %v", v) // kept values scaled by 1/(1 − 0.5)
		if v == 0 {
			zeros++
		}
	}
	require.InDelta(t, 500, zeros, 60)
	requireClose(t, ones, runModel(t, m, false, x), 0) // identity at inference
}

func TestActivations(t *testing.T) {
	x := tensors.FromFlatDataAndDimensions([]float32{-2, 0, 1, 3}, 1, 4)
	cases := []struct {
		l    Layer
		want []float64
	}{
		{ReLU(), []float64{0, 0, 1, 3}},
		{LeakyReLU(0.1), []float64{-0.2, 0, 1, 3}},
		{Sigmoid(), []float64{1 / (1 + math.Exp(2)), 0.5, 1 / (1 + math.Exp(-1)), 1 / (1 + math.Exp(-3))}},
		{Tanh(), []float64{math.Tanh(-2), 0, math.Tanh(1), math.Tanh(3)}},
	}
	sum := math.Exp(-2) + 1 + math.E + math.Exp(3)
	cases = append(cases, struct {
		l    Layer
		want []float64
	}{Softmax(), []float64{math.Exp(-2) / sum, 1 / sum, math.E / sum, math.Exp(3) / sum}})
	for _, c := range cases {
		m := Sequential(c.l)
		require.NoError(t, m.Build(4))
		got := runModel(t, m, false, x)
		for i := range got {
			require.InDeltaf(t, c.want[i], float64(got[i]), 1e-6, "%s element %d", c.l, i)
		}
	}
}

func TestOtherLayerShapes(t *testing.T) {
	img := &datasets.Dataset{X: make([]float32, 2*4*4*3), Shape: []int{4, 4, 3}}
	seq := &datasets.Dataset{X: make([]float32, 2*5*3), Shape: []int{5, 3}}
	cases := []struct {
		m    *Model
		d    *datasets.Dataset
		want []int
	}{
		{Sequential(Upsample2D(2)), img, []int{2, 8, 8, 3}},
		{Sequential(ConvTranspose2D(6, 3, 2)), img, []int{2, 9, 9, 6}}, // (4 − 1)·2 + 3 = 9
		{Sequential(Residual(Conv2D(8, 3).SamePadding(), ReLU())), img, []int{2, 4, 4, 8}},
		{Sequential(RNN(7)), seq, []int{2, 7}},
		{Sequential(LSTM(6).Sequences()), seq, []int{2, 5, 6}},
	}
	for _, c := range cases {
		out, err := c.m.Predict(c.d)
		require.NoError(t, err, c.m.Summary())
		require.Equal(t, c.want, out.Shape)
	}
	// Upsampling repeats pixels.
	d := &datasets.Dataset{X: []float32{1, 2, 3, 4}, Shape: []int{2, 2, 1}}
	out, err := Sequential(Upsample2D(2)).Predict(d)
	require.NoError(t, err)
	requireClose(t, []float32{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, flat(t, out), 0)
}

// Each optimizer's first three updates of one weight w (w₀ = 1) on L = (w·1 − 0)², so Δw = 2w,
// against values computed by hand from the formulas in the doc comments.
func TestOptimizersThreeSteps(t *testing.T) {
	d := &datasets.Dataset{X: []float32{1}, Shape: []int{1}, Targets: []float32{0}, TargetShape: []int{1}}
	cases := []struct {
		opt  Optimizer
		want [3]float64
	}{
		// w₁ = 1 − 0.1·2 = 0.8, w₂ = 0.8 − 0.1·1.6 = 0.64, w₃ = 0.64 − 0.1·1.28 = 0.512.
		{SGD(0.1), [3]float64{0.8, 0.64, 0.512}},
		// v₁ = 0.1·2 = 0.2, w₁ = 0.8; v₂ = 0.9·0.2 + 0.1·1.6 = 0.34, w₂ = 0.46;
		// v₃ = 0.9·0.34 + 0.1·0.92 = 0.398, w₃ = 0.062.
		{Momentum(0.1, 0.9), [3]float64{0.8, 0.46, 0.062}},
		// G₁ = 4, w₁ = 1 − 0.1·2/2 = 0.9; G₂ = 4 + 1.8² = 7.24, w₂ = 0.9 − 0.1·1.8/√7.24 = 0.833104;
		// G₃ = 7.24 + 1.666208² = 10.016249, w₃ = 0.833104 − 0.1·1.666208/√10.016249 = 0.780456.
		{Adagrad(0.1), [3]float64{0.9, 0.833104, 0.780456}},
		// E₁ = 0.1·4 = 0.4, w₁ = 1 − 0.01·2/√0.4 = 0.968377; E₂ = 0.9·0.4 + 0.1·1.936754² = 0.735106,
		// w₂ = 0.945788; E₃ = 0.9·0.735106 + 0.1·1.891576² = 1.019398, w₃ = 0.927053.
		{RMSProp(0.01), [3]float64{0.968377, 0.945788, 0.927053}},
		// m₁ = 0.2, v₁ = 0.004, m̂₁ = 2, v̂₁ = 4, w₁ = 1 − 0.1·2/2 = 0.9;
		// m₂ = 0.9·0.2 + 0.1·1.8 = 0.36, v₂ = 0.999·0.004 + 0.001·3.24 = 0.007236,
		// m̂₂ = 0.36/0.19, v̂₂ = 0.007236/0.001999, w₂ = 0.9 − 0.1·m̂₂/√v̂₂ = 0.800412; w₃ = 0.701586.
		{Adam(0.1), [3]float64{0.9, 0.800412, 0.701586}},
	}
	for _, c := range cases {
		m := Sequential(&DenseLayer{Units: 1, NoBias: true})
		require.NoError(t, m.Build(1))
		setWeights(t, m, "/dense_1/weights", []float32{1}, 1, 1)
		var got []float64
		cb := CallbackFunc(func(e Event, h *History) error {
			if e == StepEnd {
				w := m.Store().GetVariable("/dense_1/weights").MustValue()
				got = append(got, float64(flat(t, w)[0]))
			}
			return nil
		})
		_, err := m.Fit(d).Epochs(3).BatchSize(1).Optimizer(c.opt).Loss(MSE).Callbacks(cb).Progress(false).Done()
		require.NoError(t, err)
		require.Len(t, got, 3)
		for i := range 3 {
			require.InDeltaf(t, c.want[i], got[i], 2e-5, "%s step %d: got %v", c.opt, i+1, got)
		}
	}
}

func TestSchedules(t *testing.T) {
	require.Equal(t, 0.1, Constant().LR(0.1, 50))
	s := StepDecay(10, 0.5)
	require.InDelta(t, 0.1, s.LR(0.1, 10), 1e-12)
	require.InDelta(t, 0.05, s.LR(0.1, 11), 1e-12)
	require.InDelta(t, 0.025, s.LR(0.1, 21), 1e-12)
	e := ExponentialDecay(0.5, 100)
	require.InDelta(t, 0.1*math.Pow(0.5, 0.5), e.LR(0.1, 51), 1e-12)
	c := Cosine(100, 0.001)
	require.InDelta(t, 0.1, c.LR(0.1, 1), 1e-12)
	require.InDelta(t, 0.001+(0.1-0.001)/2, c.LR(0.1, 51), 1e-12)
	require.InDelta(t, 0.001, c.LR(0.1, 500), 1e-12)

	// The schedule reaches the optimizer: the recorded LR and the SGD step agree.
	d := &datasets.Dataset{X: []float32{1}, Shape: []int{1}, Targets: []float32{0}, TargetShape: []int{1}}
	m := Sequential(&DenseLayer{Units: 1, NoBias: true})
	require.NoError(t, m.Build(1))
	setWeights(t, m, "/dense_1/weights", []float32{1}, 1, 1)
	h, err := m.Fit(d).Epochs(2).BatchSize(1).Optimizer(SGD(0.1)).Schedule(StepDecay(1, 0.5)).Progress(false).Done()
	require.NoError(t, err)
	require.InDelta(t, 0.05, h.Steps[1].LR, 1e-12)
	// w₁ = 1 − 0.1·2 = 0.8, w₂ = 0.8 − 0.05·1.6 = 0.72.
	requireClose(t, []float32{0.72}, flat(t, m.Store().GetVariable("/dense_1/weights").MustValue()), 1e-6)
}
