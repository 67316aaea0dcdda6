package scratch

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/godl-course/godl/tensor"
)

func TestNumericalGradient(t *testing.T) {
	// f(x) = x0² x1 + sin(x2): ∇f = (2 x0 x1, x0², cos x2).
	x := tensor.New([]float64{1.5, -2, 0.3}, 3)
	f := func(x *tensor.Tensor) float64 { return x.Data[0]*x.Data[0]*x.Data[1] + math.Sin(x.Data[2]) }
	g := NumericalGradient(f, x, 0)
	near(t, "numerical gradient", g, []int{3}, []float64{-6, 2.25, math.Cos(0.3)}, 1e-9)
	if !slices.Equal(x.Data, []float64{1.5, -2, 0.3}) {
		t.Fatalf("x must be restored, got %v", x.Data)
	}
	// x is restored even when f panics half-way.
	func() {
		defer func() { _ = recover() }()
		calls := 0
		NumericalGradient(func(x *tensor.Tensor) float64 {
			if calls++; calls == 3 {
				panic("boom")
			}
			return f(x)
		}, x, 0)
	}()
	if !slices.Equal(x.Data, []float64{1.5, -2, 0.3}) {
		t.Fatalf("x must be restored after a panic, got %v", x.Data)
	}
}

func TestGradCheckPassAndFailReports(t *testing.T) {
	f := func(x *tensor.Tensor) float64 { return x.Data[0]*x.Data[0]*x.Data[1] + math.Sin(x.Data[2]) }
	x := tensor.New([]float64{1.5, -2, 0.3}, 3)

	good := GradCheck(f, x, tensor.New([]float64{-6, 2.25, math.Cos(0.3)}, 3))
	if !good.OK() || good.RelErr > 1e-9 {
		t.Fatalf("correct gradient: %s", good)
	}
	if s := good.String(); !strings.HasPrefix(s, "PASS: relative error ") || !strings.HasSuffix(s, "(threshold 1e-7)") {
		t.Fatalf("PASS report = %q", s)
	}

	// The classic mistake: d(x0²)/dx0 written as x0 instead of 2 x0.
	bad := GradCheck(f, x, tensor.New([]float64{-3, 2.25, math.Cos(0.3)}, 3))
	if bad.OK() {
		t.Fatalf("wrong gradient passed: %s", bad)
	}
	// |a−b| = 3 at entry 0; max(|a|+|b|) = 9 there: relative error 1/3.
	if math.Abs(bad.RelErr-1.0/3) > 1e-6 || !slices.Equal(bad.Worst, []int{0}) {
		t.Fatalf("relative error %v at %v, want 1/3 at [0]", bad.RelErr, bad.Worst)
	}
	want := "FAIL: relative error 0.33 (threshold 1e-7), worst entry at [0]: analytic -3, numeric -6"
	if s := bad.String(); s != want {
		t.Fatalf("FAIL report\n got %q\nwant %q", s, want)
	}

	// Multi-dimensional tensors report the indices of the worst entry.
	m := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	sq := func(m *tensor.Tensor) float64 { return dot(m, m) / 2 } // gradient = m
	wrong := m.Clone()
	wrong.Data[4] += 0.5
	if r := GradCheck(sq, m, wrong); r.OK() || !slices.Equal(r.Worst, []int{1, 1}) {
		t.Fatalf("worst entry %v, want [1 1]: %s", r.Worst, r)
	}

	// The threshold can be changed; the relative error of a slightly off gradient falls between.
	slightly := m.Clone()
	slightly.Data[0] += 1e-5
	if r := GradCheck(sq, m, slightly); r.OK() {
		t.Fatalf("an error of 1e-5 must fail at the default threshold: %s", r)
	}
	if r := (GradChecker{Threshold: 1e-4}).Check("m", sq, m, slightly); !r.OK() || !strings.HasPrefix(r.String(), "m: PASS") {
		t.Fatalf("with threshold 1e-4: %s", r)
	}
}

func TestGradCheckProblems(t *testing.T) {
	f := func(x *tensor.Tensor) float64 { return x.Data[0] }
	x := tensor.New([]float64{1, 2}, 2)
	if r := GradCheck(f, x, nil); r.OK() || !strings.Contains(r.String(), "nil") || !strings.Contains(r.String(), "TODO") {
		t.Fatalf("nil gradient: %s", r)
	}
	if r := GradCheck(f, x, tensor.Zeros(2, 1)); r.OK() || !strings.Contains(r.String(), "shape [2 1], want [2]") {
		t.Fatalf("wrong shape: %s", r)
	}
	if r := GradCheck(f, x, tensor.New([]float64{math.NaN(), 0}, 2)); r.OK() || !strings.Contains(r.String(), "NaN") {
		t.Fatalf("NaN gradient: %s", r)
	}
	// Both gradients zero: nothing to disagree about.
	if r := GradCheck(func(*tensor.Tensor) float64 { return 3 }, x, tensor.Zeros(2)); !r.OK() || r.RelErr != 0 {
		t.Fatalf("zero gradients: %s", r)
	}
}

