// Package scratch implements neural network layers by hand, in plain Go on slices, so that the
// forward-backward algorithm of the lecture can be read, run and checked line by line.
//
// Nothing here is fast and nothing here uses GoMLX: package nn is what you train real models
// with. This package is about how it works.
//
// The pieces:
//
//   - Tensors are the course's one array type, [tensor.Tensor]: a shape and a flat []float64 in
//     row-major order (package tensor), the same that nn returns and viz draws.
//   - Layers with explicit Forward and Backward, written next to the lecture's equations:
//     [Linear], [Conv2D] (stride and padding), [MaxPool2D], [ReLU], [Sigmoid], [Tanh],
//     [BatchNorm] (each returns its *…Layer type, as in nn) and the loss [SoftmaxCrossEntropy].
//     Backward returns the gradient with respect to the layer's input and stores the gradients
//     of the parameters in [Param.Grad].
//   - [Sequential] (a [Model]), [SGD] and [Fit]: a training loop that fits on one screen; [XOR]
//     is the classic data set that a linear model cannot learn and a small MLP can. The names
//     mirror nn's: nn.Sequential / scratch.Sequential, nn.SGD(lr) / scratch.SGD(lr).
//   - [GradCheck]: numerical gradients by central differences compared with the analytic ones,
//     reported as PASS/FAIL with the relative error and the worst entry. [CheckLayer] runs it on
//     any [Layer]; [CheckLinearBackward], [CheckConv2DBackward] and [CheckMaxPool2DBackward] are
//     the exercises: write the backward pass yourself, then run the check.
//   - [Value]: a scalar automatic differentiation (the micrograd idea) that records the
//     computation graph, so the chain rule can be drawn with the value and gradient of each node.
//
// Shapes follow the rest of the course: a batch of vectors is [N, features], a batch of images is
// [N, H, W, C] (channels last), convolution kernels are [KH, KW, Cin, Cout].
//
// Layers report misuse (a wrong shape, Backward before Forward) by panicking with a message that
// names the layer, the shapes and the fix; the check functions turn such panics in student code
// into a FAIL line instead of a crash.
package scratch
