package nn

import (
	"fmt"
	"math"

	"github.com/godl-course/godl/internal/calls"
	"github.com/godl-course/godl/tensor"
)

// Accuracy is the fraction of predictions equal to the labels.
func Accuracy(pred, labels []int) float64 {
	if len(pred) == 0 || len(pred) != len(labels) {
		return math.NaN()
	}
	ok := 0
	for i := range pred {
		if pred[i] == labels[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(pred))
}

// TopKAccuracy is the fraction of examples whose label is among the k largest of its scores;
// scores holds one row of class scores per example, (examples, classes), e.g. from Predict.
// NaN when the rows and the labels do not match.
func TopKAccuracy(scores *tensor.Tensor, labels []int, k int) float64 {
	if scores == nil || scores.Len() != len(labels) || len(labels) == 0 {
		return math.NaN()
	}
	rows := scores.Rows()
	ok := 0
	for i, l := range labels {
		row := rows[i]
		if l < 0 || l >= len(row) {
			return math.NaN()
		}
		higher := 0
		for _, v := range row {
			if v > row[l] {
				higher++
			}
		}
		if higher < k {
			ok++
		}
	}
	return float64(ok) / float64(len(labels))
}

// ConfusionMatrix counts cm[true][predicted]: row t, column p is the number of examples of true
// class t predicted as p. The arguments are in the same order as everywhere in the course
// (Accuracy, viz.Confusion): predictions first, then the true labels.
func ConfusionMatrix(pred, labels []int, classes int) [][]int {
	cm := make([][]int, classes)
	for i := range cm {
		cm[i] = make([]int, classes)
	}
	for i := range pred {
		if labels[i] >= 0 && labels[i] < classes && pred[i] >= 0 && pred[i] < classes {
			cm[labels[i]][pred[i]]++
		}
	}
	return cm
}

// ClassScores holds per-class precision TP/(TP+FP), recall TP/(TP+FN) and F1 = 2PR/(P+R)
// (NaN when undefined). Printed, it is a table with the macro averages; set Names (e.g. to the
// data set's Classes) to name the rows.
type ClassScores struct {
	Precision, Recall, F1 []float64
	Names                 []string // class names for String and HTML (optional)
}

// PrecisionRecallF1 computes per-class scores from a confusion matrix cm[true][predicted].
func PrecisionRecallF1(cm [][]int) ClassScores {
	n := len(cm)
	s := ClassScores{Precision: make([]float64, n), Recall: make([]float64, n), F1: make([]float64, n)}
	for c := range n {
		tp := float64(cm[c][c])
		var predC, trueC float64
		for o := range n {
			predC += float64(cm[o][c])
			trueC += float64(cm[c][o])
		}
		s.Precision[c], s.Recall[c] = tp/predC, tp/trueC
		s.F1[c] = 2 * s.Precision[c] * s.Recall[c] / (s.Precision[c] + s.Recall[c])
		if predC == 0 {
			s.Precision[c] = math.NaN()
		}
		if trueC == 0 {
			s.Recall[c] = math.NaN()
		}
		if math.IsNaN(s.Precision[c]) || math.IsNaN(s.Recall[c]) || s.Precision[c]+s.Recall[c] == 0 {
			s.F1[c] = math.NaN()
			if s.Precision[c]+s.Recall[c] == 0 {
				s.F1[c] = 0
			}
		}
	}
	return s
}

// sameSize reports whether two tensors hold the same number of values (their shapes may differ,
// e.g. (N, H, W, 1) against (N, H, W)).
func sameSize(a, b *tensor.Tensor) bool {
	return a != nil && b != nil && len(a.Data) == len(b.Data) && len(a.Data) > 0
}

// IoU is the intersection over union |P ∩ T|/|P ∪ T| of two masks, each value counted as "in"
// when above threshold (1 when both are empty); NaN when they differ in size.
func IoU(pred, target *tensor.Tensor, threshold float64) float64 {
	calls.Count("nn.IoU")
	if !sameSize(pred, target) {
		return math.NaN()
	}
	var inter, union int
	for i, p := range pred.Data {
		pi, ti := p > threshold, target.Data[i] > threshold
		if pi && ti {
			inter++
		}
		if pi || ti {
			union++
		}
	}
	if union == 0 {
		return 1
	}
	return float64(inter) / float64(union)
}

// DiceScore is 2|P ∩ T|/(|P| + |T|) of two masks thresholded as in IoU (1 when both are empty);
// NaN when they differ in size.
func DiceScore(pred, target *tensor.Tensor, threshold float64) float64 {
	calls.Count("nn.DiceScore")
	if !sameSize(pred, target) {
		return math.NaN()
	}
	var inter, sum int
	for i, p := range pred.Data {
		pi, ti := p > threshold, target.Data[i] > threshold
		if pi && ti {
			inter++
		}
		if pi {
			sum++
		}
		if ti {
			sum++
		}
	}
	if sum == 0 {
		return 1
	}
	return 2 * float64(inter) / float64(sum)
}

// PSNR is the peak signal-to-noise ratio in dB, 10·log10(L²/MSE), L the data range (1 for
// images in [0,1]); +Inf for identical images, NaN when they differ in size.
func PSNR(img, ref *tensor.Tensor, dataRange float64) float64 {
	calls.Count("nn.PSNR")
	if !sameSize(img, ref) {
		return math.NaN()
	}
	var mse float64
	for i, v := range img.Data {
		d := v - ref.Data[i]
		mse += d * d
	}
	mse /= float64(len(img.Data))
	return 10 * math.Log10(dataRange*dataRange/mse)
}

// SSIM is the structural similarity of two images of shape (H, W, C) or (H, W) (channels last)
// with data range L:
// the mean over 7×7 windows (and channels) of
//
//	(2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)),  C1 = (0.01 L)², C2 = (0.03 L)²,
//
// with sample (co)variances, as scikit-image's structural_similarity with its defaults.
func SSIM(img, ref *tensor.Tensor, dataRange float64) (float64, error) {
	const win = 7
	if img == nil || ref == nil || (img.Rank() != 2 && img.Rank() != 3) || !img.SameShape(ref) {
		return 0, fmt.Errorf("nn.SSIM: want two images of the same shape (H, W, C) or (H, W), got %v and %v", tensorShape(img), tensorShape(ref))
	}
	h, w, c := img.Shape[0], img.Shape[1], 1
	if img.Rank() == 3 {
		c = img.Shape[2]
	}
	if h < win || w < win {
		return 0, fmt.Errorf("nn.SSIM: images of %d×%d are smaller than the 7×7 window", h, w)
	}
	c1, c2 := math.Pow(0.01*dataRange, 2), math.Pow(0.03*dataRange, 2)
	n := float64(win * win)
	cov := n / (n - 1)
	var sum float64
	var count int
	for ch := range c {
		at := func(v *tensor.Tensor, y, x int) float64 { return v.Data[(y*w+x)*c+ch] }
		for y := 0; y+win <= h; y++ {
			for x := 0; x+win <= w; x++ {
				var sx, sy, sxx, syy, sxy float64
				for dy := range win {
					for dx := range win {
						a, b := at(img, y+dy, x+dx), at(ref, y+dy, x+dx)
						sx += a
						sy += b
						sxx += a * a
						syy += b * b
						sxy += a * b
					}
				}
				mx, my := sx/n, sy/n
				vx := cov * (sxx/n - mx*mx)
				vy := cov * (syy/n - my*my)
				vxy := cov * (sxy/n - mx*my)
				sum += (2*mx*my + c1) * (2*vxy + c2) / ((mx*mx + my*my + c1) * (vx + vy + c2))
				count++
			}
		}
	}
	return sum / float64(count), nil
}

// tensorShape is t's shape for messages ("nil" for a nil tensor).
func tensorShape(t *tensor.Tensor) any {
	if t == nil {
		return "nil"
	}
	return t.Shape
}

// Calls returns how many times the function name of this package (e.g. "IoU", "PSNR") has run in
// this program (a notebook cell). Exercise checks use it to tell a function that calls the
// library's own metric from one that computes it.
func Calls(name string) int64 { return calls.N("nn." + name) }
