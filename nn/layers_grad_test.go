package nn

// Gradients of single layers: LayerGradients (GoMLX autodiff of L = Σ y·Δy) against values
// computed by hand and against numerical gradients by central differences, for Dense, RNN,
// LSTM, ConvTranspose2D, Upsample2D and the residual block.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/godl-course/godl/tensor"
	"github.com/stretchr/testify/require"
)

// Central differences in float32: L = Σ y·Δy is summed in float64 from the float32 y, so the
// rounding of y (relative 6e-8) divided by 2h dominates; with h = 1e-2 and the smooth layers
// below (tanh, σ, products) the O(h²) truncation error is about 1e-5 relative. Correct gradients
// measure ≤ 1.2e-4 (LSTM over 4 steps); a wrong one (a missing term, a transposed weight) gives 1e-2 or more.
const (
	numStep      = 1e-2
	numThreshold = 1e-3
)

func t32(vals []float32, dims ...int) *tensor.Tensor {
	return tensor.FromFloat32(vals, dims...)
}

// randT returns a tensor of normal random values with standard deviation std.
func randT(rng *rand.Rand, std float64, dims ...int) *tensor.Tensor {
	vals := make([]float32, prod(dims))
	for i := range vals {
		vals[i] = float32(rng.NormFloat64() * std)
	}
	return t32(vals, dims...)
}

func f64(t *tensor.Tensor) []float64 { return t.Data }

// relErr is max_i |a_i − b_i| / max(max_i (|a_i| + |b_i|), 1e-12), the measure of scratch.GradCheck.
func relErr(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	num, den := 0.0, 1e-12
	for i := range a {
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(a[i])+math.Abs(b[i]))
	}
	return num / den
}

func requireNear(t *testing.T, name string, want, got []float64, tol float64) {
	t.Helper()
	require.Equalf(t, len(want), len(got), "%s: %d values expected, got %d", name, len(want), len(got))
	for i := range want {
		require.InDeltaf(t, want[i], got[i], tol, "%s[%d]: want %v, got %v", name, i, want, got)
	}
}

// lossOf is L = Σ_j y_j·Δy_j in float64.
func lossOf(y, dy []float64) float64 {
	s := 0.0
	for i := range y {
		s += y[i] * dy[i]
	}
	return s
}

// numericalGrads returns, for the layer run by r at x with the given weights (all of them) and
// Δy, the central differences (L(v + h e_i) − L(v − h e_i))/2h of L = Σ y·Δy for every entry of x
// (key "x") and of each named weight.
func numericalGrads(t *testing.T, r *layerRunner, x *tensor.Tensor, weights map[string]*tensor.Tensor, dy *tensor.Tensor, names []string) map[string][]float64 {
	t.Helper()
	dyv := f64(dy)
	eval := func(xv *tensor.Tensor, wv map[string]*tensor.Tensor) float64 {
		out, err := r.run(xv, wv, dy)
		require.NoError(t, err)
		return lossOf(f64(out.Y), dyv)
	}
	numerical := func(v *tensor.Tensor, with func(*tensor.Tensor) float64) []float64 {
		vals := v.Clone()
		g := make([]float64, len(vals.Data))
		for i := range vals.Data {
			orig := vals.Data[i]
			vals.Data[i] = orig + numStep
			plus := with(vals.Clone())
			vals.Data[i] = orig - numStep
			minus := with(vals.Clone())
			vals.Data[i] = orig
			g[i] = (plus - minus) / (2 * numStep)
		}
		return g
	}
	out := map[string][]float64{"x": numerical(x, func(xp *tensor.Tensor) float64 { return eval(xp, weights) })}
	for _, name := range names {
		out[name] = numerical(weights[name], func(wp *tensor.Tensor) float64 {
			ws := map[string]*tensor.Tensor{}
			for k, v := range weights {
				ws[k] = v
			}
			ws[name] = wp
			return eval(x, ws)
		})
	}
	return out
}

