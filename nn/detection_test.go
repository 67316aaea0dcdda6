package nn

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/stretchr/testify/require"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/tensor"
)

func box(x1, y1, x2, y2 float64, class int, score float64) Box {
	return Box{X1: x1, Y1: y1, X2: x2, Y2: y2, Class: class, Score: score}
}

func TestBoxIoUByHand(t *testing.T) {
	before := Calls("BoxIoU")
	for _, c := range []struct {
		name string
		a, b Box
		want float64
	}{
		// Intersection (2,2)-(4,4): 4; union 16 + 16 − 4 = 28.
		{"overlap", box(0, 0, 4, 4, 0, 0), box(2, 2, 6, 6, 0, 0), 4.0 / 28},
		{"identical", box(1, 2, 5, 9, 0, 0), box(1, 2, 5, 9, 1, 0.3), 1},
		// Contained: 4/16.
		{"contained", box(0, 0, 4, 4, 0, 0), box(1, 1, 3, 3, 0, 0), 0.25},
		// Disjoint on both axes: the "intersection" (3,3)-(2,2) has width and height −1, whose
		// product +1 must not count.
		{"disjoint", box(0, 0, 2, 2, 0, 0), box(3, 3, 5, 5, 0, 0), 0},
		{"touching", box(0, 0, 2, 2, 0, 0), box(2, 0, 4, 2, 0, 0), 0},
		// Overlap in x only.
		{"apart in y", box(0, 0, 4, 2, 0, 0), box(1, 3, 5, 5, 0, 0), 0},
		// Half-overlap of two 2×1 boxes: 1/(2 + 2 − 1).
		{"half", box(0, 0, 2, 1, 0, 0), box(1, 0, 3, 1, 0, 0), 1.0 / 3},
	} {
		got, err := BoxIoU(c.a, c.b)
		require.NoError(t, err, c.name)
		require.InDelta(t, c.want, got, 1e-12, c.name)
		sym, _ := BoxIoU(c.b, c.a)
		require.InDelta(t, got, sym, 1e-12, "symmetric: "+c.name)
	}
	require.Equal(t, int64(14), Calls("BoxIoU")-before, "each call of BoxIoU is counted")
}

func TestBoxErrors(t *testing.T) {
	for _, c := range []struct {
		b    Box
		want string
	}{
		{box(5, 0, 2, 4, 0, 0), "x2 = 2 is left of x1 = 5"},
		{box(0, 5, 2, 4, 0, 0), "y2 = 4 is above y1 = 5"},
		{box(1, 1, 1, 4, 0, 0), "is empty"},
		{box(math.NaN(), 1, 1, 4, 0, 0), "not a finite number"},
		{box(0, 0, 1, 1, -1, 0), "class -1 is negative"},
	} {
		_, err := BoxIoU(box(0, 0, 1, 1, 0, 0), c.b)
		require.ErrorContains(t, err, "nn.BoxIoU: box 2")
		require.ErrorContains(t, err, c.want)
		_, err = NMS([]Box{box(0, 0, 1, 1, 0, 0.5), c.b}, 0.5)
		require.ErrorContains(t, err, "nn.NMS: box 1")
	}
	_, err := NMS(nil, 1.5)
	require.ErrorContains(t, err, "IoU threshold 1.5 is not in [0, 1]")
	_, err = MeanAP([][]Box{{}}, [][]Box{{}, {}}, 0.5)
	require.ErrorContains(t, err, "predictions for 1 images but ground truth for 2")
	_, err = MeanAP([][]Box{{}}, [][]Box{{}}, 0.5)
	require.ErrorContains(t, err, "no ground-truth box")
	_, err = MeanAP([][]Box{{box(3, 0, 1, 1, 0, 0.9)}}, [][]Box{{box(0, 0, 1, 1, 0, 0)}}, 0.5)
	require.ErrorContains(t, err, "predictions of image 0: box 0")
	_, err = MatchBoxes(nil, nil, 0)
	require.ErrorContains(t, err, "not in (0, 1]")
	_, err = AveragePrecision([][]Box{{}}, [][]Box{{box(0, 0, 1, 1, 0, 0)}}, 1, 0.5)
	require.ErrorContains(t, err, "no ground-truth box of class 1")
}

