package scratch

import (
	"fmt"
	"math"

	"github.com/godl-course/godl/tensor"
)

// Softmax turns each row of logits z [N, K] into probabilities p [N, K]:
//
//	p_{n,k} = e^{z_{n,k}} / Σ_j e^{z_{n,j}}
//
// computed as e^{z−max(z)} / Σ e^{z−max(z)} so that large logits do not overflow.
func Softmax(logits *tensor.Tensor) *tensor.Tensor {
	mustRank("Softmax", logits, 2, "[N, K] (one row of K class scores per example)")
	n, k := logits.Shape[0], logits.Shape[1]
	p := logits.ZerosLike()
	for s := range n {
		z, out := logits.Data[s*k:(s+1)*k], p.Data[s*k:(s+1)*k]
		m := math.Inf(-1)
		for _, v := range z {
			m = max(m, v)
		}
		sum := 0.0
		for j, v := range z {
			out[j] = math.Exp(v - m)
			sum += out[j]
		}
		for j := range out {
			out[j] /= sum
		}
	}
	return p
}

// SoftmaxCrossEntropy is the classification loss: softmax of the logits, then the mean negative
// log-probability of the true class.
//
//	L = −(1/N) Σ_n log p_{n, y_n},   p = Softmax(z)
//	∂L/∂z_{n,k} = (p_{n,k} − 1[k = y_n]) / N
//
// The gradient is simple because softmax and log cancel: that is why the two are fused.
type SoftmaxCrossEntropy struct {
	probs  *tensor.Tensor
	labels []int
}

// String returns "SoftmaxCrossEntropy".
func (s *SoftmaxCrossEntropy) String() string { return "SoftmaxCrossEntropy" }

// Forward returns the mean loss of logits [N, K] against labels (N class ids in [0, K)).
func (s *SoftmaxCrossEntropy) Forward(logits *tensor.Tensor, labels []int) float64 {
	mustRank("SoftmaxCrossEntropy.Forward", logits, 2, "[N, K] (one row of K class scores per example)")
	n, k := logits.Shape[0], logits.Shape[1]
	if len(labels) != n {
		panic(fmt.Sprintf("scratch.SoftmaxCrossEntropy.Forward: %d labels for %d rows of logits %v; give one label per example",
			len(labels), n, logits.Shape))
	}
	for i, y := range labels {
		if y < 0 || y >= k {
			panic(fmt.Sprintf("scratch.SoftmaxCrossEntropy.Forward: label %d of example %d is outside [0, %d): "+
				"the logits have %d classes", y, i, k, k))
		}
	}
	s.probs, s.labels = Softmax(logits), labels
	loss := 0.0
	for i, y := range labels {
		loss -= math.Log(max(s.probs.Data[i*k+y], math.SmallestNonzeroFloat64))
	}
	return loss / float64(n)
}

// Probs returns the probabilities computed by the last Forward, [N, K].
func (s *SoftmaxCrossEntropy) Probs() *tensor.Tensor { return s.probs }

// Backward returns ∂L/∂z = (p − onehot(y)) / N, shaped like the logits. It starts the backward
// pass: the loss is the end of the chain, ∂L/∂L = 1.
func (s *SoftmaxCrossEntropy) Backward() *tensor.Tensor {
	mustForwardFirst("SoftmaxCrossEntropy", s.probs)
	n, k := s.probs.Shape[0], s.probs.Shape[1]
	dz := s.probs.Clone()
	for i, y := range s.labels {
		dz.Data[i*k+y] -= 1
	}
	for i := range dz.Data {
		dz.Data[i] /= float64(n)
	}
	return dz
}

// Accuracy returns the fraction of rows of logits [N, K] whose largest value is at the label.
func Accuracy(logits *tensor.Tensor, labels []int) float64 {
	mustRank("Accuracy", logits, 2, "[N, K]")
	n, k := logits.Shape[0], logits.Shape[1]
	if len(labels) != n {
		panic(fmt.Sprintf("scratch.Accuracy: %d labels for %d rows of logits", len(labels), n))
	}
	correct := 0
	for i, y := range labels {
		best := 0
		for j := 1; j < k; j++ {
			if logits.Data[i*k+j] > logits.Data[i*k+best] {
				best = j
			}
		}
		if best == y {
			correct++
		}
	}
	return float64(correct) / float64(n)
}