// checkNumerical compares LayerGradients' ∂L/∂x and every ∂L/∂θ with central differences, for
// a random Δy, and requires a relative error below numThreshold.
func checkNumerical(t *testing.T, layer Layer, x *tensor.Tensor, weights map[string]*tensor.Tensor, seed uint64) {
	t.Helper()
	r := newLayerRunner(layer, true)
	base, err := r.run(x, weights, nil)
	require.NoError(t, err)
	require.NotEmpty(t, base.Trainable, "%s has no trainable weights", layer)
	dy := randT(rand.New(rand.NewPCG(seed, 7)), 1, base.Y.Shape...)
	res, err := r.run(x, nil, dy)
	require.NoError(t, err)
	// res.Weights holds every weight's value (given or initialized): perturb one entry at a time.
	num := numericalGrads(t, r, x, res.Weights, dy, res.Trainable)
	compare := func(name string, analytic *tensor.Tensor, num []float64) {
		e := relErr(f64(analytic), num)
		t.Logf("%s %s: relative error %.2g", layer, name, e)
		require.Lessf(t, e, numThreshold, "%s %s: autodiff %v, numerical %v", layer, name, f64(analytic), num)
	}
	compare("∂L/∂x", res.DX, num["x"])
	for _, name := range res.Trainable {
		compare("∂L/∂"+name, res.DWeights[name], num[name])
	}
}

// y = x·W + b on a 2×3 input and its gradients, computed by hand.
func TestLayerGradientsDenseByHand(t *testing.T) {
	x := t32([]float32{1, 2, 3, -1, 0, 2}, 2, 3)
	w := t32([]float32{1, 0, 0, 1, 2, -1}, 3, 2) // W = [[1, 0], [0, 1], [2, −1]]
	b := t32([]float32{0.5, -0.5}, 2)
	dy := t32([]float32{1, 2, -1, 3}, 2, 2)
	g, err := LayerGradients(Dense(2), x, map[string]*tensor.Tensor{"weights": w, "bias": b}, dy)
	require.NoError(t, err)
	require.Equal(t, []string{"weights", "bias"}, g.Trainable)
	// y = x·W + b: row 1 (1 + 6 + 0.5, 2 − 3 − 0.5) = (7.5, −1.5); row 2 (−1 + 4 + 0.5, 0 − 2 − 0.5) = (3.5, −2.5).
	requireNear(t, "y", []float64{7.5, -1.5, 3.5, -2.5}, f64(g.Y), 1e-6)
	// ∂L/∂x = Δy·Wᵀ: row 1 (1, 2, 2·1 − 2) = (1, 2, 0); row 2 (−1, 3, −2 − 3) = (−1, 3, −5).
	requireNear(t, "∂L/∂x", []float64{1, 2, 0, -1, 3, -5}, f64(g.DX), 1e-6)
	// ∂L/∂W = xᵀ·Δy: [[1·1 + (−1)(−1), 1·2 + (−1)·3], [2·1 + 0, 2·2 + 0], [3·1 + 2(−1), 3·2 + 2·3]].
	requireNear(t, "∂L/∂W", []float64{2, -1, 2, 4, 1, 12}, f64(g.DWeights["weights"]), 1e-6)
	// ∂L/∂b = Σ_n Δy_n = (0, 5).
	requireNear(t, "∂L/∂b", []float64{0, 5}, f64(g.DWeights["bias"]), 1e-6)
	require.Contains(t, g.String(), "∂L/∂weights  (3, 2)")

	// A nil Δy means Δy = 1 (L = Σ y), so ∂L/∂b = (batch, batch).
	x64 := tensor.New([]float64{1, 2, 3, -1, 0, 2}, 2, 3)
	g, err = LayerGradients(Dense(2), x64, map[string]*tensor.Tensor{"weights": w, "bias": b}, nil)
	require.NoError(t, err)
	requireNear(t, "∂L/∂b", []float64{2, 2}, f64(g.DWeights["bias"]), 1e-6)
	requireNear(t, "∂L/∂x", []float64{1, 1, 1, 1, 1, 1}, f64(g.DX), 1e-6)
}