func TestNMSByHand(t *testing.T) {
	before := Calls("NMS")
	a := box(0, 0, 10, 10, 0, 0.9)
	b := box(1, 1, 11, 11, 0, 0.8) // IoU(a, b) = 81/119 = 0.68: a duplicate of a
	c := box(1, 1, 11, 11, 1, 0.7) // same place as b, other class: kept
	d := box(20, 20, 30, 30, 0, 0.95)
	kept, err := NMS([]Box{a, b, c, d}, 0.5)
	require.NoError(t, err)
	require.Equal(t, []Box{d, a, c}, kept, "highest score first, b suppressed by a, c of another class kept")
	// Not sorted by the caller: b has the higher score and suppresses a.
	b.Score = 0.99
	kept, _ = NMS([]Box{a, b}, 0.5)
	require.Equal(t, []Box{b}, kept)
	// IoU above the threshold suppresses, IoU equal to it does not: 0.68 > 0.6, not > 0.7.
	kept, _ = NMS([]Box{a, box(1, 1, 11, 11, 0, 0.5)}, 0.7)
	require.Len(t, kept, 2)
	kept, _ = NMS([]Box{box(0, 0, 2, 1, 0, 0.9), box(1, 0, 3, 1, 0, 0.8)}, 1.0/3)
	require.Len(t, kept, 2, "IoU = threshold: kept")
	kept, err = NMS(nil, 0.5)
	require.NoError(t, err)
	require.Empty(t, kept)
	require.Equal(t, int64(5), Calls("NMS")-before)
}

func TestMatchAndAveragePrecisionByHand(t *testing.T) {
	iouBefore := Calls("BoxIoU")
	truth := [][]Box{
		{box(0, 0, 10, 10, 0, 0), box(20, 20, 30, 30, 0, 0)},
		{box(5, 5, 15, 15, 0, 0), box(0, 0, 8, 8, 1, 0)},
	}
	pred := [][]Box{
		{
			box(1, 0, 11, 10, 0, 0.8),   // IoU 90/110 with the first object, already found: FP
			box(0, 0, 10, 10, 0, 0.9),   // the first object: TP
			box(20, 20, 30, 30, 0, 0.7), // the second object: TP
		},
		{
			box(40, 40, 50, 50, 0, 0.85), // nothing there: FP
			box(0, 0, 8, 8, 1, 0.6),      // TP of class 1
		},
	}
	match, err := MatchBoxes(pred[0], truth[0], 0.5)
	require.NoError(t, err)
	require.Equal(t, []int{-1, 0, 1}, match)
	// A prediction of the wrong class matches nothing.
	match, _ = MatchBoxes([]Box{box(0, 0, 8, 8, 0, 0.9)}, truth[1], 0.5)
	require.Equal(t, []int{-1}, match)

	// Class 0, by decreasing score: 0.9 TP, 0.85 FP, 0.8 FP, 0.7 TP; 3 objects.
	// precision 1, 1/2, 1/3, 1/2; recall 1/3, 1/3, 1/3, 2/3.
	// AP = 1/3 · max(1, 1/2, 1/3, 1/2) + 0 + 0 + 1/3 · 1/2 = 1/2.
	c, err := PrecisionRecall(pred, truth, 0, 0.5)
	require.NoError(t, err)
	requireCloseF64(t, "precision", []float64{1, 0.5, 1.0 / 3, 0.5}, c.Precision, 1e-12)
	requireCloseF64(t, "recall", []float64{1.0 / 3, 1.0 / 3, 1.0 / 3, 2.0 / 3}, c.Recall, 1e-12)
	require.Equal(t, []bool{true, false, false, true}, c.TP)
	require.Equal(t, 3, c.Truths)
	ap, err := AveragePrecision(pred, truth, 0, 0.5)
	require.NoError(t, err)
	require.InDelta(t, 0.5, ap, 1e-12)
	aps, err := ClassAPs(pred, truth, 0.5)
	require.NoError(t, err)
	require.InDelta(t, 1, aps[1], 1e-12)
	m, err := MeanAP(pred, truth, 0.5)
	require.NoError(t, err)
	require.InDelta(t, 0.75, m, 1e-12, "mean of 1/2 and 1")
	// At IoU 0.95 the first box still matches (IoU 1), the one of class 1 too.
	m, _ = MeanAP(pred, truth, 0.95)
	require.InDelta(t, 0.75, m, 1e-12)
	// A class whose objects are never found has AP 0, and counts in the mean.
	truth[1] = append(truth[1], box(0, 0, 3, 3, 2, 0))
	m, _ = MeanAP(pred, truth, 0.5)
	require.InDelta(t, 0.5, m, 1e-12)
	// The interpolation: precisions 1/2 at recall 1/2 then 2/3 at recall 1 give
	// AP = 1/2 · 2/3 + 1/2 · 2/3 (the later, higher precision counts for the lower recall).
	require.InDelta(t, 2.0/3, allPointAP([]float64{0, 0.5, 2.0 / 3}, []float64{0, 0.5, 1}), 1e-12)
	require.Equal(t, int64(0), Calls("BoxIoU")-iouBefore, "the library's own functions do not count as calls of BoxIoU")
}

