package scratch

import (
	"fmt"

	"github.com/godl-course/godl/tensor"
)

// XOR returns the four points of the XOR problem, x [4, 2], and their classes: 1 when exactly
// one coordinate is 1. No straight line separates the classes, so a linear model cannot learn
// it, while one hidden layer with a non-linear activation can.
func XOR() (x *tensor.Tensor, labels []int) {
	return tensor.New([]float64{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2), []int{0, 1, 1, 0}
}

// Fit trains model to classify x with the given labels by full-batch gradient descent on the
// softmax cross-entropy, and returns the loss of each epoch. The model's output must be the
// logits [N, classes]. Its body is the whole forward-backward algorithm, in four numbered steps.
func Fit(model Layer, x *tensor.Tensor, labels []int, epochs int, lr float64) (losses []float64) {
	if epochs < 0 {
		panic(fmt.Sprintf("scratch.Fit: epochs = %d, must be 0 or more", epochs))
	}
	var loss SoftmaxCrossEntropy
	opt := SGD(lr)
	for range epochs {
		logits := model.Forward(x)        // 1. forward pass: data → prediction
		l := loss.Forward(logits, labels) //    ... → loss
		model.Backward(loss.Backward())   // 2. output differential Δy, 3. partial derivatives
		opt.Step(model.Params())          // 4. update: θ ← θ − α ∂L/∂θ
		losses = append(losses, l)
	}
	return losses
}
