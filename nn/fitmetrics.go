package nn

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
)

// Metric measures each mini-batch during training and evaluation, next to the loss: Fit records
// it per step and per epoch (History.Metrics and ValMetrics under its name), in the progress bar
// and in viz.LiveCurves; Evaluate reports it. Add metrics with [FitConfig.Metrics]; accuracy is
// always measured for labelled data.
type Metric interface {
	// Metric builds the batch's value (a scalar: the mean over the batch's examples) from the
	// model's output and the targets.
	Metric(output, target *Node) *Node
	// String is the metric's name in the History, e.g. "iou".
	String() string
}

type metricFunc struct {
	name string
	fn   func(output, target *Node) *Node
}

func (m *metricFunc) Metric(output, target *Node) *Node { return m.fn(output, target) }
func (m *metricFunc) String() string                    { return m.name }

// NewMetric makes a Metric from a function that builds the batch's mean value.
func NewMetric(name string, fn func(output, target *Node) *Node) Metric {
	return &metricFunc{name, fn}
}

// IoUMetric is the mean over the batch's examples of the intersection over union of the
// predicted mask P (output logit > 0, i.e. σ(output) > ½) and the target mask T (target > ½):
//
//	IoU = |P ∩ T| / |P ∪ T|   (1 when both are empty),
//
// for segmentation models trained with BinaryCrossEntropy or Dice (logit outputs). Name "iou".
func IoUMetric() Metric {
	return &metricFunc{"iou", func(output, target *Node) *Node {
		inter, union := maskCounts("IoUMetric", output, target)
		return perExampleRatio(inter, union, 1)
	}}
}

// DiceMetric is the mean over the batch's examples of the Dice coefficient of the predicted
// and target masks (thresholded as in [IoUMetric]):
//
//	Dice = 2|P ∩ T| / (|P| + |T|)   (1 when both are empty).
//
// Name "dice".
func DiceMetric() Metric {
	return &metricFunc{"dice", func(output, target *Node) *Node {
		p, t := masks("DiceMetric", output, target)
		inter := graph.ReduceSum(graph.Mul(p, t), axesAfterFirst(p)...)
		sum := graph.Add(graph.ReduceSum(p, axesAfterFirst(p)...), graph.ReduceSum(t, axesAfterFirst(t)...))
		return perExampleRatio(graph.MulScalar(inter, 2), sum, 1)
	}}
}

// PSNRMetric is the mean over the batch's examples of the peak signal-to-noise ratio of the
// output image y against the target image t, in dB, with L the data range (1 for images in
// [0, 1]):
//
//	PSNR = 10 · log10(L² / MSE),  MSE = mean over the example's values of (y − t)².
//
// Identical images count as 100 dB. Name "psnr".
func PSNRMetric(dataRange float64) Metric {
	return &metricFunc{"psnr", func(output, target *Node) *Node {
		sameShape("PSNRMetric", output, target)
		d := graph.Sub(output, target)
		mse := graph.ReduceMean(graph.Square(d), axesAfterFirst(d)...)
		mse = graph.Max(mse, graph.Scalar(d.Graph(), dtypes.Float32, dataRange*dataRange*1e-10)) // ≤ 100 dB
		psnr := graph.MulScalar(graph.Log(graph.Div(graph.Scalar(d.Graph(), dtypes.Float32, dataRange*dataRange), mse)), 10/math.Ln10)
		return graph.ReduceAllMean(psnr)
	}}
}

// MAEMetric is the mean absolute error (1/n) Σ |y − t| over the batch. Name "mae".
func MAEMetric() Metric {
	return &metricFunc{"mae", func(output, target *Node) *Node {
		sameShape("MAEMetric", output, target)
		return graph.ReduceAllMean(graph.Abs(graph.Sub(output, target)))
	}}
}

// masks returns the predicted (logit > 0) and target (> ½) masks as 0/1 float values.
func masks(name string, output, target *Node) (p, t *Node) {
	target = labelsAsFloat(output, target)
	sameShape(name, output, target)
	if output.Rank() < 2 {
		failf("nn: %s needs a batch of masks (batch, ...), got shape %s", name, shapeString(output.Shape()))
	}
	zero := graph.ScalarZero(output.Graph(), output.DType())
	p = graph.ConvertDType(graph.GreaterThan(output, zero), dtypes.Float32)
	t = graph.ConvertDType(graph.GreaterThan(target, graph.Scalar(output.Graph(), target.DType(), 0.5)), dtypes.Float32)
	return p, t
}

// maskCounts returns |P ∩ T| and |P ∪ T| per example.
func maskCounts(name string, output, target *Node) (inter, union *Node) {
	p, t := masks(name, output, target)
	axes := axesAfterFirst(p)
	inter = graph.ReduceSum(graph.Mul(p, t), axes...)
	union = graph.ReduceSum(graph.Max(p, t), axes...)
	return inter, union
}

// perExampleRatio is the batch mean of num/den per example, with `empty` where den is 0.
func perExampleRatio(num, den *Node, empty float64) *Node {
	g := num.Graph()
	zero := graph.ScalarZero(g, den.DType())
	isEmpty := graph.Equal(den, zero)
	safe := graph.Where(isEmpty, graph.OnesLike(den), den)
	ratio := graph.Where(isEmpty, graph.Add(graph.ZerosLike(num), graph.Scalar(g, num.DType(), empty)), graph.Div(num, safe))
	return graph.ReduceAllMean(ratio)
}

// axesAfterFirst lists the axes 1..rank-1 (everything but the batch axis).
func axesAfterFirst(x *Node) []int {
	axes := make([]int, x.Rank()-1)
	for i := range axes {
		axes[i] = i + 1
	}
	return axes
}

// metricNames returns the names of the metrics, checking that they are unique and not "accuracy"
// (which Fit measures by itself for labelled data).
func metricNames(ms []Metric) ([]string, error) {
	var names []string
	for _, m := range ms {
		if m == nil {
			return nil, fmt.Errorf("nn.Fit: a metric is nil")
		}
		n := m.String()
		for _, o := range names {
			if o == n {
				return nil, fmt.Errorf("nn.Fit: metric %q is given twice", n)
			}
		}
		names = append(names, n)
	}
	return names, nil
}