func TestLayerGradientsErrors(t *testing.T) {
	x := t32([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	cases := []struct {
		name    string
		layer   Layer
		weights map[string]*tensor.Tensor
		dy      *tensor.Tensor
		want    []string
	}{
		{"unknown weight", Dense(2), map[string]*tensor.Tensor{"W": t32(make([]float32, 6), 3, 2)}, nil,
			[]string{`no weight "W"`, "weights, bias"}},
		{"wrong weight shape", Dense(2), map[string]*tensor.Tensor{"weights": t32(make([]float32, 6), 2, 3)}, nil,
			[]string{`weight "weights"`, "shape (3, 2)", "(2, 3)"}},
		{"wrong Δy shape", Dense(2), nil, t32(make([]float32, 6), 2, 3),
			[]string{"Δy has shape (2, 3)", "(2, 2)"}},
		{"bad input for the layer", Conv2D(2, 3), nil, nil,
			[]string{"Conv2D", "(2, 3)", "(batch, height, width, channels)"}},
		{"inconsistent Δy", Dense(2), nil, &tensor.Tensor{Shape: []int{2, 2}, Data: []float64{1, 2, 3}},
			[]string{"Δy has shape [2 2] (4 values) but 3 values"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LayerGradients(c.layer, x, c.weights, c.dy)
			require.Error(t, err)
			for _, w := range c.want {
				require.Contains(t, err.Error(), w)
			}
			require.NotContains(t, err.Error(), "goroutine")
		})
	}
	_, err := LayerGradients(nil, x, nil, nil)
	require.ErrorContains(t, err, "layer is nil")
}

// The lecture's simple recurrent cell with one unit: h_t = tanh(w_x x_t + w_h h_{t−1} + b), h_0 = 0.
func TestRNNOneUnitByHand(t *testing.T) {
	wx, wh, b := 0.5, -1.0, 0.1
	xs := []float64{1, 2, -1}
	weights := map[string]*tensor.Tensor{
		"W": t32([]float32{float32(wx)}, 1, 1), "U": t32([]float32{float32(wh)}, 1, 1), "bias": t32([]float32{float32(b)}, 1)}
	x := t32([]float32{1, 2, -1}, 1, 3, 1)
	var hs []float64
	h := 0.0
	for _, xt := range xs {
		h = math.Tanh(wx*xt + wh*h + b)
		hs = append(hs, h)
	}
	// h_1 = tanh(0.6) = 0.537, h_2 = tanh(1.1 − 0.537) = 0.510, h_3 = tanh(−0.4 − 0.510) = −0.721.
	requireNear(t, "h", []float64{0.5370, 0.5101, -0.7211}, hs, 1e-3)
	g, err := LayerGradients(RNN(1), x, weights, nil)
	require.NoError(t, err)
	requireNear(t, "h_T", hs[2:], f64(g.Y), 1e-6)
	g, err = LayerGradients(RNN(1).Sequences(), x, weights, nil)
	require.NoError(t, err)
	requireNear(t, "h_1..h_T", hs, f64(g.Y), 1e-6)

	// Backpropagation through time for L = h_T, by hand: δ_t = ∂L/∂z_t with z_t the tanh's input,
	// δ_T = 1 − h_T², δ_{t−1} = δ_t · w_h · (1 − h_{t−1}²); ∂L/∂x_t = δ_t w_x, ∂L/∂w_x = Σ_t δ_t x_t,
	// ∂L/∂w_h = Σ_t δ_t h_{t−1}, ∂L/∂b = Σ_t δ_t.
	delta := make([]float64, 3)
	delta[2] = 1 - hs[2]*hs[2]
	for i := 1; i >= 0; i-- {
		delta[i] = delta[i+1] * wh * (1 - hs[i]*hs[i])
	}
	prev := []float64{0, hs[0], hs[1]}
	var dx []float64
	dwx, dwh, db := 0.0, 0.0, 0.0
	for i := range 3 {
		dx = append(dx, delta[i]*wx)
		dwx += delta[i] * xs[i]
		dwh += delta[i] * prev[i]
		db += delta[i]
	}
	g, err = LayerGradients(RNN(1), x, weights, nil)
	require.NoError(t, err)
	requireNear(t, "∂L/∂x", dx, f64(g.DX), 1e-5)
	requireNear(t, "∂L/∂w_x", []float64{dwx}, f64(g.DWeights["W"]), 1e-5)
	requireNear(t, "∂L/∂w_h", []float64{dwh}, f64(g.DWeights["U"]), 1e-5)
	requireNear(t, "∂L/∂b", []float64{db}, f64(g.DWeights["bias"]), 1e-5)
}

// An LSTM with one unit, two steps, against the gate equations evaluated in float64.
func TestLSTMOneUnitByHand(t *testing.T) {
	// Columns [i | f | o | g].
	w := []float64{0.5, -0.3, 0.8, 1.2}
	u := []float64{-0.7, 0.4, 0.2, -0.5}
	b := []float64{0.1, 1, -0.2, 0.05}
	xs := []float64{1.5, -0.5}
	sig := func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
	h, c := 0.0, 0.0
	var hs []float64
	for _, xt := range xs {
		z := func(k int) float64 { return xt*w[k] + h*u[k] + b[k] }
		i, f, o, g := sig(z(0)), sig(z(1)), sig(z(2)), math.Tanh(z(3))
		c = f*c + i*g
		h = o * math.Tanh(c)
		hs = append(hs, h)
	}
	weights := map[string]*tensor.Tensor{"W": t32(f32s(w), 1, 4), "U": t32(f32s(u), 1, 4), "bias": t32(f32s(b), 4)}
	g, err := LayerGradients(LSTM(1).Sequences(), t32(f32s(xs), 1, 2, 1), weights, nil)
	require.NoError(t, err)
	requireNear(t, "h_1, h_2", hs, f64(g.Y), 1e-6)
	// A new LSTM starts with the forget gate's bias at 1 and the others at 0.
	g, err = LayerGradients(LSTM(3), t32(make([]float32, 2*2*1), 2, 2, 1), nil, nil)
	require.NoError(t, err)
	requireNear(t, "initial bias", []float64{0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0}, f64(g.Weights["bias"]), 0)
}

func f32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func TestRecurrentNumericalGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		layer Layer
		steps int
	}{
		{RNN(3), 1}, {RNN(3), 4}, {RNN(2).Sequences(), 4},
		{LSTM(2), 1}, {LSTM(2), 4}, {LSTM(2).Sequences(), 3},
	} {
		t.Run(fmt.Sprintf("%s %d steps", c.layer, c.steps), func(t *testing.T) {
			x := randT(rng, 1, 2, c.steps, 3)
			// Random weights with σ = 0.5, biases too, so that every gate is away from 0.
			init, err := LayerGradients(c.layer, x, nil, nil)
			require.NoError(t, err)
			weights := map[string]*tensor.Tensor{}
			for name, v := range init.Weights {
				weights[name] = randT(rng, 0.5, v.Shape...)
			}
			checkNumerical(t, c.layer, x, weights, uint64(c.steps))
		})
	}
}

