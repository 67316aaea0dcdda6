package datasets

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/godl-course/godl/internal/atomicfile"
)

// Normalization holds the statistics of the training set used to standardize inputs, as in the
// lecture: μ and σ are computed on the training set and every input I (train, validation, test,
// inference) is replaced by
//
//	Î = (I − μ) / σ
//
// Mean and Std have one value per channel (the last dimension of Shape) for images, or a single
// value for the whole example.
type Normalization struct {
	Mean []float32 `json:"mean"`
	Std  []float32 `json:"std"`
}

func (n *Normalization) clone() *Normalization {
	if n == nil {
		return nil
	}
	return &Normalization{Mean: append([]float32(nil), n.Mean...), Std: append([]float32(nil), n.Std...)}
}

// channels returns the channel count used for d: the last dimension of Shape when d is an image
// ([H W C]), else 1.
func channelsOf(shape []int) int {
	if len(shape) == 3 {
		return shape[2]
	}
	return 1
}

// ComputeNormalization returns μ and σ of d.X per channel (images H×W×C) or over all values
// (other shapes):
//
//	μ_c = 1/N Σ x_c,  σ_c = sqrt(1/N Σ (x_c − μ_c)²)
//
// computed in float64. A channel with σ < 1e-8 (constant) gets σ = 1, so that Apply never
// divides by zero.
func ComputeNormalization(d *Dataset) *Normalization {
	c := channelsOf(d.Shape)
	// Two passes (mean, then squared deviations), each split over the processors in chunks of
	// whole pixels, with a float64 accumulator per channel and chunk.
	sum := chunkSums(d.X, c, func(x []float32, acc []float64) { addPowers(x, c, nil, acc) })
	cnt := float64(len(d.X) / c)
	mean := make([]float64, c)
	for k := range c {
		if cnt > 0 {
			mean[k] = sum[k] / cnt
		}
	}
	sq := chunkSums(d.X, c, func(x []float32, acc []float64) { addPowers(x, c, mean, acc) })
	n := &Normalization{Mean: make([]float32, c), Std: make([]float32, c)}
	for k := range c {
		n.Mean[k] = float32(mean[k])
		s := 1.0
		if cnt > 0 {
			s = math.Sqrt(sq[k] / cnt)
		}
		if s < 1e-8 {
			s = 1
		}
		n.Std[k] = float32(s)
	}
	return n
}

// chunkSums splits x into chunks of whole pixels (c values), runs f on each with its own
// accumulators (one per channel) in parallel, and returns the per-channel totals. A chunk of
// 64 Ki values keeps float64 sums of float32 values exact enough (they are added per chunk, then
// the chunks' sums are added).
func chunkSums(x []float32, c int, f func(x []float32, acc []float64)) []float64 {
	chunk := max(1, (1<<16)/c) * c
	nChunks := (len(x) + chunk - 1) / chunk
	accs := make([]float64, nChunks*c)
	_ = parallelFor(nChunks, func(i int) error {
		f(x[i*chunk:min(len(x), (i+1)*chunk)], accs[i*c:(i+1)*c])
		return nil
	})
	total := make([]float64, c)
	for i := range nChunks {
		for k := range c {
			total[k] += accs[i*c+k]
		}
	}
	return total
}

// addPowers adds to acc[k], for every value v of channel k in x (whole pixels of c values):
// v when mean is nil, else (v − mean[k])². One channel, the common case, runs with four
// independent accumulators.
func addPowers(x []float32, c int, mean []float64, acc []float64) {
	if c == 1 {
		var a0, a1, a2, a3 float64
		m := 0.0
		if mean != nil {
			m = mean[0]
		}
		i := 0
		for ; i+4 <= len(x); i += 4 {
			v0, v1, v2, v3 := float64(x[i])-m, float64(x[i+1])-m, float64(x[i+2])-m, float64(x[i+3])-m
			if mean != nil {
				v0, v1, v2, v3 = v0*v0, v1*v1, v2*v2, v3*v3
			}
			a0, a1, a2, a3 = a0+v0, a1+v1, a2+v2, a3+v3
		}
		for ; i < len(x); i++ {
			v := float64(x[i]) - m
			if mean != nil {
				v *= v
			}
			a0 += v
		}
		acc[0] += (a0 + a1) + (a2 + a3)
		return
	}
	local := make([]float64, c)
	m := make([]float64, c)
	if mean != nil {
		copy(m, mean)
	}
	for p := 0; p+c <= len(x); p += c {
		px := x[p : p+c]
		for k := range local {
			v := float64(px[k]) - m[k]
			if mean != nil {
				v *= v
			}
			local[k] += v
		}
	}
	for k := range local {
		acc[k] += local[k]
	}
}

