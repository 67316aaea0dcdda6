package nn

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/internal/calls"
	"github.com/godl-course/godl/tensor"
)

// Box is an axis-aligned box in pixel coordinates (x to the right, y down, from the image's
// top-left corner): (X1, Y1) its top-left and (X2, Y2) its bottom-right corner, on pixel edges
// (width X2 − X1), with a class id and a detector's score (0 for ground truth). It is
// datasets.Box: the data sets give ground-truth boxes, nn compares and filters them.
type Box = datasets.Box

// BoxIoU is the intersection over union of two boxes,
//
//	IoU(A, B) = area(A ∩ B) / area(A ∪ B),  area(A ∪ B) = area(A) + area(B) − area(A ∩ B),
//
// where A ∩ B is the box from (max(x1), max(y1)) to (min(x2), min(y2)), of area 0 when that
// width or height is negative (the boxes do not overlap). 1 for identical boxes, 0 for disjoint
// ones; classes and scores are ignored. An invalid box (corners in the wrong order, empty, not a
// number) is an error that says which.
func BoxIoU(a, b Box) (float64, error) {
	calls.Count("nn.BoxIoU")
	for k, x := range []Box{a, b} {
		if err := x.Check(); err != nil {
			return math.NaN(), fmt.Errorf("nn.BoxIoU: box %d: %w", k+1, err)
		}
	}
	return boxIoU(a, b), nil
}

// boxIoU is BoxIoU on valid boxes, not counted as a call of the library's function.
func boxIoU(a, b Box) float64 {
	w := max(0, min(a.X2, b.X2)-max(a.X1, b.X1))
	h := max(0, min(a.Y2, b.Y2)-max(a.Y1, b.Y1))
	inter := w * h
	union := a.Area() + b.Area() - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

// checkBoxes checks a list of boxes; what names them in the message (e.g. "nn.NMS").
func checkBoxes(what string, boxes []Box) error {
	for k, b := range boxes {
		if err := b.Check(); err != nil {
			return fmt.Errorf("%s: box %d: %w", what, k, err)
		}
	}
	return nil
}

// checkThreshold checks an IoU threshold: a number in [0, 1] for NMS, in (0, 1] for matching
// (a match needs some overlap).
func checkThreshold(what string, t float64) error {
	if !(t >= 0 && t <= 1) {
		return fmt.Errorf("%s: IoU threshold %v is not in [0, 1] (0.5 is the usual value)", what, t)
	}
	return nil
}

func checkMatchThreshold(what string, t float64) error {
	if !(t > 0 && t <= 1) {
		return fmt.Errorf("%s: IoU threshold %v is not in (0, 1]: a detection matches an object when their IoU is at least the threshold, usually 0.5", what, t)
	}
	return nil
}

// byScore returns the indices of boxes in the order of decreasing score (ties: in their order).
func byScore(boxes []Box) []int {
	idx := make([]int, len(boxes))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int { return cmp.Compare(boxes[j].Score, boxes[i].Score) })
	return idx
}

// NMS is greedy non-maximum suppression, class by class: the boxes are taken in the order of
// decreasing score; a box is kept unless it overlaps a box of its class kept before by
// BoxIoU > iouThreshold (a duplicate detection of the same object), in which case it is
// suppressed. Boxes of different classes never suppress each other. It returns the kept boxes,
// highest score first (ties in their order in boxes); no boxes give none.
func NMS(boxes []Box, iouThreshold float64) ([]Box, error) {
	calls.Count("nn.NMS")
	if err := checkBoxes("nn.NMS", boxes); err != nil {
		return nil, err
	}
	if err := checkThreshold("nn.NMS", iouThreshold); err != nil {
		return nil, err
	}
	return nms(boxes, iouThreshold), nil
}

func nms(boxes []Box, iouThreshold float64) []Box {
	kept := []Box{}
	for _, i := range byScore(boxes) {
		b := boxes[i]
		keep := true
		for _, k := range kept {
			if k.Class == b.Class && boxIoU(k, b) > iouThreshold {
				keep = false
				break
			}
		}
		if keep {
			kept = append(kept, b)
		}
	}
	return kept
}

