package nn

// LeNet returns LeNet-5 (LeCun et al. 1998) for 28×28×1 images, with ReLU and max pooling:
// Conv2D(6, 5×5, same) → ReLU → MaxPool2D(2) → Conv2D(16, 5×5) → ReLU → MaxPool2D(2) →
// Flatten → Dense(120) → ReLU → Dense(84) → ReLU → Dense(classes).
func LeNet(classes int) *Model {
	return Sequential(
		Conv2D(6, 5).SamePadding(), ReLU(), MaxPool2D(2),
		Conv2D(16, 5), ReLU(), MaxPool2D(2),
		Flatten(),
		Dense(120), ReLU(),
		Dense(84), ReLU(),
		Dense(classes),
	)
}
