package nn_test

import (
	"fmt"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
)

// A two-layer network learns the 2-D spiral.
func Example() {
	train := datasets.Spiral(100, 3, 0.1, 7) // 300 points, 3 classes
	model := nn.Sequential(nn.Dense(64), nn.ReLU(), nn.Dense(64), nn.ReLU(), nn.Dense(3))
	hist, err := model.Fit(train).Epochs(100).BatchSize(32).Optimizer(nn.Adam(0.01)).Progress(false).Done()
	if err != nil {
		fmt.Println(err)
		return
	}
	res, _ := model.Evaluate(train)
	fmt.Println("epochs:", len(hist.Epochs))
	fmt.Println("accuracy above 95%:", res.Accuracy > 0.95)
	fmt.Print(model.Summary())
	// Output:
	// epochs: 100
	// accuracy above 95%: true
	// Input: (N, 2)
	// Layer    Type       Output shape  Params
	// ────────────────────────────────────────
	// dense_1  Dense(64)  (N, 64)          192
	// relu_1   ReLU()     (N, 64)            0
	// dense_2  Dense(64)  (N, 64)         4160
	// relu_2   ReLU()     (N, 64)            0
	// dense_3  Dense(3)   (N, 3)           195
	// ────────────────────────────────────────
	// Trainable parameters:     4547
	// Non-trainable parameters: 0
	// Total parameters:         4547
}
