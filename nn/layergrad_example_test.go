package nn_test

import (
	"fmt"

	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/tensor"
)

// The reference for a hand-written Backward: a Dense layer y = x·W + b run forward and backward
// by GoMLX, for the upstream gradient Δy.
func ExampleLayerGradients() {
	x := tensor.New([]float64{1, 2, 3, -1, 0, 2}, 2, 3) // 2 examples, 3 features
	w := tensor.New([]float64{1, 0, 0, 1, 2, -1}, 3, 2) // W: (3, 2)
	dy := tensor.New([]float64{1, 2, -1, 3}, 2, 2)      // Δy = ∂L/∂y: (2, 2)
	g, err := nn.LayerGradients(nn.Dense(2), x, map[string]*tensor.Tensor{"weights": w}, dy)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("y      =", g.Y.Data)                   // x·W + b (b starts at 0)
	fmt.Println("∂L/∂x  =", g.DX.Data)                  // Δy·Wᵀ
	fmt.Println("∂L/∂W  =", g.DWeights["weights"].Data) // xᵀ·Δy
	fmt.Println("∂L/∂b  =", g.DWeights["bias"].Data)    // Σ_n Δy_n
	// Output:
	// y      = [7 -1 3 -2]
	// ∂L/∂x  = [1 2 0 -1 3 -5]
	// ∂L/∂W  = [2 -1 2 4 1 12]
	// ∂L/∂b  = [0 5]
}