// MatchBoxes matches the predicted boxes of one image to its ground-truth boxes, as the
// detection benchmarks do: predictions are taken in the order of decreasing score, and each is
// matched to the not yet matched ground-truth box of its class with which it has the highest
// BoxIoU, when that IoU is at least iouThreshold. match[i] is the index in truth of the box that
// pred[i] matched (a true positive), or −1 (a false positive: a wrong class, a bad box, or a
// second detection of an object already found). The ground-truth boxes that no prediction
// matched are the missed objects (false negatives).
func MatchBoxes(pred, truth []Box, iouThreshold float64) (match []int, err error) {
	if err := checkBoxes("nn.MatchBoxes: predicted boxes", pred); err != nil {
		return nil, err
	}
	if err := checkBoxes("nn.MatchBoxes: ground-truth boxes", truth); err != nil {
		return nil, err
	}
	if err := checkMatchThreshold("nn.MatchBoxes", iouThreshold); err != nil {
		return nil, err
	}
	return matchBoxes(pred, truth, iouThreshold), nil
}

func matchBoxes(pred, truth []Box, iouThreshold float64) []int {
	match := make([]int, len(pred))
	taken := make([]bool, len(truth))
	for _, i := range byScore(pred) {
		match[i] = -1
		best := iouThreshold
		for j, t := range truth {
			if taken[j] || t.Class != pred[i].Class {
				continue
			}
			if iou := boxIoU(pred[i], t); iou >= best {
				best, match[i] = iou, j
			}
		}
		if match[i] >= 0 {
			taken[match[i]] = true
		}
	}
	return match
}

// PRCurve is the precision-recall curve of one class's detections over a set of images, from
// [PrecisionRecall]: after the k highest-scoring detections (k = 1, 2, ...),
//
//	Precision[k−1] = TP_k / k,   Recall[k−1] = TP_k / Truths,
//
// TP_k the number of true positives among them (see [MatchBoxes]). Scores are the detections'
// scores in that order, TP whether each is a true positive. AP is the area under the curve made
// monotone (see [AveragePrecision]).
type PRCurve struct {
	Class             int
	Precision, Recall []float64
	Scores            []float64
	TP                []bool
	Truths            int // ground-truth boxes of the class
	AP                float64
}

// checkImages checks that pred and truth hold one list of valid boxes per image.
func checkImages(what string, pred, truth [][]Box, iouThreshold float64) error {
	if len(pred) != len(truth) {
		return fmt.Errorf("%s: predictions for %d images but ground truth for %d: give one list of boxes per image in both, in the same order (an image without boxes: an empty list)", what, len(pred), len(truth))
	}
	for i := range pred {
		if err := checkBoxes(fmt.Sprintf("%s: predictions of image %d", what, i), pred[i]); err != nil {
			return err
		}
		if err := checkBoxes(fmt.Sprintf("%s: ground truth of image %d", what, i), truth[i]); err != nil {
			return err
		}
	}
	return checkMatchThreshold(what, iouThreshold)
}

// PrecisionRecall returns the precision-recall curve of the detections of class over all
// images: pred[i] and truth[i] are the predicted and ground-truth boxes of image i (predictions
// with scores, after NMS), matched by [MatchBoxes] at iouThreshold (0.5 for "mAP@0.5").
// An error when the class has no ground-truth box (its recall is undefined).
func PrecisionRecall(pred, truth [][]Box, class int, iouThreshold float64) (PRCurve, error) {
	if err := checkImages("nn.PrecisionRecall", pred, truth, iouThreshold); err != nil {
		return PRCurve{}, err
	}
	c := prCurve(pred, truth, class, iouThreshold)
	if c.Truths == 0 {
		return c, fmt.Errorf("nn.PrecisionRecall: no ground-truth box of class %d in the %d images: its recall and AP are undefined", class, len(truth))
	}
	return c, nil
}

type scored struct {
	score float64
	tp    bool
}

