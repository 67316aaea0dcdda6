package scratch

import (
	"bytes"
	"strings"
	"testing"

	"github.com/godl-course/godl/tensor"
)

// captureOutput runs f with Output redirected and returns what was printed.
func captureOutput(f func()) string {
	var buf bytes.Buffer
	old := Output
	Output = &buf
	defer func() { Output = old }()
	f()
	return buf.String()
}

func TestCheckLinearBackward(t *testing.T) {
	todo := func(x, w, dy *tensor.Tensor) (dx, dw, db *tensor.Tensor) {
		return x.ZerosLike(), w.ZerosLike(), tensor.Zeros(w.Shape[1]) // TODO
	}
	var res *CheckResult
	out := captureOutput(func() { res = CheckLinearBackward(todo) })
	if res.OK() || !strings.Contains(out, "∂L/∂W: FAIL: relative error 1 (threshold 1e-7), worst entry at [") {
		t.Fatalf("the TODO body must fail with relative error 1:\n%s", out)
	}
	if out != res.String() {
		t.Fatalf("printed output differs from the result:\n%s\n---\n%s", out, res)
	}

	// Forgot the transposition: ∂L/∂W computed as Δyᵀ·x has the wrong shape.
	transposed := func(x, w, dy *tensor.Tensor) (dx, dw, db *tensor.Tensor) {
		dx, dwCorrect, db := LinearBackward(x, w, dy)
		dw = tensor.Zeros(dwCorrect.Shape[1], dwCorrect.Shape[0])
		return dx, dw, db
	}
	out = captureOutput(func() { res = CheckLinearBackward(transposed) })
	if res.OK() || !strings.Contains(out, "∂L/∂W: FAIL: the analytic gradient has shape [5 4], want [4 5]") {
		t.Fatalf("transposed ∂L/∂W:\n%s", out)
	}

	out = captureOutput(func() { res = allowingLibrary(func() *CheckResult { return CheckLinearBackward(LinearBackward) }) })
	if !res.OK() || strings.Count(out, "PASS: relative error") != 3 || !strings.Contains(out, "PASS: all gradients agree") {
		t.Fatalf("the reference must pass:\n%s", out)
	}
}

func TestCheckConv2DBackward(t *testing.T) {
	todo := func(x, w, dy *tensor.Tensor, stride, padding int) (dx, dw, db *tensor.Tensor) {
		return x.ZerosLike(), w.ZerosLike(), tensor.Zeros(w.Shape[3]) // TODO
	}
	var res *CheckResult
	out := captureOutput(func() { res = CheckConv2DBackward(todo) })
	if res.OK() || strings.Count(out, "FAIL: relative error 1 ") != 6 {
		t.Fatalf("the TODO body must fail all 6 gradients:\n%s", out)
	}

	// A student who wrote the lecture's stride-1 formula only, ignoring stride and padding, passes
	// the first configuration and fails the second.
	stride1Only := func(x, w, dy *tensor.Tensor, stride, padding int) (dx, dw, db *tensor.Tensor) {
		dx, dw, db = x.ZerosLike(), w.ZerosLike(), tensor.Zeros(w.Shape[3])
		n, h, wd, cin := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
		kh, kw, cout := w.Shape[0], w.Shape[1], w.Shape[3]
		ho, wo := dy.Shape[1], dy.Shape[2]
		for b := range n {
			for i := range ho {
				for j := range wo {
					for o := range cout {
						g := dy.At(b, i, j, o)
						db.Data[o] += g
						for k := range kh {
							for l := range kw {
								if i+k >= h || j+l >= wd {
									continue
								}
								for c := range cin {
									dw.Data[dw.Index(k, l, c, o)] += x.At(b, i+k, j+l, c) * g
									dx.Data[dx.Index(b, i+k, j+l, c)] += w.At(k, l, c, o) * g
								}
							}
						}
					}
				}
			}
		}
		return dx, dw, db
	}
	out = captureOutput(func() { res = CheckConv2DBackward(stride1Only) })
	if res.OK() {
		t.Fatalf("ignoring stride and padding must fail:\n%s", out)
	}
	for _, r := range res.Reports {
		stride1 := strings.HasPrefix(r.Name, "stride 1, padding 0")
		if stride1 != r.OK() && !strings.HasSuffix(r.Name, "∂L/∂b") {
			t.Fatalf("%s: want PASS only for stride 1, padding 0:\n%s", r.Name, out)
		}
	}

	out = captureOutput(func() { res = allowingLibrary(func() *CheckResult { return CheckConv2DBackward(Conv2DBackward) }) })
	if !res.OK() || strings.Count(out, "PASS: relative error") != 6 {
		t.Fatalf("the reference must pass:\n%s", out)
	}
}

func TestCheckMaxPool2DBackward(t *testing.T) {
	todo := func(x, dy *tensor.Tensor, size, stride int) *tensor.Tensor { return nil } // TODO
	var res *CheckResult
	out := captureOutput(func() { res = CheckMaxPool2DBackward(todo) })
	if res.OK() || strings.Count(out, "nil (is the Backward body still a TODO?)") != 2 {
		t.Fatalf("the TODO body must fail:\n%s", out)
	}

	// Assigning instead of adding loses the gradient of overlapping windows: fine for 2×2/2, wrong for 3×3/2.
	assign := func(x, dy *tensor.Tensor, size, stride int) *tensor.Tensor {
		p := &MaxPool2DLayer{Size: size, Stride: stride}
		p.Forward(x)
		dx := x.ZerosLike()
		for o, src := range p.argmax {
			dx.Data[src] = dy.Data[o]
		}
		return dx
	}
	out = captureOutput(func() { res = CheckMaxPool2DBackward(assign) })
	if res.OK() || !res.Reports[0].OK() || res.Reports[1].OK() {
		t.Fatalf("assigning instead of accumulating must fail on overlapping windows only:\n%s", out)
	}

	crash := func(x, dy *tensor.Tensor, size, stride int) *tensor.Tensor { return dy.Reshape(1) }
	out = captureOutput(func() { res = CheckMaxPool2DBackward(crash) })
	if res.OK() || !strings.Contains(out, "panicked") || !strings.Contains(out, "Reshape") {
		t.Fatalf("a panic in student code must become a FAIL line:\n%s", out)
	}

	out = captureOutput(func() {
		res = allowingLibrary(func() *CheckResult { return CheckMaxPool2DBackward(MaxPool2DBackward) })
	})
	if !res.OK() || strings.Count(out, "PASS: relative error") != 2 {
		t.Fatalf("the reference must pass:\n%s", out)
	}
}
