package nn

import (
	"math"
	"testing"

	"github.com/godl-course/godl/tensor"
	"github.com/stretchr/testify/require"
)

func TestMetrics(t *testing.T) {
	pred := []int{0, 1, 1, 2, 2, 2}
	labels := []int{0, 1, 2, 2, 2, 0}
	require.InDelta(t, 4.0/6, Accuracy(pred, labels), 1e-12)
	cm := ConfusionMatrix(pred, labels, 3)
	require.Equal(t, [][]int{{1, 0, 1}, {0, 1, 0}, {0, 1, 2}}, cm)
	s := PrecisionRecallF1(cm)
	// Class 2: TP = 2, predicted 3 times, true 3 times → P = R = F1 = 2/3.
	require.InDelta(t, 2.0/3, s.Precision[2], 1e-12)
	require.InDelta(t, 2.0/3, s.Recall[2], 1e-12)
	// Class 1: TP = 1, predicted 2 times, true once → P = 1/2, R = 1, F1 = 2/3.
	require.InDelta(t, 0.5, s.Precision[1], 1e-12)
	require.InDelta(t, 1, s.Recall[1], 1e-12)
	require.InDelta(t, 2.0/3, s.F1[1], 1e-12)

	scores := tensor.New([]float64{0.1, 0.5, 0.4 /* label 2: 2nd */, 0.7, 0.2, 0.1 /* label 1: 2nd */, 0.2, 0.3, 0.5 /* label 0: 3rd */}, 3, 3)
	require.InDelta(t, 0.0, TopKAccuracy(scores, []int{2, 1, 0}, 1), 1e-12)
	require.InDelta(t, 2.0/3, TopKAccuracy(scores, []int{2, 1, 0}, 2), 1e-12)
	require.True(t, math.IsNaN(TopKAccuracy(scores, []int{2, 1}, 1)), "rows and labels differ in number")

	p := tensor.New([]float64{1, 1, 0, 0})
	q := tensor.New([]float64{1, 0, 1, 0})
	require.InDelta(t, 1.0/3, IoU(p, q, 0.5), 1e-12)
	require.InDelta(t, 0.5, DiceScore(p, q, 0.5), 1e-12)
	require.True(t, math.IsNaN(IoU(p, tensor.New([]float64{1, 0}), 0.5)), "masks of different sizes")
	// MSE = 2·0.1²/4 = 0.005 → PSNR = 10·log10(1/0.005).
	require.InDelta(t, 10*math.Log10(200), PSNR(tensor.New([]float64{0.1, 0.2, 0.3, 0.4}), tensor.New([]float64{0.2, 0.2, 0.2, 0.4}), 1), 1e-9)
	require.True(t, math.IsInf(PSNR(p, p, 1), 1))

	img := tensor.Zeros(8, 8, 1)
	for i := range img.Data {
		img.Data[i] = float64(i%8) / 8
	}
	ssim, err := SSIM(img, img, 1)
	require.NoError(t, err)
	require.InDelta(t, 1, ssim, 1e-9)
	// A constant shift c changes only the luminance term: (2μ(μ+c) + C1)/(μ² + (μ+c)² + C1).
	shifted := img.Map(func(v float64) float64 { return v + 0.1 })
	ssim, err = SSIM(img, shifted, 1)
	require.NoError(t, err)
	c1 := 1e-4
	var want float64
	for x0 := 0; x0 < 2; x0++ { // the 2×2 windows have μ = mean of columns x0..x0+6
		mu := float64(x0+3) / 8
		want += (2*mu*(mu+0.1) + c1) / (mu*mu + (mu+0.1)*(mu+0.1) + c1)
	}
	require.InDelta(t, want/2, ssim, 1e-9)
	_, err = SSIM(img, tensor.Zeros(8, 7, 1), 1)
	require.ErrorContains(t, err, "same shape")
}
