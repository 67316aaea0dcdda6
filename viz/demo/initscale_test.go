package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// initScalePlainForward runs the network of a step in plain Go, float64, with the weights read
// from its nn model: a_l = act(a_{l−1}·W_l + b_l), and returns each layer's mean, standard
// deviation and fraction of |a| > 0.9.
func initScalePlainForward(t *testing.T, s InitScaleStep, depth int, relu bool) (mean, std, sat []float64) {
	t.Helper()
	x := s.Inputs
	rows, n := x.Shape[0], x.Shape[1]
	a := append([]float64(nil), x.Data...)
	for l := 1; l <= depth; l++ {
		w, err := s.Model.Weights(fmt.Sprintf("dense_%d", l))
		require.NoError(t, err)
		W, b := w["weights"], w["bias"]
		require.Equal(t, []int{n, n}, W.Shape)
		next := make([]float64, rows*n)
		for r := range rows {
			for o := range n {
				z := b.Data[o]
				for i := range n {
					z += a[r*n+i] * W.Data[i*n+o]
				}
				if relu {
					z = math.Max(z, 0)
				} else {
					z = math.Tanh(z)
				}
				next[r*n+o] = z
			}
		}
		a = next
		var m, v, f float64
		for _, e := range a {
			m += e
			if math.Abs(e) > 0.9 {
				f++
			}
		}
		m /= float64(len(a))
		for _, e := range a {
			v += (e - m) * (e - m)
		}
		mean, std, sat = append(mean, m), append(std, math.Sqrt(v/float64(len(a)))), append(sat, f/float64(len(a)))
	}
	return mean, std, sat
}

func TestInitScaleTanh(t *testing.T) {
	const depth, width = 20, 64
	steps, err := InitScaleSteps(InitScaleConfig{Depth: depth, Width: width, Examples: 200, Scales: []float64{0.25, 1, 4}})
	require.NoError(t, err)
	require.Len(t, steps, 3)
	var std [3][]float64
	var sat [3][]float64
	for k, s := range steps {
		require.InDelta(t, s.Scale/math.Sqrt(width), s.Sigma, 1e-15)
		require.Len(t, s.Std, depth)
		require.Len(t, s.Activations, depth)
		require.Equal(t, []int{200, width}, s.Activations[0].Shape)
		mean, sd, st := initScalePlainForward(t, s, depth, false)
		std[k], sat[k] = sd, st
		// nn's forward pass (float32) agrees with the plain-Go one (float64).
		for l := range depth {
			tol := 1e-4*sd[l] + 1e-6
			require.InDelta(t, sd[l], s.Std[l], tol, "scale %g layer %d", s.Scale, l+1)
			require.InDelta(t, mean[l], s.Mean[l], tol, "scale %g layer %d", s.Scale, l+1)
			require.InDelta(t, st[l], s.Saturated[l], 2e-3, "scale %g layer %d", s.Scale, l+1)
		}
	}
	// σ² = 1/n (LeCun): the standard deviation stays in a band through the 20 layers.
	for l, v := range std[1] {
		require.True(t, v > 0.1 && v < 0.7, "LeCun: std of layer %d is %g", l+1, v)
	}
	require.Greater(t, std[1][depth-1], 0.2*std[1][0])
	// σ = 0.25/√n: the signal vanishes (std of layer 20 below 1% of layer 1's).
	require.Less(t, std[0][depth-1], 0.01*std[0][0])
	require.Less(t, std[0][4], 0.01*std[0][0])
	// σ = 4/√n: tanh saturates, most outputs of every layer have |a| > 0.9.
	for l, f := range sat[2] {
		require.Greater(t, f, 0.5, "scale 4: saturated fraction of layer %d", l+1)
	}
	require.Equal(t, 0.0, sat[1][depth-1])
}

func TestInitScaleReLU(t *testing.T) {
	const depth, width = 10, 64
	steps, err := InitScaleSteps(InitScaleConfig{Activation: "ReLU", Depth: depth, Width: width, Examples: 100, Scales: []float64{1, math.Sqrt2}})
	require.NoError(t, err)
	for _, s := range steps {
		_, sd, _ := initScalePlainForward(t, s, depth, true)
		for l := range depth {
			require.InDelta(t, sd[l], s.Std[l], 1e-4*sd[l]+1e-6)
		}
	}
	// Var(W) = 1/n halves the second moment at each ReLU layer; He's 2/n keeps it.
	require.Less(t, steps[0].Std[depth-1], 0.15*steps[0].Std[0])
	require.Greater(t, steps[1].Std[depth-1], 0.4*steps[1].Std[0])
}

