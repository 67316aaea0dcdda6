package nn

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate of each optimizer step (step = 1, 2, ...), starting from
// the optimizer's base learning rate α₀.
type Schedule interface {
	LR(base float64, step int) float64
	String() string
}

type scheduleFunc struct {
	name string
	fn   func(base float64, step int) float64
}

func (s scheduleFunc) LR(base float64, step int) float64 { return s.fn(base, step) }
func (s scheduleFunc) String() string                    { return s.name }

// Constant keeps α = α₀ (the default).
func Constant() Schedule {
	return scheduleFunc{"Constant", func(base float64, _ int) float64 { return base }}
}

// StepDecay multiplies the rate by factor every `every` steps: α = α₀ · factor^⌊(step−1)/every⌋.
func StepDecay(every int, factor float64) Schedule {
	every = max(every, 1)
	return scheduleFunc{fmt.Sprintf("StepDecay(every=%d, factor=%g)", every, factor), func(base float64, step int) float64 {
		return base * math.Pow(factor, float64((step-1)/every))
	}}
}

// ExponentialDecay decays smoothly: α = α₀ · rate^((step−1)/decaySteps).
func ExponentialDecay(rate float64, decaySteps int) Schedule {
	decaySteps = max(decaySteps, 1)
	return scheduleFunc{fmt.Sprintf("ExponentialDecay(rate=%g, steps=%d)", rate, decaySteps), func(base float64, step int) float64 {
		return base * math.Pow(rate, float64(step-1)/float64(decaySteps))
	}}
}

// Cosine anneals from α₀ to minLR over totalSteps steps:
// α = minLR + (α₀ − minLR)·(1 + cos(π·(step−1)/totalSteps))/2, and minLR afterwards.
func Cosine(totalSteps int, minLR float64) Schedule {
	totalSteps = max(totalSteps, 1)
	return scheduleFunc{fmt.Sprintf("Cosine(steps=%d, min=%g)", totalSteps, minLR), func(base float64, step int) float64 {
		if step-1 >= totalSteps {
			return minLR
		}
		return minLR + (base-minLR)*(1+math.Cos(math.Pi*float64(step-1)/float64(totalSteps)))/2
	}}
}