func prCurve(pred, truth [][]Box, class int, iouThreshold float64) PRCurve {
	c := PRCurve{Class: class}
	var dets []scored
	for i := range pred {
		match := matchBoxes(pred[i], truth[i], iouThreshold)
		for k, b := range pred[i] {
			if b.Class == class {
				dets = append(dets, scored{b.Score, match[k] >= 0})
			}
		}
		for _, t := range truth[i] {
			if t.Class == class {
				c.Truths++
			}
		}
	}
	slices.SortStableFunc(dets, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
	tp := 0
	for k, d := range dets {
		if d.tp {
			tp++
		}
		c.Scores = append(c.Scores, d.score)
		c.TP = append(c.TP, d.tp)
		c.Precision = append(c.Precision, float64(tp)/float64(k+1))
		c.Recall = append(c.Recall, float64(tp)/float64(max(c.Truths, 1)))
	}
	c.AP = allPointAP(c.Precision, c.Recall)
	return c
}

// allPointAP is the area under the interpolated precision-recall curve (PASCAL VOC 2010+):
// Σ_k (r_k − r_{k−1}) · max_{j ≥ k} p_j, r_0 = 0.
func allPointAP(precision, recall []float64) float64 {
	ap, best := 0.0, 0.0
	for k := len(precision) - 1; k >= 0; k-- {
		best = max(best, precision[k])
		prev := 0.0
		if k > 0 {
			prev = recall[k-1]
		}
		ap += (recall[k] - prev) * best
	}
	return ap
}

// AveragePrecision is the AP of class over all images at the IoU threshold: the area under its
// precision-recall curve ([PrecisionRecall]) after the precision is made monotone, each
// precision replaced by the best precision at that recall or higher (all-point interpolation,
// as PASCAL VOC since 2010; COCO samples the same curve at 101 recall values):
//
//	AP = Σ_k (r_k − r_{k−1}) · p_interp(r_k),   p_interp(r) = max_{r' ≥ r} p(r'),   r_0 = 0.
//
// 1 when every object of the class is found before any false positive; a class whose objects
// are never found has AP 0. An error when the class has no ground-truth box.
func AveragePrecision(pred, truth [][]Box, class int, iouThreshold float64) (float64, error) {
	c, err := PrecisionRecall(pred, truth, class, iouThreshold)
	if err != nil {
		return math.NaN(), fmt.Errorf("nn.AveragePrecision: %w", err)
	}
	return c.AP, nil
}

// MeanAP is the mean average precision at the IoU threshold ("mAP@0.5" for 0.5): the mean of
// [AveragePrecision] over the classes that have at least one ground-truth box in truth
// (detections of other classes count for no class). pred[i] and truth[i] are the predicted
// (with scores, after NMS) and the ground-truth boxes of image i. An error when no image has a
// ground-truth box.
func MeanAP(pred, truth [][]Box, iouThreshold float64) (float64, error) {
	aps, err := ClassAPs(pred, truth, iouThreshold)
	if err != nil {
		return math.NaN(), fmt.Errorf("nn.MeanAP: %w", err)
	}
	sum := 0.0
	for _, ap := range aps {
		sum += ap
	}
	return sum / float64(len(aps)), nil
}

// ClassAPs returns the AP of each class that has a ground-truth box in truth, by class id (see
// [MeanAP], their mean).
func ClassAPs(pred, truth [][]Box, iouThreshold float64) (map[int]float64, error) {
	if err := checkImages("nn.ClassAPs", pred, truth, iouThreshold); err != nil {
		return nil, err
	}
	aps := map[int]float64{}
	for _, boxes := range truth {
		for _, b := range boxes {
			if _, ok := aps[b.Class]; !ok {
				aps[b.Class] = prCurve(pred, truth, b.Class, iouThreshold).AP
			}
		}
	}
	if len(aps) == 0 {
		return nil, fmt.Errorf("no ground-truth box in the %d images: there is nothing to detect, and the AP is undefined", len(truth))
	}
	return aps, nil
}

// sigmoid is σ(z) = 1/(1 + e^{−z}).
func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// DecodeGrid turns the outputs of a grid detector into boxes: out has shape (N, S, S, 5 + C) (a
// batch, from Predict) or (S, S, 5 + C) (one image) for images of width × height pixels cut into
// S × S cells of cw × ch pixels. The values of the cell in row i, column j are the logits and
// box values of [datasets.GridTargets]: [o, tx, ty, tw, th, c_1 ... c_C], decoded as
//
//	centre  cx = (j + σ(tx))·cw,   cy = (i + σ(ty))·ch
//	size    w = width·e^{tw},      h = height·e^{th}
//	class   k = argmax_c c_c,      score = σ(o) · softmax(c)_k
//
// (score: the probability that the cell holds an object times that of its class). The box
// (cx ∓ w/2, cy ∓ h/2) is clipped to the image; the cells whose score is below minScore are left
// out. The result holds the boxes of each image (before NMS: neighbouring cells may find the
// same object).
func DecodeGrid(out *tensor.Tensor, width, height int, minScore float64) ([][]Box, error) {
	if out == nil {
		return nil, fmt.Errorf("nn.DecodeGrid: the output tensor is nil: pass model.Predict(images)")
	}
	if out.Rank() == 3 {
		out = out.Reshape(append([]int{1}, out.Shape...)...)
	}
	if out.Rank() != 4 || out.Shape[1] <= 0 || out.Shape[2] <= 0 || out.Shape[3] < 6 {
		return nil, fmt.Errorf("nn.DecodeGrid: output of shape %v: want (N, S, S, 5 + classes), the grid detector's outputs (objectness, x, y, w, h and one logit per class for each cell)", out.Shape)
	}
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("nn.DecodeGrid: image size %d×%d: give the width and height of the images in pixels", width, height)
	}
	if math.IsNaN(minScore) {
		return nil, fmt.Errorf("nn.DecodeGrid: minScore is NaN: give a score in [0, 1], e.g. 0.3")
	}
	n, rows, cols, ch := out.Shape[0], out.Shape[1], out.Shape[2], out.Shape[3]
	cw, chh := float64(width)/float64(cols), float64(height)/float64(rows)
	boxes := make([][]Box, n)
	for b := range n {
		boxes[b] = []Box{}
		for i := range rows {
			for j := range cols {
				v := out.Data[((b*rows+i)*cols+j)*ch : ((b*rows+i)*cols+j+1)*ch]
				k, p := softmaxArgMax(v[5:])
				score := sigmoid(v[0]) * p
				if !(score >= minScore) {
					continue
				}
				cx, cy := (float64(j)+sigmoid(v[1]))*cw, (float64(i)+sigmoid(v[2]))*chh
				w, h := float64(width)*math.Exp(v[3]), float64(height)*math.Exp(v[4])
				box := Box{X1: max(0, cx-w/2), Y1: max(0, cy-h/2), X2: min(float64(width), cx+w/2), Y2: min(float64(height), cy+h/2), Class: k, Score: score}
				if box.Check() == nil { // not empty once clipped, not NaN
					boxes[b] = append(boxes[b], box)
				}
			}
		}
	}
	return boxes, nil
}