func TestDecodeGridByHand(t *testing.T) {
	// One 8×8 image, a 2×2 grid (cells of 4×4 pixels), 2 classes: 7 values per cell.
	out := tensor.Full(-10, 1, 2, 2, 7)
	// Cell row 1, column 0: σ(o) = 0.9, offsets σ(0) = 0.5, w = 8·e^{ln 0.5} = 4,
	// h = 8·e^{ln 0.25} = 2, class logits (0, ln 3): class 1 with probability 3/4.
	copy(out.Data[2*7:3*7], []float64{math.Log(9), 0, 0, math.Log(0.5), math.Log(0.25), 0, math.Log(3)})
	// Cell row 0, column 1: centre (4 + 4σ(2), 4σ(−2)), size 16×4: clipped to the image.
	copy(out.Data[1*7:2*7], []float64{10, 2, -2, math.Log(2), math.Log(0.5), 5, 0})
	boxes, err := DecodeGrid(out, 8, 8, 0.1)
	require.NoError(t, err)
	require.Len(t, boxes, 1)
	require.Len(t, boxes[0], 2)
	s2 := 1 / (1 + math.Exp(-2))
	got := boxes[0][0]
	cy := 4 * (1 - s2) // centre (4 + 4σ(2), 4σ(−2)), size 16×4
	require.InDelta(t, 0, got.X1, 1e-12, "cx − 8 < 0: clipped")
	require.InDelta(t, 8, got.X2, 1e-12)
	require.InDelta(t, max(0, cy-2), got.Y1, 1e-12)
	require.InDelta(t, cy+2, got.Y2, 1e-12)
	require.Equal(t, 0, got.Class)
	want := box(0, 5, 4, 7, 1, 0.9*0.75)
	got = boxes[0][1]
	require.InDelta(t, want.X1, got.X1, 1e-12)
	require.InDelta(t, want.Y1, got.Y1, 1e-12)
	require.InDelta(t, want.X2, got.X2, 1e-12)
	require.InDelta(t, want.Y2, got.Y2, 1e-12)
	require.Equal(t, 1, got.Class)
	require.InDelta(t, want.Score, got.Score, 1e-12)
	// A higher minimum score leaves it out; one image (S, S, 5 + C) works too.
	boxes, err = DecodeGrid(out.Reshape(2, 2, 7), 8, 8, 0.7)
	require.NoError(t, err)
	require.Len(t, boxes[0], 1)

	_, err = DecodeGrid(tensor.Zeros(2, 2, 5), 8, 8, 0.5)
	require.ErrorContains(t, err, "want (N, S, S, 5 + classes)")
	_, err = DecodeGrid(nil, 8, 8, 0.5)
	require.ErrorContains(t, err, "nil")
	_, err = DecodeGrid(out, 0, 8, 0.5)
	require.ErrorContains(t, err, "image size 0×8")
}

