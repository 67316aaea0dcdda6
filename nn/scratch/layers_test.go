package scratch

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/godl-course/godl/tensor"
)

// near fails the test when got and want differ by more than tol anywhere.
func near(t *testing.T, what string, got *tensor.Tensor, wantShape []int, want []float64, tol float64) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: got nil, want shape %v", what, wantShape)
	}
	if !slices.Equal(got.Shape, wantShape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, wantShape)
	}
	for i := range want {
		if math.Abs(got.Data[i]-want[i]) > tol {
			t.Fatalf("%s: value %d (at %v) is %.10g, want %.10g\n got: %v", what, i, got.Indices(i), got.Data[i], want[i], got.Data)
		}
	}
}

// mustPanicWith runs f and checks that it panics with a message containing every part.
func mustPanicWith(t *testing.T, f func(), parts ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		e := recover()
		if e == nil {
			t.Fatalf("no panic, want one mentioning %q", parts)
		}
		msg, _ := e.(string)
		for _, p := range parts {
			if !strings.Contains(msg, p) {
				t.Fatalf("panic %q does not mention %q", msg, p)
			}
		}
	}()
	f()
}

// mustPass fails the test with the full report if the check did not pass.
func mustPass(t *testing.T, res *CheckResult) {
	t.Helper()
	if !res.OK() {
		t.Fatalf("gradient check failed:\n%s", res)
	}
	for _, r := range res.Reports {
		if r.RelErr > 1e-8 {
			t.Errorf("%s: relative error %.3g, expected a correct gradient to give below 1e-8", r.Name, r.RelErr)
		}
	}
}

func TestLinearForwardHandComputed(t *testing.T) {
	l := Linear(2, 3, tensor.NewRand(0))
	l.W.Value = tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	l.B.Value = tensor.New([]float64{0.5, -1, 0}, 3)
	y := l.Forward(tensor.New([]float64{1, 2, -1, 0}, 2, 2))
	// Row 1: [1·1+2·4+0.5, 1·2+2·5−1, 1·3+2·6+0]; row 2: [−1+0.5, −2−1, −3].
	near(t, "Linear.Forward", y, []int{2, 3}, []float64{9.5, 11, 15, -0.5, -3, -3}, 1e-12)

	dx := l.Backward(tensor.New([]float64{1, 0, 0, 0, 0, 1}, 2, 3))
	// Δx = Δy·Wᵀ: row 1 picks column 0 of W (1, 4), row 2 picks column 2 (3, 6).
	near(t, "Linear.Backward dx", dx, []int{2, 2}, []float64{1, 4, 3, 6}, 1e-12)
	// ∂L/∂W = xᵀΔy: W_{i,0} gets x_{0,i}, W_{i,2} gets x_{1,i}.
	near(t, "Linear ∂L/∂W", l.W.Grad, []int{2, 3}, []float64{1, 0, -1, 2, 0, 0}, 1e-12)
	near(t, "Linear ∂L/∂b", l.B.Grad, []int{3}, []float64{1, 0, 1}, 1e-12)
}