// convTransposeRef is the definition of the transposed convolution: each input pixel spreads
// over a k×k window of the output, y_{s·i+m−p, s·j+n−p, o} += Σ_c x_{i,j,c} w_{m,n,c,o}, plus b_o.
func convTransposeRef(x []float64, xd []int, w []float64, k, cout, s, p int, b []float64) ([]float64, []int) {
	n, h, wd, cin := xd[0], xd[1], xd[2], xd[3]
	oh, ow := (h-1)*s+k-2*p, (wd-1)*s+k-2*p
	y := make([]float64, n*oh*ow*cout)
	for e := range n {
		for i := range h {
			for j := range wd {
				for c := range cin {
					xv := x[((e*h+i)*wd+j)*cin+c]
					for m := range k {
						for q := range k {
							yi, yj := s*i+m-p, s*j+q-p
							if yi < 0 || yj < 0 || yi >= oh || yj >= ow {
								continue
							}
							for o := range cout {
								y[((e*oh+yi)*ow+yj)*cout+o] += xv * w[((m*k+q)*cin+c)*cout+o]
							}
						}
					}
				}
			}
		}
	}
	for i := range y {
		y[i] += b[i%cout]
	}
	return y, []int{n, oh, ow, cout}
}

func TestConvTranspose2DByHand(t *testing.T) {
	// 2×2 input, 2×2 kernel, stride 2: the output is four non-overlapping copies of the kernel
	// scaled by each pixel.
	x := t32([]float32{1, 2, 3, 4}, 1, 2, 2, 1)
	w := t32([]float32{1, 10, 100, 1000}, 2, 2, 1, 1)
	g, err := LayerGradients(ConvTranspose2D(1, 2, 2), x, map[string]*tensor.Tensor{"kernel": w}, nil)
	require.NoError(t, err)
	require.Equal(t, []int{1, 4, 4, 1}, g.Y.Shape)
	requireNear(t, "y", []float64{
		1, 10, 2, 20,
		100, 1000, 200, 2000,
		3, 30, 4, 40,
		300, 3000, 400, 4000}, f64(g.Y), 1e-3)

	// Overlapping windows (kernel 3, stride 2), padding, several channels: against the definition.
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct{ k, s, p int }{{3, 2, 0}, {3, 2, 1}, {4, 2, 1}, {3, 1, 1}, {2, 3, 0}} {
		t.Run(fmt.Sprintf("kernel %d stride %d padding %d", c.k, c.s, c.p), func(t *testing.T) {
			layer := &ConvTranspose2DLayer{Filters: 2, Kernel: c.k, Stride: c.s, Padding: c.p}
			x := randT(rng, 1, 2, 3, 4, 3)
			kernel, bias := randT(rng, 1, c.k, c.k, 3, 2), randT(rng, 1, 2)
			g, err := LayerGradients(layer, x, map[string]*tensor.Tensor{"kernel": kernel, "bias": bias}, nil)
			require.NoError(t, err)
			want, dims := convTransposeRef(f64(x), x.Shape, f64(kernel), c.k, 2, c.s, c.p, f64(bias))
			require.Equal(t, dims, g.Y.Shape)
			e := relErr(want, f64(g.Y))
			require.Lessf(t, e, 1e-5, "y: relative error %.2g", e)
		})
	}
}