// logit is the inverse of σ.
func logit(p float64) float64 { return math.Log(p / (1 - p)) }

func TestGridTargetsDecodeRoundTrip(t *testing.T) {
	boxes := []Box{box(3, 5, 13, 11, 2, 0), box(30, 20, 46, 44, 0, 0), box(10, 30, 18, 38, 1, 0)}
	target, err := datasets.GridTargets(boxes, 48, 48, 6, 3)
	require.NoError(t, err)
	// The targets as a model's output: objectness and class as large logits, offsets as logits.
	out := tensor.FromFloat32(target, 1, 6, 6, 8)
	for cell := range 36 {
		v := out.Data[cell*8 : (cell+1)*8]
		if v[0] == 0 {
			v[0] = -20
			continue
		}
		v[0] = 20
		v[1], v[2] = logit(v[1]), logit(v[2])
		for c := 5; c < 8; c++ {
			v[c] = 30 * v[c]
		}
	}
	decoded, err := DecodeGrid(out, 48, 48, 0.5)
	require.NoError(t, err)
	require.Len(t, decoded[0], 3)
	for _, want := range boxes {
		found := false
		for _, got := range decoded[0] {
			iou, err := BoxIoU(want, got)
			require.NoError(t, err)
			if got.Class == want.Class && iou > 1-1e-5 {
				found = true
			}
		}
		require.Truef(t, found, "box %v lost in the round trip: %v", want, decoded[0])
	}
}

// detLossOf runs loss on output and target (float32, the given shape).
func detLossOf(t *testing.T, loss Loss, output, target []float32, dims ...int) float64 {
	t.Helper()
	exec, err := graph.NewExec(Backend(), func(o, y *Node) *Node { return loss.Loss(o, y) })
	require.NoError(t, err)
	outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(output, dims...), tensors.FromFlatDataAndDimensions(target, dims...))
	require.NoError(t, err)
	return float64(tensors.ToScalar[float32](outs[0]))
}

func TestDetectionLossByHand(t *testing.T) {
	// A batch of 2 images, 1×2 grids, 2 classes (7 values per cell).
	bce := func(z, y float64) float64 { return -(y*math.Log(sigmoid(z)) + (1-y)*math.Log(1-sigmoid(z))) }
	output := []float32{
		// image 0, cell 0: an object of class 1 at offsets (0.25, 0.5), log size (−1, −2)
		0.5, 1, 0, -0.5, -2.5, 0.2, 1.0,
		// image 0, cell 1: empty
		-1, 3, 3, 3, 3, 3, 3,
		// image 1, cell 0: empty; cell 1: an object of class 0
		2, 0, 0, 0, 0, 0, 0,
		-0.3, -1, 2, -1, -1, 2, -1,
	}
	target := []float32{
		1, 0.25, 0.5, -1, -2, 0, 1,
		0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0,
		1, 0.5, 0.75, -0.5, -1.5, 1, 0,
	}
	ce := func(z []float64, k int) float64 {
		s := 0.0
		for _, v := range z {
			s += math.Exp(v)
		}
		return -(z[k] - math.Log(s))
	}
	sq := func(x float64) float64 { return x * x }
	const lBox, lNoObj = 5.0, 0.5
	obj0 := bce(0.5, 1) + ce([]float64{0.2, 1.0}, 1) +
		lBox*(sq(sigmoid(1)-0.25)+sq(sigmoid(0)-0.5)+sq(-0.5+1)+sq(-2.5+2))
	obj1 := bce(-0.3, 1) + ce([]float64{2, -1}, 0) +
		lBox*(sq(sigmoid(-1)-0.5)+sq(sigmoid(2)-0.75)+sq(-1+0.5)+sq(-1+1.5))
	empty := lNoObj * (bce(-1, 0) + bce(2, 0)) // the box and class values of empty cells do not count
	want := (obj0 + obj1 + empty) / 2
	got := detLossOf(t, DetectionLoss, output, target, 2, 1, 2, 7)
	require.InDelta(t, want, got, 1e-5)
	require.Equal(t, "DetectionLoss(box 5, noobj 0.5)", DetectionLoss.String())
	// Other weights.
	want = (bce(0.5, 1) + ce([]float64{0.2, 1.0}, 1) + 2*(sq(sigmoid(1)-0.25)+sq(sigmoid(0)-0.5)+sq(-0.5+1)+sq(-2.5+2)) +
		bce(-0.3, 1) + ce([]float64{2, -1}, 0) + 2*(sq(sigmoid(-1)-0.5)+sq(sigmoid(2)-0.75)+sq(-1+0.5)+sq(-1+1.5)) +
		bce(-1, 0) + bce(2, 0)) / 2
	require.InDelta(t, want, detLossOf(t, NewDetectionLoss(2, 1), output, target, 2, 1, 2, 7), 1e-5)
}

