package demo

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/tensor"
)

// batchNoiseXY returns the data's x and y as float64.
func batchNoiseXY(d *datasets.Dataset) (x, y []float64) {
	for i := range d.Len() {
		x, y = append(x, float64(d.X[i])), append(y, float64(d.Targets[i]))
	}
	return x, y
}

func TestBatchNoiseGradientIsTheGradient(t *testing.T) {
	x, y := batchNoiseXY(LineData(50, 2, 1, 0.5, 3))
	idx := []int{3, 7, 8, 20, 41, 49}
	for _, at := range [][2]float64{{0, 0}, {1.5, -0.7}, {2, 1}} {
		g := batchNoiseGradient(x, y, at[0], at[1], idx)

		// Central differences of the batch's loss.
		const h = 1e-5
		dw := (batchNoiseLoss(x, y, at[0]+h, at[1], idx) - batchNoiseLoss(x, y, at[0]-h, at[1], idx)) / (2 * h)
		db := (batchNoiseLoss(x, y, at[0], at[1]+h, idx) - batchNoiseLoss(x, y, at[0], at[1]-h, idx)) / (2 * h)
		require.InDelta(t, dw, g[0], 1e-6*(1+math.Abs(dw)))
		require.InDelta(t, db, g[1], 1e-6*(1+math.Abs(db)))

		// nn's automatic differentiation of the layer ŷ = x·w + b (nn.Dense(1)) with the
		// upstream gradient ∂L/∂ŷ_i = 2 r_i / B of the mean squared error.
		xb, dy := tensor.Zeros(len(idx), 1), tensor.Zeros(len(idx), 1)
		for k, i := range idx {
			xb.Set(x[i], k, 0)
			dy.Set(2*(at[0]*x[i]+at[1]-y[i])/float64(len(idx)), k, 0)
		}
		lg, err := nn.LayerGradients(nn.Dense(1), xb, map[string]*tensor.Tensor{
			"weights": tensor.New([]float64{at[0]}, 1, 1), "bias": tensor.New([]float64{at[1]}, 1)}, dy)
		require.NoError(t, err)
		require.InDelta(t, lg.DWeights["weights"].Data[0], g[0], 1e-5*(1+math.Abs(g[0])))
		require.InDelta(t, lg.DWeights["bias"].Data[0], g[1], 1e-5*(1+math.Abs(g[1])))
	}
}

func TestBatchNoiseDisjointBatchesAverageToTheFullGradient(t *testing.T) {
	const n = 1024
	x, y := batchNoiseXY(LineData(n, -1, 0.5, 1, 4))
	all := make([]int, n)
	for i := range all {
		all[i] = (i * 389) % n // a fixed permutation (389 is prime to 1024)
	}
	full := batchNoiseGradient(x, y, 0.3, -0.2, all)
	for _, b := range []int{1, 4, 16, 64, 256, n} {
		var mean [2]float64
		for start := 0; start < n; start += b {
			g := batchNoiseGradient(x, y, 0.3, -0.2, all[start:start+b])
			mean[0] += g[0] / float64(n/b)
			mean[1] += g[1] / float64(n/b)
		}
		require.InDelta(t, full[0], mean[0], 1e-12, "B = %d", b)
		require.InDelta(t, full[1], mean[1], 1e-12, "B = %d", b)
	}
}

func TestBatchNoiseSpreadShrinksWithTheBatchSize(t *testing.T) {
	data := LineData(1000, 2, 1, 1, 1)
	steps, err := BatchNoiseSteps(data, BatchNoiseConfig{Draws: 2000, Weight: 0.5, Bias: 0.2})
	require.NoError(t, err)
	var sizes []int
	for _, s := range steps {
		sizes = append(sizes, s.BatchSize)
	}
	require.Equal(t, []int{1, 4, 16, 64, 256, 1000}, sizes)

	x, y := batchNoiseXY(data)
	all := make([]int, len(x))
	for i := range all {
		all[i] = i
	}
	full := batchNoiseGradient(x, y, 0.5, 0.2, all)
	for i, s := range steps {
		require.Equal(t, full, s.Full)
		require.Len(t, s.Grads, 2000)
		require.Len(t, s.Cosines, 2000)
		// The measured spread follows σ²/B·(N−B)/(N−1) and shrinks with B.
		if s.BatchSize < 1000 {
			require.InEpsilon(t, s.Expected, s.Spread, 0.2, "B = %d", s.BatchSize)
		}
		if i > 0 {
			require.Less(t, s.Spread, steps[i-1].Spread/3, "B = %d", s.BatchSize)
			require.Greater(t, s.MeanCosine(), steps[i-1].MeanCosine(), "B = %d", s.BatchSize)
		}
		// Each cosine is that of its gradient.
		g := s.Grads[7]
		require.InDelta(t, (g[0]*full[0]+g[1]*full[1])/math.Hypot(g[0], g[1])/math.Hypot(full[0], full[1]), s.Cosines[7], 1e-12)
	}
	require.Less(t, steps[0].MeanCosine(), 0.8)

	// The full batch is the full gradient: cosine 1, no spread.
	last := steps[len(steps)-1]
	for k, g := range last.Grads {
		require.Equal(t, full, g)
		require.InDelta(t, 1, last.Cosines[k], 1e-15)
	}
	require.Equal(t, 0.0, last.Spread)
	require.Equal(t, 0.0, last.Expected)
}

