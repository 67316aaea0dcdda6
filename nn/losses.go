package nn

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
)

// Loss measures how far the model's output is from the target; training minimizes it.
// It returns a scalar (the mean over the batch).
type Loss interface {
	// Loss builds the scalar loss of the batch. target is either class labels (int32, shape
	// (batch,)) or dense targets (float32) with the same shape as output.
	Loss(output, target *Node) *Node
	String() string
}

type lossFunc struct {
	name string
	fn   func(output, target *Node) *Node
}

func (l *lossFunc) Loss(output, target *Node) *Node { return l.fn(output, target) }
func (l *lossFunc) String() string                  { return l.name }

// NewLoss makes a Loss from a function that builds a scalar from (output, target).
func NewLoss(name string, fn func(output, target *Node) *Node) Loss { return &lossFunc{name, fn} }

var (
	// MSE is the mean squared error: L = (1/n) Σ_i (y_i − t_i)².
	MSE Loss = &lossFunc{"MSE", mseLoss}

	// L1 is the mean absolute error: L = (1/n) Σ_i |y_i − t_i|.
	L1 Loss = &lossFunc{"L1", l1Loss}

	// CrossEntropy is the softmax cross-entropy of a classifier: with logits z (the last layer's
	// outputs, no Softmax layer) and the true class k, L = −log softmax(z)_k
	// = −z_k + log Σ_j e^{z_j}, averaged over the batch. Targets are class labels (batch,)
	// or probability vectors (batch, classes). With a single output unit it is
	// BinaryCrossEntropy.
	CrossEntropy Loss = &lossFunc{"CrossEntropy", crossEntropyLoss}

	// BinaryCrossEntropy takes logits z and targets t ∈ {0,1} (or in [0,1]):
	// L = −[t log σ(z) + (1−t) log(1−σ(z))], computed in the stable form
	// max(z,0) − z·t + log(1 + e^{−|z|}), averaged over all elements.
	BinaryCrossEntropy Loss = &lossFunc{"BinaryCrossEntropy", bceLoss}

	// Dice is the segmentation loss 1 − Dice with p = σ(z) from the logits z:
	// L = 1 − (2 Σ p·t + 1)/(Σ p + Σ t + 1), computed over the whole batch (the +1 avoids 0/0
	// on empty masks).
	Dice Loss = &lossFunc{"Dice", diceLoss}

	// Hinge is the multi-class hinge loss of a linear SVM (Weston & Watkins 1999): with the
	// scores z (the last layer's outputs, shape (batch, classes)) and the true class y, every
	// other class j that scores within a margin of 1 of the true one costs its violation,
	//
	//	L = Σ_{j≠y} max(0, 1 + z_j − z_y),
	//
	// averaged over the batch. It is 0 once the true class beats every other by at least 1;
	// its gradient is +1 on each violating z_j and −(number of violators) on z_y. Targets are
	// class labels (batch,). A linear SVM is one Dense layer trained with Hinge plus the L2
	// penalty (λ/2)‖W‖² on its weights (the penalty is not part of this loss).
	Hinge Loss = &lossFunc{"Hinge", hingeLoss}
)

func sameShape(name string, output, target *Node) {
	if target.DType() != dtypes.Float32 {
		failf("nn: loss %s needs float targets with the output's shape %s, got %s targets of shape %s (class labels go with CrossEntropy)",
			name, shapeString(output.Shape()), target.DType(), shapeString(target.Shape()))
	}
	if !output.Shape().Equal(target.Shape()) {
		failf("nn: loss %s: the model's output shape %s does not match the target shape %s",
			name, shapeString(output.Shape()), shapeString(target.Shape()))
	}
}

func mseLoss(output, target *Node) *Node {
	sameShape("MSE", output, target)
	return graph.ReduceAllMean(graph.Square(graph.Sub(output, target)))
}

func l1Loss(output, target *Node) *Node {
	sameShape("L1", output, target)
	return graph.ReduceAllMean(graph.Abs(graph.Sub(output, target)))
}