// softmaxArgMax returns the index of the largest logit and its softmax probability.
func softmaxArgMax(logits []float64) (int, float64) {
	k := 0
	for c, z := range logits {
		if z > logits[k] {
			k = c
		}
	}
	sum := 0.0
	for _, z := range logits {
		sum += math.Exp(z - logits[k])
	}
	return k, 1 / sum
}

// DetectionLoss is the loss of a single-shot grid detector (YOLO v1 style) with the weights of
// [NewDetectionLoss]: λ_box = 5, λ_noobj = 0.5.
var DetectionLoss = NewDetectionLoss(5, 0.5)

// NewDetectionLoss returns the loss of a single-shot grid detector whose output, shape
// (batch, S, S, 5 + C), holds for each cell [o, tx, ty, tw, th, c_1 ... c_C] (see [DecodeGrid]),
// trained on the targets of datasets.GridTargets, same shape, [t_obj, x, y, w, h, one-hot class]:
//
//	L = (1/B) Σ_images Σ_cells [ (t_obj + λ_noobj (1 − t_obj)) · BCE(o, t_obj)
//	                            + t_obj · ( CE(c, class) + λ_box · ‖(σ(tx), σ(ty), tw, th) − (x, y, w, h)‖² ) ]
//
// with BCE(o, t) = −[t log σ(o) + (1 − t) log(1 − σ(o))] the objectness's binary cross-entropy
// (every cell: is there an object's centre here?), CE(c, k) = −log softmax(c)_k the class's
// softmax cross-entropy and the squared error of the box (the centre's offsets in the cell and
// the log of the size) only where an object is (t_obj = 1). λ_box > 1 makes the boxes count more;
// λ_noobj < 1 keeps the many empty cells from drowning the few with objects. The sums run over
// the cells of an image, the mean over the batch's images.
func NewDetectionLoss(boxWeight, noObjWeight float64) Loss {
	name := fmt.Sprintf("DetectionLoss(box %g, noobj %g)", boxWeight, noObjWeight)
	return &lossFunc{name, func(output, target *Node) *Node {
		return detectionLoss(output, target, boxWeight, noObjWeight)
	}}
}