func TestBatchNoiseChart(t *testing.T) {
	data := LineData(300, 2, 1, 1, 1)
	c, err := BatchNoiseChart(data, BatchNoiseConfig{BatchSizes: []int{1, 10, 300}, Draws: 30})
	require.NoError(t, err)
	labels, titles := playgroundTimeline(t, c)
	require.Equal(t, []string{"B = 1", "B = 10", "B = N = 300"}, labels)
	steps, err := BatchNoiseSteps(data, BatchNoiseConfig{BatchSizes: []int{1, 10, 300}, Draws: 30})
	require.NoError(t, err)
	require.Equal(t, "B = N = 300: mean cos(g_B, g) = 1.00, E‖g_B − g‖² = 0 (x: w, y: b)", titles[2])
	require.Contains(t, titles[0], "B = 1: mean cos(g_B, g) = ")
	require.NotEqual(t, 1.0, steps[0].MeanCosine())

	// Every frame has the same series: the colour bands and level lines of the loss, one
	// step per batch (30) and the full-batch step; the axes keep one window.
	raw := frameOptions(t, c)
	var opt struct {
		Options []struct {
			Series []struct {
				Type string `json:"type"`
				Name string `json:"name"`
				Data []any  `json:"data"`
			} `json:"series"`
			XAxis []struct {
				Min, Max float64
			} `json:"xAxis"`
		} `json:"options"`
	}
	require.NoError(t, json.Unmarshal(raw, &opt))
	require.Len(t, opt.Options, 3)
	for _, o := range opt.Options {
		require.Equal(t, len(opt.Options[0].Series), len(o.Series))
		require.Equal(t, opt.Options[0].XAxis, o.XAxis)
		var lines int
		for _, s := range o.Series {
			if s.Type == "line" {
				lines++
				require.Len(t, s.Data, 2, "a step is a line from θ to θ − η·g_B")
			}
		}
		require.Equal(t, 31, lines)
	}
	pic, err := c.PNG()
	require.NoError(t, err)
	_, err = png.Decode(bytes.NewReader(pic))
	require.NoError(t, err)
}

func TestBatchNoiseClip(t *testing.T) {
	win := [4]float64{-1, 1, -2, 2}
	x, y := batchNoiseClip([2]float64{0, 0}, [2]float64{0.5, 0.5}, win)
	require.Equal(t, [2]float64{0.5, 0.5}, [2]float64{x, y})
	x, y = batchNoiseClip([2]float64{0, 0}, [2]float64{4, 2}, win) // leaves through x = 1
	require.InDelta(t, 0.999, x, 1e-12)
	require.InDelta(t, 0.4995, y, 1e-12)
	x, y = batchNoiseClip([2]float64{0.1, 0}, [2]float64{0.123456, -0.5}, win) // rounded to 4 decimals
	require.Equal(t, [2]float64{0.2235, -0.5}, [2]float64{x, y})
	x, y = batchNoiseClip([2]float64{0, 0}, [2]float64{-0.1, -8}, win) // leaves through y = −2
	require.InDelta(t, -0.025, x, 1e-12)                               // −0.024975 rounded
	require.InDelta(t, -1.998, y, 1e-12)
}

func TestBatchNoiseErrors(t *testing.T) {
	line := LineData(100, 2, 1, 1, 1)
	cases := []struct {
		name   string
		data   *datasets.Dataset
		config []BatchNoiseConfig
		want   []string
	}{
		{"nil data", nil, nil, []string{"data is nil", "demo.LineData"}},
		{"classification data", datasets.Spiral(10, 2, 0.1, 1), nil, []string{`"spiral"`, "[2]", "Shape [1], TargetShape [1]"}},
		{"batch size 0", line, []BatchNoiseConfig{{BatchSizes: []int{1, 0}}}, []string{"batch size 0", "between 1 and the 100"}},
		{"batch larger than the data", line, []BatchNoiseConfig{{BatchSizes: []int{101}}}, []string{"batch size 101"}},
		{"no batch size", line, []BatchNoiseConfig{{BatchSizes: []int{}}}, []string{"0 sizes"}},
		{"negative draws", line, []BatchNoiseConfig{{Draws: -3}}, []string{"Draws = -3"}},
		{"negative learning rate", line, []BatchNoiseConfig{{LearningRate: -1}}, []string{"LearningRate = -1"}},
		{"infinite point", line, []BatchNoiseConfig{{Weight: math.Inf(1)}}, []string{"(Weight, Bias) = (+Inf, 0)"}},
		{"two configs", line, []BatchNoiseConfig{{}, {}}, []string{"2 configs"}},
	}
	for _, c := range cases {
		_, err := BatchNoiseSteps(c.data, c.config...)
		require.Error(t, err, c.name)
		for _, w := range c.want {
			require.Contains(t, err.Error(), w, c.name)
		}
		_, err = BatchNoiseChart(c.data, c.config...)
		require.Error(t, err, c.name)
	}
}