func crossEntropyLoss(output, target *Node) *Node {
	if output.Rank() != 2 {
		failf("nn: loss CrossEntropy expects the model's output to be logits of shape (batch, classes), got %s",
			shapeString(output.Shape()))
	}
	classes := output.Shape().Dimensions[1]
	if classes == 1 {
		return bceLoss(output, labelsAsFloat(output, target))
	}
	var probs *Node
	if target.DType().IsInt() {
		if target.Rank() != 1 || target.Shape().Dimensions[0] != output.Shape().Dimensions[0] {
			failf("nn: loss CrossEntropy: labels of shape %s do not match the output shape %s",
				shapeString(target.Shape()), shapeString(output.Shape()))
		}
		probs = graph.OneHot(target, classes, dtypes.Float32)
	} else {
		sameShape("CrossEntropy", output, target)
		probs = target
	}
	logP := graph.LogSoftmax(output, -1)
	perExample := graph.Neg(graph.ReduceSum(graph.Mul(probs, logP), -1))
	return graph.ReduceAllMean(perExample)
}

// labelsAsFloat turns int labels (batch,) into float targets (batch, 1) for one output unit.
func labelsAsFloat(output, target *Node) *Node {
	if target.DType().IsInt() {
		if target.Rank() != 1 {
			failf("labels should have shape (batch,), got %s", shapeString(target.Shape()))
		}
		return graph.Reshape(graph.ConvertDType(target, dtypes.Float32), -1, 1)
	}
	return target
}

func bceLoss(output, target *Node) *Node {
	target = labelsAsFloat(output, target)
	sameShape("BinaryCrossEntropy", output, target)
	z := output
	l := graph.Add(graph.Sub(graph.Max(z, graph.ZerosLike(z)), graph.Mul(z, target)),
		graph.Log1p(graph.Exp(graph.Neg(graph.Abs(z)))))
	return graph.ReduceAllMean(l)
}

func diceLoss(output, target *Node) *Node {
	target = labelsAsFloat(output, target)
	sameShape("Dice", output, target)
	p := graph.Logistic(output)
	inter := graph.ReduceAllSum(graph.Mul(p, target))
	sum := graph.Add(graph.ReduceAllSum(p), graph.ReduceAllSum(target))
	dice := graph.Div(graph.AddScalar(graph.MulScalar(inter, 2), 1), graph.AddScalar(sum, 1))
	return graph.OneMinus(dice)
}

func hingeLoss(output, target *Node) *Node {
	if output.Rank() != 2 || output.Shape().Dimensions[1] < 2 {
		failf("nn: loss Hinge expects the model's output to be the scores of shape (batch, classes), with 2 classes or more, got %s",
			shapeString(output.Shape()))
	}
	if !target.DType().IsInt() || target.Rank() != 1 || target.Shape().Dimensions[0] != output.Shape().Dimensions[0] {
		failf("nn: loss Hinge needs class labels of shape (%d,) for the output shape %s, got %s targets of shape %s",
			output.Shape().Dimensions[0], shapeString(output.Shape()), target.DType(), shapeString(target.Shape()))
	}
	oneHot := graph.OneHot(target, output.Shape().Dimensions[1], output.DType())
	trueScore := graph.ReduceAndKeep(graph.Mul(output, oneHot), graph.ReduceSum, -1) // z_y, shape (batch, 1)
	margins := graph.Max(graph.AddScalar(graph.Sub(output, trueScore), 1), graph.ZerosLike(output))
	margins = graph.Mul(margins, graph.OneMinus(oneHot)) // j = y does not count (its term would be 1)
	return graph.ReduceAllMean(graph.ReduceSum(margins, -1))
}

// isCustomLoss reports whether l was made by the student (NewLoss) rather than being one of
// nn's losses, which all need targets.
func isCustomLoss(l Loss) bool {
	switch l {
	case MSE, L1, CrossEntropy, BinaryCrossEntropy, Dice, Hinge:
		return false
	}
	return l != nil
}
