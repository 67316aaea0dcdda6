package nn

import (
	"math"
	"testing"
)

// Each initializer's empirical variance matches its formula (fan-in 400, fan-out 300:
// 120,000 weights, so the sample variance is within a few percent), and the library names
// are the field's: LeCun 1/n_in, Glorot 2/(n_in+n_out), He 2/n_in.
func TestInitializerVariances(t *testing.T) {
	const nIn, nOut = 400, 300
	for _, c := range []struct {
		name string
		init Initializer
		want float64
	}{
		{"LeCunNormal", LeCunNormal, 1.0 / nIn},
		{"GlorotUniform", GlorotUniform, 2.0 / (nIn + nOut)},
		{"GlorotNormal", GlorotNormal, 2.0 / (nIn + nOut)},
		{"He", He, 2.0 / nIn},
	} {
		m := Sequential(Dense(nOut).WithInit(c.init)).Seed(7)
		if err := m.Build(nIn); err != nil {
			t.Fatal(err)
		}
		w, err := m.Weights("dense_1")
		if err != nil {
			t.Fatal(err)
		}
		vals := w["weights"].Data
		if len(vals) != nIn*nOut {
			t.Fatalf("%s: %d weights, want %d", c.name, len(vals), nIn*nOut)
		}
		var sum, sq float64
		for _, v := range vals {
			sum += v
			sq += v * v
		}
		mean := sum / float64(len(vals))
		variance := sq/float64(len(vals)) - mean*mean
		if math.Abs(variance/c.want-1) > 0.03 || math.Abs(mean) > 0.05*math.Sqrt(c.want) {
			t.Errorf("%s: mean %.2e, variance %.3e, want 0 and %.3e", c.name, mean, variance, c.want)
		}
		for _, b := range w["bias"].Data {
			if b != 0 {
				t.Fatalf("%s: bias %v, want 0", c.name, b)
			}
		}
	}
}