func TestDetectorTrainsAndReportsShapeErrors(t *testing.T) {
	det, err := datasets.DetectionShapes(64, 1, datasets.ShapesOptions{Size: 24, Grid: 3, MaxObjects: 2, MinSide: 5, MaxSide: 10})
	require.NoError(t, err)
	detector := func(outputs int) *Model {
		return Sequential(Conv2D(8, 3).SamePadding(), ReLU(), MaxPool2D(2), Conv2D(16, 3).SamePadding(), ReLU(), MaxPool2D(2),
			Conv2D(16, 3).SamePadding(), ReLU(), MaxPool2D(2), Dense(outputs))
	}
	m := detector(8)
	h, err := m.Fit(det.Dataset).Epochs(6).BatchSize(16).Optimizer(Adam(3e-3)).Loss(DetectionLoss).Progress(false).Done()
	require.NoError(t, err)
	require.Less(t, h.Last().Loss, h.Epochs[0].Loss, "the detection loss goes down")
	out, err := m.Predict(det.Take(4).Dataset)
	require.NoError(t, err)
	require.Equal(t, []int{4, 3, 3, 8}, out.Shape)
	_, err = DecodeGrid(out, 24, 24, 0.2)
	require.NoError(t, err)

	// A model with the wrong number of outputs per cell: a clear error, no panic.
	_, err = detector(7).Fit(det.Dataset).Epochs(1).Loss(DetectionLoss).Progress(false).Done()
	require.ErrorContains(t, err, "DetectionLoss: the targets have shape (32, 3, 3, 8)")
	// A model without the grid.
	_, err = Sequential(Flatten(), Dense(8)).Fit(det.Dataset).Epochs(1).Loss(DetectionLoss).Progress(false).Done()
	require.ErrorContains(t, err, "grid detector outputs (batch, S, S, 5 + classes)")
}

func TestBoxIoUMetricByHand(t *testing.T) {
	exec, err := graph.NewExec(Backend(), func(o, y *Node) *Node { return BoxIoUMetric().Metric(o, y) })
	require.NoError(t, err)
	// Example 0: (0,0,0.4,0.4) vs (0.2,0.2,0.6,0.6): 0.04/0.28 = 1/7. Example 1: identical: 1.
	// Example 2: predicted x2 < x1 (empty): 0.
	out := []float32{0, 0, 0.4, 0.4, 0.1, 0.1, 0.5, 0.9, 0.5, 0, 0.2, 1}
	tgt := []float32{0.2, 0.2, 0.6, 0.6, 0.1, 0.1, 0.5, 0.9, 0.1, 0, 0.6, 1}
	res, err := exec.Exec(tensors.FromFlatDataAndDimensions(out, 3, 4), tensors.FromFlatDataAndDimensions(tgt, 3, 4))
	require.NoError(t, err)
	require.InDelta(t, (1.0/7+1+0)/3, float64(tensors.ToScalar[float32](res[0])), 1e-6)
}
