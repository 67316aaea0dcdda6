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
	sum := make([]float64, c)
	cnt := make([]float64, c)
	for i, v := range d.X {
		sum[i%c] += float64(v)
		cnt[i%c]++
	}
	mean := make([]float64, c)
	for k := range c {
		if cnt[k] > 0 {
			mean[k] = sum[k] / cnt[k]
		}
	}
	sq := make([]float64, c)
	for i, v := range d.X {
		dv := float64(v) - mean[i%c]
		sq[i%c] += dv * dv
	}
	n := &Normalization{Mean: make([]float32, c), Std: make([]float32, c)}
	for k := range c {
		n.Mean[k] = float32(mean[k])
		s := 1.0
		if cnt[k] > 0 {
			s = math.Sqrt(sq[k] / cnt[k])
		}
		if s < 1e-8 {
			s = 1
		}
		n.Std[k] = float32(s)
	}
	return n
}

// Apply standardizes x in place: x_i ← (x_i − μ_c) / σ_c with c = i mod len(Mean).
func (n *Normalization) Apply(x []float32) {
	c := len(n.Mean)
	inv := make([]float32, c)
	for k := range c {
		inv[k] = 1 / n.Std[k]
	}
	if c == 1 {
		m, s := n.Mean[0], inv[0]
		for i := range x {
			x[i] = (x[i] - m) * s
		}
		return
	}
	for i := range x {
		k := i % c
		x[i] = (x[i] - n.Mean[k]) * inv[k]
	}
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
func Normalize(train *Dataset, others ...*Dataset) (*Normalization, error) {
	if train.Norm != nil {
		return nil, fmt.Errorf("datasets: Normalize: %s is already normalized (μ=%v, σ=%v)", train.Name, train.Norm.Mean, train.Norm.Std)
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
