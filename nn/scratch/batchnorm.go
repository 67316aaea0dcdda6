package scratch

import (
	"fmt"
	"math"

	"github.com/godl-course/godl/tensor"
)

// BatchNormLayer normalizes each feature (the last axis: features of [N, F], channels of
// [N, H, W, C]) over the batch, then scales and shifts it with learnt γ and β:
//
//	μ = mean(x),  σ² = mean((x − μ)²)          over all axes but the last (m values per feature)
//	x̂ = (x − μ) / √(σ² + ε)
//	y = γ x̂ + β
//
// In training (Eval false, the zero value) μ and σ² come from the batch and the running
// averages are updated: running ← Momentum·running + (1 − Momentum)·batch. With Eval true the
// running averages are used instead, so one example gives the same answer whatever the batch.
type BatchNormLayer struct {
	Features    int
	Epsilon     float64 // ε; 0 means 1e-5
	Momentum    float64 // for the running averages; 0 means 0.9
	Eval        bool    // use the running statistics (inference) instead of the batch ones
	Gamma, Beta *Param
	RunningMean []float64
	RunningVar  []float64

	x      *tensor.Tensor
	xhat   *tensor.Tensor
	invStd []float64 // 1/√(σ²+ε) per feature, as used by the last Forward
}

// BatchNorm returns a batch normalization of the given number of features with γ = 1, β = 0.
func BatchNorm(features int) *BatchNormLayer {
	if features <= 0 {
		panic(fmt.Sprintf("scratch.BatchNorm(%d): the number of features must be positive", features))
	}
	gamma := tensor.Zeros(features)
	for i := range gamma.Data {
		gamma.Data[i] = 1
	}
	rv := make([]float64, features)
	for i := range rv {
		rv[i] = 1
	}
	return &BatchNormLayer{Features: features, Gamma: newParam("gamma", gamma), Beta: newParam("beta", tensor.Zeros(features)),
		RunningMean: make([]float64, features), RunningVar: rv}
}

// String describes the layer, e.g. "BatchNorm(8)".
func (bn *BatchNormLayer) String() string { return fmt.Sprintf("BatchNorm(%d)", bn.Features) }

// Params returns γ and β.
func (bn *BatchNormLayer) Params() []*Param { return []*Param{bn.Gamma, bn.Beta} }

func (bn *BatchNormLayer) eps() float64 {
	if bn.Epsilon == 0 {
		return 1e-5
	}
	return bn.Epsilon
}

// Forward normalizes x (any rank ≥ 2, features last) and returns y = γ x̂ + β, same shape.
func (bn *BatchNormLayer) Forward(x *tensor.Tensor) *tensor.Tensor {
	mustAny("BatchNorm.Forward", x)
	if bn.Gamma == nil || bn.Beta == nil || len(bn.RunningMean) != bn.Features || len(bn.RunningVar) != bn.Features {
		panic("scratch.BatchNormLayer.Forward: the layer is not initialized; build it with scratch.BatchNorm(features)")
	}
	if len(x.Shape) < 2 || x.Shape[len(x.Shape)-1] != bn.Features {
		panic(fmt.Sprintf("scratch.BatchNormLayer.Forward: input has shape %v, want [N, ..., %d] (features last, "+
			"scratch.BatchNorm(%d))", x.Shape, bn.Features, bn.Features))
	}
	f := bn.Features
	m := x.Size() / f
	if m == 0 {
		panic(fmt.Sprintf("scratch.BatchNormLayer.Forward: input %v is empty", x.Shape))
	}
	mean, variance := make([]float64, f), make([]float64, f)
	if bn.Eval {
		copy(mean, bn.RunningMean)
		copy(variance, bn.RunningVar)
	} else {
		for i, v := range x.Data {
			mean[i%f] += v
		}
		for c := range mean {
			mean[c] /= float64(m)
		}
		for i, v := range x.Data {
			d := v - mean[i%f]
			variance[i%f] += d * d
		}
		mom := bn.Momentum
		if mom == 0 {
			mom = 0.9
		}
		for c := range variance {
			variance[c] /= float64(m)
			bn.RunningMean[c] = mom*bn.RunningMean[c] + (1-mom)*mean[c]
			bn.RunningVar[c] = mom*bn.RunningVar[c] + (1-mom)*variance[c]
		}
	}
	bn.invStd = make([]float64, f)
	for c := range variance {
		bn.invStd[c] = 1 / math.Sqrt(variance[c]+bn.eps())
	}
	bn.x, bn.xhat = x, x.ZerosLike()
	y := x.ZerosLike()
	for i, v := range x.Data {
		c := i % f
		bn.xhat.Data[i] = (v - mean[c]) * bn.invStd[c]
		y.Data[i] = bn.Gamma.Value.Data[c]*bn.xhat.Data[i] + bn.Beta.Value.Data[c]
	}
	return y
}

// Backward stores ∂L/∂γ = Σ Δy·x̂ and ∂L/∂β = Σ Δy (sums over the m values of each feature)
// and returns, in training mode, where μ and σ² depend on x:
//
//	∂L/∂x = γ / (m √(σ² + ε)) · (m Δy − Σ Δy − x̂ Σ (Δy x̂))
//
// In Eval mode μ and σ² are constants and ∂L/∂x = γ Δy / √(σ² + ε).
func (bn *BatchNormLayer) Backward(dy *tensor.Tensor) *tensor.Tensor {
	mustForwardFirst("BatchNorm", bn.x)
	mustGradShape("BatchNorm", dy, bn.x.Shape)
	f := bn.Features
	m := float64(dy.Size() / f)
	sumDy, sumDyXhat := make([]float64, f), make([]float64, f)
	for i, g := range dy.Data {
		sumDy[i%f] += g
		sumDyXhat[i%f] += g * bn.xhat.Data[i]
	}
	bn.Gamma.Grad, bn.Beta.Grad = tensor.New(sumDyXhat, f), tensor.New(sumDy, f)
	dx := dy.ZerosLike()
	for i, g := range dy.Data {
		c := i % f
		gamma := bn.Gamma.Value.Data[c]
		if bn.Eval {
			dx.Data[i] = gamma * g * bn.invStd[c]
			continue
		}
		dx.Data[i] = gamma * bn.invStd[c] / m * (m*g - sumDy[c] - bn.xhat.Data[i]*sumDyXhat[c])
	}
	return dx
}