func detectionLoss(output, target *Node, boxWeight, noObjWeight float64) *Node {
	if output.Rank() != 4 || output.Shape().Dimensions[3] < 6 {
		failf("nn: DetectionLoss: the model's output has shape %s; a grid detector outputs (batch, S, S, 5 + classes): end the model with a convolution or Dense(5 + classes) on an S×S feature map",
			shapeString(output.Shape()))
	}
	if target.DType() != dtypes.Float32 || !output.Shape().Equal(target.Shape()) {
		failf("nn: DetectionLoss: the targets have shape %s (%s) but the model's output %s: train on the grid targets of datasets.GridTargets (datasets.DetectionShapes), with as many cells and classes as the model outputs",
			shapeString(target.Shape()), target.DType(), shapeString(output.Shape()))
	}
	part := func(x *Node, from, to int) *Node { return graph.SliceAxis(x, -1, graph.AxisRange(from, to)) }
	o, tObj := part(output, 0, 1), part(target, 0, 1) // (B, S, S, 1)
	bce := graph.Add(graph.Sub(graph.Max(o, graph.ZerosLike(o)), graph.Mul(o, tObj)), graph.Log1p(graph.Exp(graph.Neg(graph.Abs(o)))))
	weight := graph.Add(tObj, graph.MulScalar(graph.OneMinus(tObj), noObjWeight))
	objLoss := graph.ReduceAllSum(graph.Mul(weight, bce))

	xy := graph.Logistic(part(output, 1, 3))
	boxErr := graph.Add(
		graph.ReduceSum(graph.Square(graph.Sub(xy, part(target, 1, 3))), -1),
		graph.ReduceSum(graph.Square(graph.Sub(part(output, 3, 5), part(target, 3, 5))), -1)) // (B, S, S)
	channels := output.Shape().Dimensions[3]
	logP := graph.LogSoftmax(part(output, 5, channels), -1)
	ce := graph.Neg(graph.ReduceSum(graph.Mul(part(target, 5, channels), logP), -1)) // (B, S, S)
	present := graph.Reshape(tObj, tObj.Shape().Dimensions[:3]...)                   // (B, S, S)
	objCells := graph.ReduceAllSum(graph.Mul(present, graph.Add(ce, graph.MulScalar(boxErr, boxWeight))))

	batch := float64(output.Shape().Dimensions[0])
	return graph.DivScalar(graph.Add(objLoss, objCells), batch)
}

// BoxIoUMetric is the mean over the batch of the IoU of the predicted and the target box, for a
// model that regresses one box per image: output and target of shape (batch, 4), (x1, y1, x2, y2)
// in any unit (relative to the image, for instance). A predicted box with x2 < x1 or y2 < y1
// counts as empty (IoU 0). Name "box_iou".
func BoxIoUMetric() Metric {
	return &metricFunc{"box_iou", func(output, target *Node) *Node {
		if output.Rank() != 2 || output.Shape().Dimensions[1] != 4 {
			failf("nn: BoxIoUMetric: the model's output has shape %s: want (batch, 4), one box (x1, y1, x2, y2) per image", shapeString(output.Shape()))
		}
		sameShape("BoxIoUMetric", output, target)
		col := func(x *Node, k int) *Node { return graph.Reshape(graph.SliceAxis(x, 1, graph.AxisElem(k)), -1) }
		zero := graph.ZerosLike(col(output, 0))
		area := func(x *Node) *Node {
			return graph.Mul(graph.Max(graph.Sub(col(x, 2), col(x, 0)), zero), graph.Max(graph.Sub(col(x, 3), col(x, 1)), zero))
		}
		iw := graph.Max(graph.Sub(graph.Min(col(output, 2), col(target, 2)), graph.Max(col(output, 0), col(target, 0))), zero)
		ih := graph.Max(graph.Sub(graph.Min(col(output, 3), col(target, 3)), graph.Max(col(output, 1), col(target, 1))), zero)
		inter := graph.Mul(iw, ih)
		union := graph.Sub(graph.Add(area(output), area(target)), inter)
		union = graph.Max(union, graph.Scalar(union.Graph(), dtypes.Float32, 1e-12))
		return graph.ReduceAllMean(graph.Div(inter, union))
	}}
}