// The transposed convolution is the adjoint of the convolution: with the same kernel (its channel
// axes swapped), ConvTranspose2D(Δy) is Conv2D's input gradient ∂L/∂x for the upstream Δy.
func TestConvTranspose2DIsConv2DAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for _, c := range []struct{ n, k, s, p int }{{7, 3, 2, 1}, {8, 4, 2, 1}, {6, 2, 2, 0}, {5, 3, 1, 0}} {
		t.Run(fmt.Sprintf("%dx%d kernel %d stride %d padding %d", c.n, c.n, c.k, c.s, c.p), func(t *testing.T) {
			const cin, cout = 2, 3
			x := randT(rng, 1, 1, c.n, c.n, cin)
			kernel := randT(rng, 1, c.k, c.k, cin, cout)
			conv, err := LayerGradients(Conv2D(cout, c.k).WithStride(c.s).WithPadding(c.p), x, map[string]*tensor.Tensor{"kernel": kernel}, nil)
			require.NoError(t, err)
			dy := randT(rng, 1, conv.Y.Shape...)
			conv, err = LayerGradients(Conv2D(cout, c.k).WithStride(c.s).WithPadding(c.p), x, map[string]*tensor.Tensor{"kernel": kernel}, dy)
			require.NoError(t, err)
			// kernelT[m, n, o, c] = kernel[m, n, c, o].
			kv, kt := kernel.Float32(), make([]float32, c.k*c.k*cin*cout)
			for mn := range c.k * c.k {
				for ci := range cin {
					for o := range cout {
						kt[(mn*cout+o)*cin+ci] = kv[(mn*cin+ci)*cout+o]
					}
				}
			}
			tr, err := LayerGradients(&ConvTranspose2DLayer{Filters: cin, Kernel: c.k, Stride: c.s, Padding: c.p}, dy,
				map[string]*tensor.Tensor{"kernel": t32(kt, c.k, c.k, cout, cin)}, nil)
			require.NoError(t, err)
			require.Equal(t, x.Shape, tr.Y.Shape)
			e := relErr(f64(conv.DX), f64(tr.Y))
			t.Logf("relative difference %.2g", e)
			require.Lessf(t, e, 1e-5, "ConvTranspose2D(Δy) %v\nConv2D ∂L/∂x %v", f64(tr.Y), f64(conv.DX))
		})
	}
}