func TestConv2DForwardHandComputed(t *testing.T) {
	x := tensor.New([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1)
	w := tensor.New([]float64{1, 2, 3, 4}, 2, 2, 1, 1)
	c := Conv2D(1, 1, 2, tensor.NewRand(0))
	c.W.Value, c.B.Value = w, tensor.New([]float64{1}, 1)
	// y_{i,j} = x_{i,j} + 2x_{i,j+1} + 3x_{i+1,j} + 4x_{i+1,j+1} + 1
	near(t, "Conv2D stride 1", c.Forward(x), []int{1, 2, 2, 1}, []float64{38, 48, 68, 78}, 1e-12)

	// Stride 2, padding 1: windows start at rows/cols −1 and 1; outside the image counts 0.
	c.Stride, c.Padding, c.B.Value = 2, 1, tensor.Zeros(1)
	// (0,0) sees only x00·w11 = 4; (0,1): x01·w10 + x02·w11 = 6+12; (1,0): x10·w01 + x20·w11 = 8+28;
	// (1,1): 5·1 + 6·2 + 8·3 + 9·4 = 77.
	near(t, "Conv2D stride 2 padding 1", c.Forward(x), []int{1, 2, 2, 1}, []float64{4, 18, 36, 77}, 1e-12)

	// Channels: a 1×1 kernel mixes the channels, y_o = Σ_c x_c W_{c,o}.
	y := Conv2DForward(tensor.New([]float64{1, 2}, 1, 1, 1, 2), tensor.New([]float64{1, 2, 3, 4}, 1, 1, 2, 2), nil, 1, 0)
	near(t, "Conv2D channels", y, []int{1, 1, 1, 2}, []float64{7, 10}, 1e-12)
}

func TestConv2DBackwardLectureFormula(t *testing.T) {
	// With Δy = 1 everywhere, ∂L/∂w_{k,l} = Σ_i Σ_j x_{i+k,j+l}: the sum of the 2×2 block at (k,l).
	x := tensor.New([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1)
	w := tensor.New([]float64{1, 2, 3, 4}, 2, 2, 1, 1)
	dy := tensor.New([]float64{1, 1, 1, 1}, 1, 2, 2, 1)
	dx, dw, db := Conv2DBackward(x, w, dy, 1, 0)
	near(t, "∂L/∂W", dw, []int{2, 2, 1, 1}, []float64{1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 4 + 5 + 7 + 8, 5 + 6 + 8 + 9}, 1e-12)
	near(t, "∂L/∂b", db, []int{1}, []float64{4}, 1e-12)
	// Each x_{r,q} receives w_{k,l} from every window that covers it: the corner only w00, the centre all.
	near(t, "∂L/∂x", dx, []int{1, 3, 3, 1}, []float64{1, 3, 2, 4, 10, 6, 3, 7, 4}, 1e-12)
}

func TestMaxPool2DHandComputed(t *testing.T) {
	x := tensor.New([]float64{
		1, 3, 2, 0,
		5, 4, 8, 6,
		9, 0, 1, 2,
		3, 7, 4, 5}, 1, 4, 4, 1)
	p := MaxPool2D(2)
	near(t, "MaxPool2D.Forward", p.Forward(x), []int{1, 2, 2, 1}, []float64{5, 8, 9, 5}, 0)
	dx := p.Backward(tensor.New([]float64{1, 2, 3, 4}, 1, 2, 2, 1))
	// The gradient goes to the max's origin, zero elsewhere.
	near(t, "MaxPool2D.Backward", dx, []int{1, 4, 4, 1}, []float64{
		0, 0, 0, 0,
		1, 0, 2, 0,
		3, 0, 0, 0,
		0, 0, 0, 4}, 0)

	// Overlapping 3×3 windows with stride 1: the 9 is the max of all four windows and collects all of Δy.
	p = &MaxPool2DLayer{Size: 3, Stride: 1}
	near(t, "MaxPool2D 3×3 stride 1", p.Forward(x), []int{1, 2, 2, 1}, []float64{9, 8, 9, 8}, 0)
	dx = p.Backward(tensor.New([]float64{1, 2, 3, 4}, 1, 2, 2, 1))
	if dx.At(0, 2, 0, 0) != 1+3 || dx.At(0, 1, 2, 0) != 2+4 {
		t.Fatalf("overlapping windows must add their gradients at the shared max, got %v", dx)
	}

	// Channels are pooled separately.
	x2 := tensor.New([]float64{1, 8, 2, 7, 3, 6, 4, 5}, 1, 2, 2, 2)
	near(t, "MaxPool2D channels", (&MaxPool2DLayer{}).Forward(x2), []int{1, 1, 1, 2}, []float64{4, 8}, 0)
}

func TestActivationsHandComputed(t *testing.T) {
	r := ReLU()
	near(t, "ReLU", r.Forward(tensor.New([]float64{-1, 0, 2}, 3)), []int{3}, []float64{0, 0, 2}, 0)
	near(t, "ReLU'", r.Backward(tensor.New([]float64{5, 5, 5}, 3)), []int{3}, []float64{0, 0, 5}, 0)

	s := Sigmoid()
	near(t, "Sigmoid", s.Forward(tensor.New([]float64{0, math.Log(3), -800}, 3)), []int{3}, []float64{0.5, 0.75, 0}, 1e-15)
	// σ' = σ(1−σ): 0.25 and 0.1875.
	near(t, "Sigmoid'", s.Backward(tensor.New([]float64{1, 2, 1}, 3)), []int{3}, []float64{0.25, 2 * 0.1875, 0}, 1e-15)

	th := Tanh()
	near(t, "Tanh", th.Forward(tensor.New([]float64{0, math.Atanh(0.5)}, 1, 2)), []int{1, 2}, []float64{0, 0.5}, 1e-15)
	near(t, "Tanh'", th.Backward(tensor.New([]float64{1, 1}, 1, 2)), []int{1, 2}, []float64{1, 0.75}, 1e-15)
}

func TestSoftmaxCrossEntropyHandComputed(t *testing.T) {
	logits := tensor.New([]float64{0, math.Log(3), 1000, 1000}, 2, 2)
	var ce SoftmaxCrossEntropy
	// Row 1: p = [1/4, 3/4], label 1; row 2: p = [1/2, 1/2] (no overflow at 1000), label 0.
	loss := ce.Forward(logits, []int{1, 0})
	if want := -(math.Log(0.75) + math.Log(0.5)) / 2; math.Abs(loss-want) > 1e-12 {
		t.Fatalf("loss %v, want %v", loss, want)
	}
	near(t, "Softmax", ce.Probs(), []int{2, 2}, []float64{0.25, 0.75, 0.5, 0.5}, 1e-12)
	// ∂L/∂z = (p − onehot)/N.
	near(t, "∂L/∂z", ce.Backward(), []int{2, 2}, []float64{0.125, -0.125, -0.25, 0.25}, 1e-12)
	if a := Accuracy(logits, []int{1, 1}); a != 0.5 {
		t.Fatalf("Accuracy = %v, want 0.5 (row 2 is a tie, resolved to class 0)", a)
	}
	mustPanicWith(t, func() { ce.Forward(logits, []int{1, 2}) }, "label 2", "example 1", "[0, 2)")
	mustPanicWith(t, func() { ce.Forward(logits, []int{1}) }, "1 labels", "2 rows")
}

func TestBatchNormHandComputed(t *testing.T) {
	bn := BatchNorm(2)
	bn.Gamma.Value = tensor.New([]float64{2, 1}, 2)
	bn.Beta.Value = tensor.New([]float64{0.5, 0}, 2)
	x := tensor.New([]float64{1, 10, 3, 20, 5, 30}, 3, 2)
	y := bn.Forward(x)
	// Feature 0: μ = 3, σ² = 8/3; feature 1: μ = 20, σ² = 200/3.
	s0, s1 := math.Sqrt(8.0/3+1e-5), math.Sqrt(200.0/3+1e-5)
	near(t, "BatchNorm", y, []int{3, 2}, []float64{
		2*(-2/s0) + 0.5, -10 / s1,
		0.5, 0,
		2*(2/s0) + 0.5, 10 / s1}, 1e-12)
	// Running averages move 10% of the way to the batch statistics.
	if math.Abs(bn.RunningMean[1]-2) > 1e-12 || math.Abs(bn.RunningVar[0]-(0.9+0.1*8.0/3)) > 1e-12 {
		t.Fatalf("running mean %v var %v", bn.RunningMean, bn.RunningVar)
	}
	// A constant Δy changes nothing after normalization: ∂L/∂x = 0, ∂L/∂β = m·Δy, ∂L/∂γ = Σ x̂ = 0.
	dx := bn.Backward(tensor.New([]float64{1, 1, 1, 1, 1, 1}, 3, 2))
	near(t, "BatchNorm ∂L/∂x", dx, []int{3, 2}, make([]float64, 6), 1e-12)
	near(t, "BatchNorm ∂L/∂β", bn.Beta.Grad, []int{2}, []float64{3, 3}, 1e-12)
	near(t, "BatchNorm ∂L/∂γ", bn.Gamma.Grad, []int{2}, []float64{0, 0}, 1e-12)

	// Eval uses the running statistics: μ = 0.3 for feature 0 (0.1 of the batch mean 3).
	bn.Eval = true
	y = bn.Forward(tensor.New([]float64{1.2, 2}, 1, 2))
	near(t, "BatchNorm eval", y, []int{1, 2}, []float64{
		2*(1.2-0.3)/math.Sqrt(bn.RunningVar[0]+1e-5) + 0.5,
		(2 - 2) / math.Sqrt(bn.RunningVar[1]+1e-5)}, 1e-12)
}

// Every layer's Backward agrees with the numerical gradient of its Forward.
func TestGradCheckEveryLayer(t *testing.T) {
	rng := tensor.NewRand(42)
	stridedConv := Conv2D(2, 3, 3, rng)
	stridedConv.Stride, stridedConv.Padding = 2, 1
	paddedConv := Conv2D(3, 2, 2, rng)
	paddedConv.Padding = 1
	bnEval := BatchNorm(3)
	bnEval.RunningMean, bnEval.RunningVar, bnEval.Eval = []float64{0.1, -0.2, 0.3}, []float64{0.5, 2, 1.5}, true
	bnImages := BatchNorm(3)
	bnImages.Gamma.Value, bnImages.Beta.Value = tensor.RandN(rng, 1, 3), tensor.RandN(rng, 1, 3)
	cases := []struct {
		layer Layer
		x     *tensor.Tensor
	}{
		{Linear(4, 3, rng), tensor.RandN(rng, 1, 5, 4)},
		{Conv2D(2, 3, 3, rng), tensor.RandN(rng, 1, 2, 5, 5, 2)},
		{stridedConv, tensor.RandN(rng, 1, 2, 6, 6, 2)},
		{paddedConv, tensor.RandN(rng, 1, 1, 4, 5, 3)},
		{MaxPool2D(2), distinctValues(rng, 2, 4, 4, 3)},
		{&MaxPool2DLayer{Size: 3, Stride: 2}, distinctValues(rng, 1, 7, 7, 2)},
		{ReLU(), awayFromZero(tensor.RandN(rng, 1, 4, 6))},
		{Sigmoid(), tensor.RandN(rng, 2, 4, 6)},
		{Tanh(), tensor.RandN(rng, 1, 3, 2, 2, 2)},
		{bnImages, tensor.RandN(rng, 1, 2, 3, 3, 3)},
		{BatchNorm(4), tensor.RandN(rng, 3, 6, 4)},
		{bnEval, tensor.RandN(rng, 1, 5, 3)},
		{Sequential(Linear(3, 5, rng), Tanh(), BatchNorm(5), Linear(5, 2, rng)), tensor.RandN(rng, 1, 4, 3)},
	}
	for _, c := range cases {
		t.Run(describe(c.layer), func(t *testing.T) {
			res := CheckLayer(c.layer, c.x)
			mustPass(t, res)
			if want := 1 + len(c.layer.Params()); len(res.Reports) != want {
				t.Fatalf("%d reports, want %d (input and each parameter):\n%s", len(res.Reports), want, res)
			}
		})
	}
}

// The softmax cross-entropy gradient, checked with GradCheck on the logits.
func TestGradCheckSoftmaxCrossEntropy(t *testing.T) {
	logits, labels := tensor.RandN(tensor.NewRand(5), 2, 4, 3), []int{0, 2, 1, 2}
	var ce SoftmaxCrossEntropy
	ce.Forward(logits, labels)
	analytic := ce.Backward()
	var other SoftmaxCrossEntropy
	r := GradCheck(func(z *tensor.Tensor) float64 { return other.Forward(z, labels) }, logits, analytic)
	if !r.OK() || r.RelErr > 1e-8 {
		t.Fatalf("softmax cross-entropy: %s", r)
	}
}

func awayFromZero(t *tensor.Tensor) *tensor.Tensor {
	for i, v := range t.Data {
		if math.Abs(v) < 0.05 {
			t.Data[i] = math.Copysign(0.05, v) + v
		}
	}
	return t
}

func TestLayerErrorsNameTheProblem(t *testing.T) {
	rng := tensor.NewRand(1)
	mustPanicWith(t, func() { Linear(3, 2, rng).Forward(tensor.Zeros(4, 5)) }, "LinearLayer.Forward", "[4 5]", "In=3")
	mustPanicWith(t, func() { Linear(3, 2, rng).Forward(tensor.Zeros(3)) }, "Linear.Forward", "rank 2", "[N, In]")
	mustPanicWith(t, func() { Linear(3, 2, rng).Backward(tensor.Zeros(1, 2)) }, "before Forward")
	l := Linear(3, 2, rng)
	l.Forward(tensor.Zeros(4, 3))
	mustPanicWith(t, func() { l.Backward(tensor.Zeros(4, 3)) }, "Linear.Backward", "[4 3]", "[4 2]")
	mustPanicWith(t, func() { Conv2D(3, 4, 3, rng).Forward(tensor.Zeros(1, 5, 5, 1)) }, "Conv2D", "InChannels=3", "channels last")
	mustPanicWith(t, func() { Conv2D(1, 4, 5, rng).Forward(tensor.Zeros(1, 3, 3, 1)) }, "5×5 kernel", "3×3 input")
	mustPanicWith(t, func() { MaxPool2D(2).Forward(tensor.Zeros(4, 4)) }, "MaxPool2D.Forward", "[N, H, W, C]")
	mustPanicWith(t, func() { BatchNorm(3).Forward(tensor.Zeros(2, 4)) }, "BatchNormLayer.Forward", "[2 4]", "scratch.BatchNorm(3)")
	mustPanicWith(t, func() { tensor.New([]float64{1, 2, 3}, 2, 2) }, "3 values", "[2 2]", "4 values")
	mustPanicWith(t, func() { (ReLU()).Forward(&tensor.Tensor{Shape: []int{2}, Data: []float64{1}}) }, "[2]", "1 values")
}

func TestTensorIndexing(t *testing.T) {
	x := tensor.New([]float64{0, 1, 2, 3, 4, 5}, 2, 3)
	if x.At(1, 2) != 5 || x.Index(1, 0) != 3 || !slices.Equal(x.Indices(4), []int{1, 1}) {
		t.Fatalf("row-major indexing is wrong: At(1,2)=%v Index(1,0)=%d Indices(4)=%v", x.At(1, 2), x.Index(1, 0), x.Indices(4))
	}
	y := x.Reshape(3, 2)
	y.Set(10, 2, 1)
	if x.Data[5] != 10 {
		t.Fatal("Reshape must share the data")
	}
	c := x.Clone()
	c.Data[0] = 7
	if x.Data[0] != 0 {
		t.Fatal("Clone must copy the data")
	}
	mustPanicWith(t, func() { x.At(2, 0) }, "out of range", "[2 3]")
	mustPanicWith(t, func() { x.At(1) }, "1 indices", "one index per axis")
	if s := x.String(); !strings.Contains(s, "Tensor[2 3]") || !strings.Contains(s, "[3 4 10]") {
		t.Fatalf("String() = %q", s)
	}
}

func TestZeroValueLayersExplainThemselves(t *testing.T) {
	mustPanicWith(t, func() { (&LinearLayer{}).Forward(tensor.Zeros(1, 2)) }, "scratch.Linear(in, out, rng)")
	mustPanicWith(t, func() { (&Conv2DLayer{}).Forward(tensor.Zeros(1, 2, 2, 1)) }, "scratch.Conv2D(in, out, size, rng)")
	mustPanicWith(t, func() { (&BatchNormLayer{}).Forward(tensor.Zeros(1, 2)) }, "scratch.BatchNorm(features)")
	mustPanicWith(t, func() { LinearForward(tensor.Zeros(2, 3), tensor.Zeros(4, 2), tensor.Zeros(2)) }, "LinearForward", "[4 2]", "In=3")
	mustPanicWith(t, func() { LinearBackward(tensor.Zeros(2, 3), tensor.Zeros(3, 2), tensor.Zeros(2, 3)) }, "LinearBackward", "[2 3]", "[2 2]")
	mustPanicWith(t, func() { Conv2DForward(tensor.Zeros(1, 3, 3, 1), tensor.Zeros(2, 2, 1, 2), tensor.Zeros(3), 1, 0) }, "bias", "[3]", "[2]")
	// Zero values that work: MaxPool2D{} is 2×2 with stride 2, activations need nothing.
	if y := (&MaxPool2DLayer{}).Forward(tensor.Zeros(1, 4, 4, 1)); !slices.Equal(y.Shape, []int{1, 2, 2, 1}) {
		t.Fatalf("MaxPool2D{} output %v, want [1 2 2 1]", y.Shape)
	}
}
