package scratch_test

import (
	"fmt"

	"github.com/godl-course/godl/nn/scratch"
	"github.com/godl-course/godl/tensor"
)

// The exercise as a notebook gives it: the body of the backward pass is a TODO, and the check
// says what is wrong and where.
func ExampleCheckLinearBackward() {
	myLinearBackward := func(x, w, dy *tensor.Tensor) (dx, dw, db *tensor.Tensor) {
		dx, dw, db = x.ZerosLike(), w.ZerosLike(), tensor.Zeros(w.Shape[1])
		// TODO: ∂L/∂x = Δy·Wᵀ, ∂L/∂W = xᵀ·Δy, ∂L/∂b = Σ_n Δy_n
		return
	}
	scratch.CheckLinearBackward(myLinearBackward)
	// Output:
	// Linear backward: y = x·W + b, x [3 4], W [4 5]
	//   ∂L/∂x: FAIL: relative error 1 (threshold 1e-7), worst entry at [2 1]: analytic 0, numeric 4.08319
	//   ∂L/∂W: FAIL: relative error 1 (threshold 1e-7), worst entry at [1 2]: analytic 0, numeric 4.30697
	//   ∂L/∂b: FAIL: relative error 1 (threshold 1e-7), worst entry at [3]: analytic 0, numeric 2.8629
	// FAIL: fix the gradients marked FAIL above
}

// Once the body is written, every line says PASS.
func ExampleCheckConv2DBackward() {
	myConvBackward := func(x, w, dy *tensor.Tensor, stride, padding int) (dx, dw, db *tensor.Tensor) {
		// ∂L/∂W_{k,l,c,o} = Σ_n Σ_i Σ_j x_{n,i·s+k−p,j·s+l−p,c} Δy_{n,i,j,o}, and so on:
		// here the package's own implementation stands in for the student's.
		return scratch.Conv2DBackward(x, w, dy, stride, padding)
	}
	res := scratch.CheckConv2DBackward(myConvBackward)
	fmt.Println("all correct:", res.OK())
}

// The chain-rule slide: every node of the graph has its value and its gradient.
func ExampleValue() {
	a := scratch.NewValue(2).Named("a")
	b := scratch.NewValue(-3).Named("b")
	c := scratch.NewValue(10).Named("c")
	f := scratch.NewValue(-2).Named("f")
	L := a.Mul(b).Named("e").Add(c).Named("d").Mul(f).Named("L")
	L.Backward()
	for _, v := range L.Topo() {
		fmt.Println(v)
	}
	// Output:
	// Value(a: data=2 grad=6)
	// Value(b: data=-3 grad=-4)
	// Value(e = *: data=-6 grad=-2)
	// Value(c: data=10 grad=-2)
	// Value(d = +: data=4 grad=-2)
	// Value(f: data=-2 grad=4)
	// Value(L = *: data=-8 grad=1)
}

// An MLP learns XOR with the hand-written forward-backward algorithm.
func ExampleFit() {
	x, labels := scratch.XOR()
	rng := tensor.NewRand(1)
	model := scratch.Sequential(scratch.Linear(2, 8, rng), scratch.Tanh(), scratch.Linear(8, 2, rng))
	losses := scratch.Fit(model, x, labels, 1000, 0.5)
	fmt.Printf("loss %.2f → %.3f, accuracy %.0f%%\n", losses[0], losses[len(losses)-1],
		100*scratch.Accuracy(model.Forward(x), labels))
	// Output:
	// loss 0.70 → 0.002, accuracy 100%
}

// GradCheck works on any function: here f(x) = Σ x³ whose gradient is 3x².
func ExampleGradCheck() {
	x := tensor.New([]float64{1, -2, 0.5}, 3)
	cube := func(x *tensor.Tensor) float64 {
		s := 0.0
		for _, v := range x.Data {
			s += v * v * v
		}
		return s
	}
	wrong := tensor.New([]float64{3, 12, 0.5}, 3) // 3x² would give 0.75 for the last entry
	fmt.Println(scratch.GradCheck(cube, x, wrong))
	// Output:
	// FAIL: relative error 0.01 (threshold 1e-7), worst entry at [2]: analytic 0.5, numeric 0.75
}