func TestUpsample2DByHand(t *testing.T) {
	x := t32([]float32{1, 2, 3, 4, 5, 6}, 1, 2, 3, 1)
	dy := make([]float32, 4*6)
	for i := range dy {
		dy[i] = float32(i)
	}
	g, err := LayerGradients(Upsample2D(2), x, nil, t32(dy, 1, 4, 6, 1))
	require.NoError(t, err)
	requireNear(t, "y", []float64{
		1, 1, 2, 2, 3, 3,
		1, 1, 2, 2, 3, 3,
		4, 4, 5, 5, 6, 6,
		4, 4, 5, 5, 6, 6}, f64(g.Y), 0)
	// Each pixel receives the sum of Δy over its 2×2 block: Δy = 0..23 row by row, so pixel (0, 0)
	// gets 0 + 1 + 6 + 7 = 14, the next ones 2 + 3 + 8 + 9 = 22, 30; the second row 62, 70, 78.
	requireNear(t, "∂L/∂x", []float64{14, 22, 30, 62, 70, 78}, f64(g.DX), 1e-5)
}

func TestUpsampleAndConvTransposeNumericalGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	x := randT(rng, 1, 2, 3, 3, 2)
	_, err := LayerGradients(Upsample2D(3), x, nil, nil)
	require.NoError(t, err)
	// Upsample2D has no weight: its input gradient by central differences.
	r := newLayerRunner(Upsample2D(3), true)
	dy := randT(rng, 1, 2, 9, 9, 2)
	res, err := r.run(x, nil, dy)
	require.NoError(t, err)
	xv, dyv := x.Float32(), f64(dy)
	num := make([]float64, len(xv))
	for i := range xv {
		orig := xv[i]
		var l [2]float64
		for j, d := range []float32{numStep, -numStep} {
			xv[i] = orig + d
			out, err := r.run(t32(append([]float32(nil), xv...), 2, 3, 3, 2), nil, dy)
			require.NoError(t, err)
			l[j] = lossOf(f64(out.Y), dyv)
		}
		xv[i] = orig
		num[i] = (l[0] - l[1]) / (2 * numStep)
	}
	e := relErr(f64(res.DX), num)
	t.Logf("Upsample2D(3) ∂L/∂x: relative error %.2g", e)
	require.Less(t, e, numThreshold)

	for _, c := range []struct{ k, s, p int }{{3, 2, 0}, {4, 2, 1}, {2, 2, 0}} {
		layer := &ConvTranspose2DLayer{Filters: 2, Kernel: c.k, Stride: c.s, Padding: c.p}
		checkNumerical(t, layer, randT(rng, 1, 1, 3, 3, 2), map[string]*tensor.Tensor{"bias": randT(rng, 1, 2)}, 3)
	}
}