func TestInitScaleChart(t *testing.T) {
	c, err := InitScaleChart(InitScaleConfig{Depth: 8, Width: 32, Examples: 50, Layers: []int{1, 4, 8}})
	require.NoError(t, err)
	labels, titles := playgroundTimeline(t, c)
	require.Equal(t, []string{"σ_W = 0.25/√n", "σ_W = 0.5/√n", "σ_W = 1/√n (LeCun)", "σ_W = 2/√n", "σ_W = 4/√n"}, labels)
	require.Len(t, titles, 5)
	require.Contains(t, titles[2], "tanh, σ_W = 1/√n (LeCun): std of layer 1 ")

	// Each frame: one histogram per layer shown over the same 41 bins of [−1, 1], the fractions
	// (at least 10⁻⁴, drawn at the bottom when smaller) adding up to 1, plus the invisible points
	// at 1 and 10⁻⁴ that fix the y axis.
	raw := frameOptions(t, c)
	var opt struct {
		Options []struct {
			Series []struct {
				Name string `json:"name"`
				Data []struct {
					Value []float64 `json:"value"`
				} `json:"data"`
			} `json:"series"`
		} `json:"options"`
	}
	require.NoError(t, json.Unmarshal(raw, &opt))
	require.Len(t, opt.Options, 5)
	for _, o := range opt.Options {
		require.Len(t, o.Series, 5)
		for k, s := range o.Series[:3] {
			require.Contains(t, s.Name, fmt.Sprintf("layer %d (σ=", []int{1, 4, 8}[k]))
			require.Len(t, s.Data, 41)
			require.InDelta(t, -1+1.0/41, s.Data[0].Value[0], 1e-9)
			require.InDelta(t, 1-1.0/41, s.Data[40].Value[0], 1e-9)
			var sum float64
			for _, p := range s.Data {
				require.GreaterOrEqual(t, p.Value[1], 1e-4)
				if p.Value[1] > 1e-4 {
					sum += p.Value[1]
				}
			}
			require.InDelta(t, 1, sum, 0.01)
		}
		require.Len(t, o.Series[3].Data, 1)
		require.Equal(t, []float64{0, 1}, o.Series[3].Data[0].Value)
		require.Len(t, o.Series[4].Data, 1)
		require.Equal(t, []float64{0, 1e-4}, o.Series[4].Data[0].Value)
	}
	pic, err := c.PNG()
	require.NoError(t, err)
	_, err = png.Decode(bytes.NewReader(pic))
	require.NoError(t, err)
}

func TestInitScaleHistogram(t *testing.T) {
	// 41 bins over [−1, 1]: width 2/41; values outside go to the end bins.
	f := initScaleHistogram([]float64{0, 0.01, -0.02, 0.99, 5, -3, 0.5}, -1, 1)
	require.Len(t, f, 41)
	require.InDelta(t, 3.0/7, f[20], 1e-12) // |v| < 1/41
	require.InDelta(t, 2.0/7, f[40], 1e-12) // 0.99 and 5
	require.InDelta(t, 1.0/7, f[0], 1e-12)  // −3
	require.InDelta(t, 1.0/7, f[30], 1e-12) // 0.5: (0.5+1)/(2/41) = 30.75
}

func TestInitScaleErrors(t *testing.T) {
	cases := []struct {
		config []InitScaleConfig
		want   string
	}{
		{[]InitScaleConfig{{Activation: "sigmoid"}}, `Activation "sigmoid"; give "tanh" or "relu"`},
		{[]InitScaleConfig{{Depth: -1}}, "Depth = -1"},
		{[]InitScaleConfig{{Width: 5000}}, "Width = 5000"},
		{[]InitScaleConfig{{Examples: -2}}, "Examples = -2"},
		{[]InitScaleConfig{{Scales: []float64{1, 0}}}, "scale 0 in Scales [1 0]"},
		{[]InitScaleConfig{{Scales: []float64{}}}, "Scales has 0 values"},
		{[]InitScaleConfig{{Depth: 5, Layers: []int{1, 6}}}, "layer 6 in Layers [1 6]; layers are numbered 1 to Depth = 5"},
		{[]InitScaleConfig{{Range: [2]float64{1, -1}}}, "Range = [1 -1]"},
		{[]InitScaleConfig{{}, {}}, "2 configs"},
	}
	for _, c := range cases {
		_, err := InitScaleSteps(c.config...)
		require.ErrorContains(t, err, c.want)
		_, err = InitScaleChart(c.config...)
		require.ErrorContains(t, err, c.want)
	}
}
