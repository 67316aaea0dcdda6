package scratch

import (
	"fmt"
	"io"
	"os"

	"github.com/godl-course/godl/internal/calls"
	"github.com/godl-course/godl/tensor"
)

// Output is where the Check functions print their result; nil means os.Stdout (in a notebook,
// the cell's output). Set it to io.Discard to only use the returned result.
var Output io.Writer

// printResult prints res to Output.
func printResult(res *CheckResult) {
	w := Output
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprint(w, res)
}

// The exercises: write the backward pass of a layer as a function with one of these signatures,
// then pass it to the matching Check function. The check computes the numerical gradients of
// L = Σ y·Δy with the reference forward pass, and prints PASS or FAIL for each gradient.
type (
	// LinearBackwardFunc returns ∂L/∂x [N, In], ∂L/∂W [In, Out], ∂L/∂b [Out] for y = x·W + b
	// given x [N, In], W [In, Out] and Δy [N, Out].
	LinearBackwardFunc func(x, w, dy *tensor.Tensor) (dx, dw, db *tensor.Tensor)

	// Conv2DBackwardFunc returns ∂L/∂x [N, H, W, Cin], ∂L/∂W [KH, KW, Cin, Cout], ∂L/∂b [Cout] for
	// the convolution of [Conv2DForward], given x, W, Δy [N, Ho, Wo, Cout], stride and padding.
	Conv2DBackwardFunc func(x, w, dy *tensor.Tensor, stride, padding int) (dx, dw, db *tensor.Tensor)

	// MaxPool2DBackwardFunc returns ∂L/∂x [N, H, W, C] for the max pooling of [MaxPool2DForward]
	// given x, Δy [N, Ho, Wo, C], the window size and the stride.
	MaxPool2DBackwardFunc func(x, dy *tensor.Tensor, size, stride int) (dx *tensor.Tensor)
)

// CheckLinearBackward checks your backward pass of the Linear layer y = x·W + b, e.g.
//
//	func myLinearBackward(x, w, dy *tensor.Tensor) (dx, dw, db *tensor.Tensor) {
//		dx, dw, db = x.ZerosLike(), w.ZerosLike(), tensor.Zeros(w.Shape[1])
//		// TODO: ∂L/∂x = Δy·Wᵀ, ∂L/∂W = xᵀ·Δy, ∂L/∂b = Σ_n Δy_n
//		return
//	}
//
//	scratch.CheckLinearBackward(myLinearBackward)
//
// It prints one PASS/FAIL line per gradient to [Output] and returns the result.
func CheckLinearBackward(impl LinearBackwardFunc) *CheckResult {
	res := &CheckResult{Title: "Linear backward: y = x·W + b, x [3 4], W [4 5]"}
	rng := tensor.NewRand(1)
	x, w, b := tensor.RandN(rng, 1, 3, 4), tensor.RandN(rng, 1, 4, 5), tensor.RandN(rng, 1, 5)
	dy := tensor.RandN(rng, 1, 3, 5)
	loss := func(*tensor.Tensor) float64 { return dot(LinearForward(x, w, b), dy) }
	func() {
		defer recoverInto(res, "backward")
		defer usesLibrary(res, "LinearBackward")()
		dx, dw, db := impl(x.Clone(), w.Clone(), dy.Clone())
		var g GradChecker
		res.add(g.Check("∂L/∂x", loss, x, dx))
		res.add(g.Check("∂L/∂W", loss, w, dw))
		res.add(g.Check("∂L/∂b", loss, b, db))
	}()
	printResult(res)
	return res
}