// y = x + F(x): with F a Dense layer, y = x + x·W + b by hand; when F changes the number of
// channels, x goes through a learned projection P: y = (x·P + b_P) + F(x).
func TestResidualByHand(t *testing.T) {
	x := t32([]float32{1, 2, -1, 3}, 2, 2)
	w := t32([]float32{1, 2, 0, -1}, 2, 2) // W = [[1, 2], [0, −1]]
	b := t32([]float32{0.5, 0}, 2)
	g, err := LayerGradients(Residual(Dense(2)), x, map[string]*tensor.Tensor{"dense_1/weights": w, "dense_1/bias": b}, nil)
	require.NoError(t, err)
	// Row 1: x·W = (1, 2 − 2) = (1, 0); y = (1, 2) + (1, 0) + (0.5, 0) = (2.5, 2).
	// Row 2: x·W = (−1, −2 − 3) = (−1, −5); y = (−1, 3) + (−1, −5) + (0.5, 0) = (−1.5, −2).
	requireNear(t, "y", []float64{2.5, 2, -1.5, -2}, f64(g.Y), 1e-6)
	// With Δy = 1: ∂L/∂x = Δy·(I + W)ᵀ = (1 + 1 + 2, 1 + 0 − 1) = (4, 0) for each row.
	requireNear(t, "∂L/∂x", []float64{4, 0, 4, 0}, f64(g.DX), 1e-6)

	p := t32([]float32{1, 0, 1, 0, 1, 1}, 2, 3) // P = [[1, 0, 1], [0, 1, 1]]
	w3 := t32([]float32{0, 0, 1, 1, 0, 0}, 2, 3)
	g, err = LayerGradients(Residual(Dense(3)), x, map[string]*tensor.Tensor{
		"dense_1/weights": w3, "dense_2/weights": p}, nil)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"dense_1/weights", "dense_1/bias", "dense_2/weights", "dense_2/bias"}, g.Trainable)
	// W3 = [[0, 0, 1], [1, 0, 0]] (inner layers are named first: dense_1 is F, dense_2 the projection).
	// Row 1: x·P = (1, 2, 3), F(x) = x·W3 = (2, 0, 1) → (3, 2, 4).
	// Row 2: x·P = (−1, 3, 2), F(x) = (3, 0, −1) → (2, 3, 1).
	requireNear(t, "y", []float64{3, 2, 4, 2, 3, 1}, f64(g.Y), 1e-6)
}

func TestResidualNumericalGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	for _, c := range []struct {
		layer Layer
		x     *tensor.Tensor
	}{
		{Residual(Conv2D(2, 3).SamePadding(), Tanh(), Conv2D(2, 3).SamePadding()), randT(rng, 1, 2, 4, 4, 2)},
		{Residual(Conv2D(3, 3).SamePadding(), Tanh()), randT(rng, 1, 1, 4, 4, 2)}, // projection 2 → 3 channels
		{Residual(Dense(4), Sigmoid(), Dense(4)), randT(rng, 1, 3, 4)},
	} {
		t.Run(c.layer.String(), func(t *testing.T) {
			init, err := LayerGradients(c.layer, c.x, nil, nil)
			require.NoError(t, err)
			weights := map[string]*tensor.Tensor{}
			for _, name := range init.Trainable {
				weights[name] = randT(rng, 0.5, init.Weights[name].Shape...)
			}
			checkNumerical(t, c.layer, c.x, weights, 5)
		})
	}
}

// The numerical check can fail: a wrong gradient (the right one with the recurrent weight U's
// gradient transposed, a classic slip in backpropagation through time) is caught.
func TestNumericalCheckCatchesWrongGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 15))
	x := randT(rng, 1, 2, 3, 2)
	weights := map[string]*tensor.Tensor{"W": randT(rng, 0.5, 2, 2), "U": randT(rng, 0.5, 2, 2), "bias": randT(rng, 0.5, 2)}
	dy := randT(rng, 1, 2, 2)
	r := newLayerRunner(RNN(2), true)
	res, err := r.run(x, weights, dy)
	require.NoError(t, err)
	num := numericalGrads(t, r, x, res.Weights, dy, []string{"U"})
	right := f64(res.DWeights["U"])
	require.Less(t, relErr(right, num["U"]), numThreshold)
	wrong := []float64{right[0], right[2], right[1], right[3]}
	e := relErr(wrong, num["U"])
	t.Logf("transposed ∂L/∂U: relative error %.2g", e)
	require.Greater(t, e, 10*numThreshold)
}