// Apply standardizes x in place: x_i ← (x_i − μ_c) / σ_c with c = i mod len(Mean).
func (n *Normalization) Apply(x []float32) {
	c := len(n.Mean)
	inv := make([]float32, c)
	for k := range c {
		inv[k] = 1 / n.Std[k]
	}
	chunk := max(1, (1<<16)/c) * c
	_ = parallelFor((len(x)+chunk-1)/chunk, func(i int) error {
		part := x[i*chunk : min(len(x), (i+1)*chunk)]
		if c == 1 {
			m, s := n.Mean[0], inv[0]
			for j, v := range part {
				part[j] = (v - m) * s
			}
			return nil
		}
		for j := range part {
			k := j % c
			part[j] = (part[j] - n.Mean[k]) * inv[k]
		}
		return nil
	})
}

// Invert undoes Apply in place: x_i ← x_i·σ_c + μ_c (e.g. to display normalized images).
func (n *Normalization) Invert(x []float32) {
	c := len(n.Mean)
	for i := range x {
		k := i % c
		x[i] = x[i]*n.Std[k] + n.Mean[k]
	}
}

// Normalize computes μ and σ on train ([ComputeNormalization]) and standardizes train and every
// other data set (validation, test) with these same values, in place. The statistics are stored
// in each data set's Norm field and returned (save them with [Normalization.Save] for inference).
//
//	stats := nb.Must(datasets.Normalize(train, test))
//	nb.Check(stats.Save("norm.json")) // for inference: LoadNormalization("norm.json"), then Apply
//
// It returns an error when a data set is already normalized or has another channel count.
//
// MNIST and Fashion-MNIST normalized right after loading (Normalize(train, test), unchanged) come
// from the decoded cache: X then becomes the cached normalized copy instead of being rewritten in
// place (the same values; see GODL_DECODED_CACHE).
func Normalize(train *Dataset, others ...*Dataset) (*Normalization, error) {
	if train.Norm != nil {
		return nil, fmt.Errorf("datasets: Normalize: %s is already normalized (μ=%v, σ=%v)", train.Name, train.Norm.Mean, train.Norm.Std)
	}
	if n, ok := normalizeDecoded(append([]*Dataset{train}, others...)); ok {
		return n, nil // MNIST or Fashion-MNIST as loaded: from the decoded cache (decoded.go)
	}
	n := ComputeNormalization(train)
	for _, d := range others {
		if err := d.NormalizeWith(n); err != nil {
			return nil, err
		}
	}
	train.Norm = n.clone()
	n.Apply(train.X)
	return n, nil
}

// NormalizeWith standardizes d in place with statistics computed elsewhere (the training set).
func (d *Dataset) NormalizeWith(n *Normalization) error {
	if d.Norm != nil {
		return fmt.Errorf("datasets: %s is already normalized (μ=%v, σ=%v)", d.Name, d.Norm.Mean, d.Norm.Std)
	}
	if c := channelsOf(d.Shape); c != len(n.Mean) || len(n.Std) != len(n.Mean) {
		return fmt.Errorf("datasets: %s has %d channels (shape %v) but the normalization has %d means and %d σ", d.Name, c, d.Shape, len(n.Mean), len(n.Std))
	}
	n.Apply(d.X)
	d.Norm = n.clone()
	return nil
}

// Save writes the statistics as JSON ({"mean":[...],"std":[...]}) atomically (temp file +
// rename).
func (n *Normalization) Save(path string) error {
	b, err := json.MarshalIndent(n, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644)
}

// LoadNormalization reads statistics written by [Normalization.Save].
func LoadNormalization(path string) (*Normalization, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var n Normalization
	if err := json.Unmarshal(b, &n); err != nil {
		return nil, fmt.Errorf("datasets: %s: not a normalization file: %v", path, err)
	}
	if len(n.Mean) == 0 || len(n.Mean) != len(n.Std) {
		return nil, fmt.Errorf("datasets: %s: %d means and %d σ, want the same non-zero count", path, len(n.Mean), len(n.Std))
	}
	for k, s := range n.Std {
		if !(s > 0) {
			return nil, fmt.Errorf("datasets: %s: σ[%d] = %v, want > 0", path, k, s)
		}
	}
	return &n, nil
}