// CheckConv2DBackward checks your backward pass of the 2-D convolution (see [Conv2DForward] for
// the shapes), first with stride 1 and no padding (the lecture's formula), then with stride 2 and
// padding 1. The weight gradient is the lecture's ∂L/∂w_{k,l} = Σ_i Σ_j x_{i+k,j+l} Δy_{i,j}.
//
//	func myConvBackward(x, w, dy *tensor.Tensor, stride, padding int) (dx, dw, db *tensor.Tensor) {
//		dx, dw, db = x.ZerosLike(), w.ZerosLike(), tensor.Zeros(w.Shape[3])
//		// TODO
//		return
//	}
//
//	scratch.CheckConv2DBackward(myConvBackward)
func CheckConv2DBackward(impl Conv2DBackwardFunc) *CheckResult {
	res := &CheckResult{Title: "Conv2D backward: x [2 5 5 2], kernel [3 3 2 3]"}
	rng := tensor.NewRand(2)
	for _, cfg := range []struct{ stride, padding int }{{1, 0}, {2, 1}} {
		x, w, b := tensor.RandN(rng, 1, 2, 5, 5, 2), tensor.RandN(rng, 1, 3, 3, 2, 3), tensor.RandN(rng, 1, 3)
		y := Conv2DForward(x, w, b, cfg.stride, cfg.padding)
		dy := tensor.RandN(rng, 1, y.Shape...)
		loss := func(*tensor.Tensor) float64 { return dot(Conv2DForward(x, w, b, cfg.stride, cfg.padding), dy) }
		prefix := fmt.Sprintf("stride %d, padding %d, ", cfg.stride, cfg.padding)
		func() {
			defer recoverInto(res, "backward")
			defer usesLibrary(res, "Conv2DBackward")()
			dx, dw, db := impl(x.Clone(), w.Clone(), dy.Clone(), cfg.stride, cfg.padding)
			var g GradChecker
			res.add(g.Check(prefix+"∂L/∂x", loss, x, dx))
			res.add(g.Check(prefix+"∂L/∂W", loss, w, dw))
			res.add(g.Check(prefix+"∂L/∂b", loss, b, db))
		}()
	}
	printResult(res)
	return res
}

// CheckMaxPool2DBackward checks your backward pass of max pooling: the gradient goes to the
// position of the max of each window, zero elsewhere. It checks 2×2 windows with stride 2, then
// overlapping 3×3 windows with stride 2 (where one input can receive the gradient of two windows).
//
//	func myMaxPoolBackward(x, dy *tensor.Tensor, size, stride int) *tensor.Tensor {
//		dx := x.ZerosLike()
//		// TODO
//		return dx
//	}
//
//	scratch.CheckMaxPool2DBackward(myMaxPoolBackward)
func CheckMaxPool2DBackward(impl MaxPool2DBackwardFunc) *CheckResult {
	res := &CheckResult{Title: "MaxPool2D backward: x [2 6 6 2]"}
	rng := tensor.NewRand(3)
	for _, cfg := range []struct{ size, stride int }{{2, 2}, {3, 2}} {
		x := distinctValues(rng, 2, 6, 6, 2)
		y := MaxPool2DForward(x, cfg.size, cfg.stride)
		dy := tensor.RandN(rng, 1, y.Shape...)
		loss := func(*tensor.Tensor) float64 { return dot(MaxPool2DForward(x, cfg.size, cfg.stride), dy) }
		name := fmt.Sprintf("window %d×%d, stride %d, ∂L/∂x", cfg.size, cfg.size, cfg.stride)
		func() {
			defer recoverInto(res, "backward")
			defer usesLibrary(res, "MaxPool2DBackward")()
			dx := impl(x.Clone(), dy.Clone(), cfg.size, cfg.stride)
			res.add(GradChecker{}.Check(name, loss, x, dx))
		}()
	}
	printResult(res)
	return res
}

// distinctValues returns a tensor holding a random permutation of 0, 0.1, 0.2, ...: no two values
// are within the finite-difference step of each other, so the max of each window is unambiguous.
func distinctValues(rng interface{ Perm(int) []int }, shape ...int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	for i, p := range rng.Perm(t.Size()) {
		t.Data[i] = 0.1 * float64(p)
	}
	return t
}

// Calls returns how many times the function name of this package (e.g. "Conv2DForward") has run
// in this program (a notebook cell). Exercise checks use it to tell a function that calls the
// library's own implementation from one that computes the result itself.
func Calls(name string) int64 { return calls.N("scratch." + name) }

// libraryAllowed turns off usesLibrary: the package's tests check the Check functions with the
// library's own implementations.
var libraryAllowed bool

// usesLibrary returns a function that, deferred, adds a FAIL report to res when the library's own
// name ran in between: the exercise is to write it, not to call it.
func usesLibrary(res *CheckResult, name string) func() {
	before := Calls(name)
	return func() {
		if Calls(name) > before && !libraryAllowed && res.ownCodeProblem() == "" {
			res.fail("own code", fmt.Sprintf("this calls scratch.%s, the library's own implementation: write the loops yourself", name))
		}
	}
}