// wrongLinear is Linear with a deliberately wrong Backward: it forgets the bias gradient.
type wrongLinear struct{ *LinearLayer }

func (w wrongLinear) Backward(dy *tensor.Tensor) *tensor.Tensor {
	dx := w.LinearLayer.Backward(dy)
	w.B.Grad = w.B.Grad.ZerosLike() // forgot ∂L/∂b
	return dx
}

// leakyReLUMistake passes the gradient through everywhere, as if ReLU were the identity.
type leakyReLUMistake struct{ ReLULayer }

func (l *leakyReLUMistake) Backward(dy *tensor.Tensor) *tensor.Tensor {
	l.ReLULayer.Backward(dy)
	return dy.Clone()
}

// flippedConv uses the kernel-flipped gradient, a common confusion between convolution and correlation.
type flippedConv struct{ *Conv2DLayer }

func (c flippedConv) Backward(dy *tensor.Tensor) *tensor.Tensor {
	dx := c.Conv2DLayer.Backward(dy)
	g := c.W.Grad.Clone()
	kh, kw, cin, cout := g.Shape[0], g.Shape[1], g.Shape[2], g.Shape[3]
	for k := range kh {
		for l := range kw {
			for ci := range cin {
				for o := range cout {
					g.Set(c.W.Grad.At(kh-1-k, kw-1-l, ci, o), k, l, ci, o)
				}
			}
		}
	}
	c.W.Grad = g
	return dx
}

// poolToAll sends the gradient of each window to every position of the window instead of the max.
type poolToAll struct{ *MaxPool2DLayer }

func (p poolToAll) Backward(dy *tensor.Tensor) *tensor.Tensor {
	dx := p.x.ZerosLike()
	n, h, w, c := p.x.Shape[0], p.x.Shape[1], p.x.Shape[2], p.x.Shape[3]
	for b := range n {
		for i := range h {
			for j := range w {
				for ch := range c {
					dx.Set(dy.At(b, i/2, j/2, ch), b, i, j, ch)
				}
			}
		}
	}
	return dx
}

func TestGradCheckCatchesWrongBackward(t *testing.T) {
	rng := tensor.NewRand(9)
	cases := []struct {
		name      string
		layer     Layer
		x         *tensor.Tensor
		wrongGrad string
	}{
		{"Linear without ∂L/∂b", wrongLinear{Linear(3, 2, rng)}, tensor.RandN(rng, 1, 4, 3), "∂L/∂b"},
		{"ReLU as identity", &leakyReLUMistake{}, awayFromZero(tensor.RandN(rng, 1, 3, 4)), "∂L/∂x"},
		{"Conv2D with flipped kernel gradient", flippedConv{Conv2D(1, 2, 3, rng)}, tensor.RandN(rng, 1, 1, 5, 5, 1), "∂L/∂W"},
		{"MaxPool2D gradient to every position", poolToAll{MaxPool2D(2)}, distinctValues(rng, 1, 4, 4, 1), "∂L/∂x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := CheckLayer(c.layer, c.x)
			if res.OK() {
				t.Fatalf("a wrong Backward passed:\n%s", res)
			}
			for _, r := range res.Reports {
				if r.Name == c.wrongGrad {
					if r.OK() || r.RelErr < 1e-3 || !strings.Contains(r.String(), "worst entry at") {
						t.Fatalf("%s should fail clearly: %s", r.Name, r)
					}
				} else if !r.OK() {
					t.Fatalf("%s is correct and should pass: %s", r.Name, r)
				}
			}
			if !strings.Contains(res.String(), "FAIL: fix the gradients marked FAIL above") {
				t.Fatalf("verdict missing:\n%s", res)
			}
		})
	}
}

// todoLayer is what a student starts from: Forward done, Backward a TODO.
type todoLayer struct{ SigmoidLayer }

func (l *todoLayer) Backward(dy *tensor.Tensor) *tensor.Tensor { return nil } // TODO

type panickyLayer struct{ TanhLayer }

func (l *panickyLayer) Backward(dy *tensor.Tensor) *tensor.Tensor {
	var idx []int
	_ = idx[3] // index out of range, as a buggy student loop would
	return dy
}

func TestCheckLayerOnStudentMistakes(t *testing.T) {
	res := CheckLayer(&todoLayer{}, tensor.RandN(tensor.NewRand(1), 1, 2, 3))
	if res.OK() || !strings.Contains(res.String(), "∂L/∂x: FAIL: the analytic gradient is nil (is the Backward body still a TODO?)") {
		t.Fatalf("TODO layer:\n%s", res)
	}
	res = CheckLayer(&panickyLayer{}, tensor.RandN(tensor.NewRand(1), 1, 2, 3))
	if res.OK() || !strings.Contains(res.String(), "panicked") || !strings.Contains(res.String(), "index out of range") {
		t.Fatalf("panicking layer:\n%s", res)
	}
	if (&CheckResult{}).OK() {
		t.Fatal("an empty check must not pass")
	}
}
