package nn_test

import (
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/godl-course/godl/nn"
)

// The reference for a hand-written Backward: a Dense layer y = x·W + b run forward and backward
// by GoMLX, for the upstream gradient Δy.
func ExampleLayerGradients() {
	x := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, -1, 0, 2}, 2, 3) // 2 examples, 3 features
	w := tensors.FromFlatDataAndDimensions([]float32{1, 0, 0, 1, 2, -1}, 3, 2) // W: (3, 2)
	dy := tensors.FromFlatDataAndDimensions([]float32{1, 2, -1, 3}, 2, 2)      // Δy = ∂L/∂y: (2, 2)
	g, err := nn.LayerGradients(nn.Dense(2), x, map[string]*tensors.Tensor{"weights": w}, dy)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("y      =", tensors.MustCopyFlatData[float32](g.Y))                   // x·W + b (b starts at 0)
	fmt.Println("∂L/∂x  =", tensors.MustCopyFlatData[float32](g.DX))                  // Δy·Wᵀ
	fmt.Println("∂L/∂W  =", tensors.MustCopyFlatData[float32](g.DWeights["weights"])) // xᵀ·Δy
	fmt.Println("∂L/∂b  =", tensors.MustCopyFlatData[float32](g.DWeights["bias"]))    // Σ_n Δy_n
	// Output:
	// y      = [7 -1 3 -2]
	// ∂L/∂x  = [1 2 0 -1 3 -5]
	// ∂L/∂W  = [2 -1 2 4 1 12]
	// ∂L/∂b  = [0 5]
}
