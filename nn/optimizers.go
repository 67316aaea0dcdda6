package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Optimizer updates the weights from their gradients, one mini-batch at a time.
//
// The rules below are written as graph code next to the lecture's formulas, with Δw the
// gradient ∂L/∂w of the batch's loss and α the learning rate.
type Optimizer interface {
	// LearningRate returns the base learning rate α (a Schedule may change it per step).
	LearningRate() float64
	// Update sets the new value of each trainable weight (and of the optimizer's own state).
	Update(u *Updater)
	String() string
}

// Updater gives an Optimizer what it needs to write its update rule inside the training graph.
type Updater struct {
	scope  *model.Scope
	prefix string
	LR     *Node             // learning rate α of this step (scalar)
	T      *Node             // step number t = 1, 2, 3, ... (scalar float32)
	Params []*model.Variable // trainable weights w
	Grads  []*Node           // their gradients Δw, same order
}

// Slot returns the optimizer's state for weight i (e.g. Adam's m), a tensor of w's shape that
// starts at zero and persists between steps (it is saved with the model).
func (u *Updater) Slot(i int, name string) *model.Variable {
	p := u.Params[i]
	path := "/" + u.prefix + "/" + name + strings.ReplaceAll(p.Path(), "#", "_")
	v := u.scope.Store().VariableWithShape(path, p.Shape(), graph.Zeros)
	v.Trainable = false
	return v
}

// Set sets the new value of weight i.
func (u *Updater) Set(i int, value *Node) { u.Params[i].SetNodeValue(value) }

// Value returns the current value of weight i.
func (u *Updater) Value(i int) *Node { return u.Params[i].NodeValue(u.LR.Graph()) }

func slotValue(u *Updater, v *model.Variable) *Node { return v.NodeValue(u.LR.Graph()) }

// SGDOptimizer is stochastic gradient descent, with optional momentum.
type SGDOptimizer struct {
	LR       float64 // α
	Momentum float64 // γ; 0 for plain SGD
}

// SGD is plain stochastic gradient descent: w_t = w_{t−1} − α Δw.
func SGD(lr float64) *SGDOptimizer { return &SGDOptimizer{LR: lr} }

// Momentum is SGD with momentum, as in the lecture:
//
//	v_t = γ v_{t−1} + α Δw
//	w_t = w_{t−1} − v_t
//
// γ = 0.9 is the usual momentum.
func Momentum(lr, gamma float64) *SGDOptimizer { return &SGDOptimizer{LR: lr, Momentum: gamma} }

func (o *SGDOptimizer) LearningRate() float64 { return o.LR }
func (o *SGDOptimizer) String() string {
	if o.Momentum != 0 {
		return fmt.Sprintf("Momentum(lr=%g, γ=%g)", o.LR, o.Momentum)
	}
	return fmt.Sprintf("SGD(lr=%g)", o.LR)
}

// Update implements Optimizer.
func (o *SGDOptimizer) Update(u *Updater) {
	for i, dw := range u.Grads {
		w := u.Value(i)
		step := graph.Mul(u.LR, dw) // α Δw
		if o.Momentum != 0 {
			vVar := u.Slot(i, "v")
			v := graph.Add(graph.MulScalar(slotValue(u, vVar), o.Momentum), step) // v_t = γ v_{t−1} + α Δw
			vVar.SetNodeValue(v)
			step = v
		}
		u.Set(i, graph.Sub(w, step)) // w_t = w_{t−1} − v_t
	}
}

// AdagradOptimizer adapts the step of each weight to the history of its gradients.
type AdagradOptimizer struct {
	LR      float64
	Epsilon float64 // ε, default 1e-8 when 0
}

// Adagrad, as in the lecture:
//
//	G_{t,i} = G_{t−1,i} + (Δw_i)²          (sum of the squared gradients of w_i)
//	w_{t+1,i} = w_{t,i} − α/√(G_{t,i} + ε) · Δw_i
func Adagrad(lr float64) *AdagradOptimizer { return &AdagradOptimizer{LR: lr} }

func (o *AdagradOptimizer) LearningRate() float64 { return o.LR }
func (o *AdagradOptimizer) String() string        { return fmt.Sprintf("Adagrad(lr=%g)", o.LR) }

// Update implements Optimizer.
func (o *AdagradOptimizer) Update(u *Updater) {
	eps := orDefault(o.Epsilon, 1e-8)
	for i, dw := range u.Grads {
		gVar := u.Slot(i, "G")
		G := graph.Add(slotValue(u, gVar), graph.Square(dw)) // G_t = G_{t−1} + Δw²
		gVar.SetNodeValue(G)
		scale := graph.Div(u.LR, graph.Sqrt(graph.AddScalar(G, eps))) // α/√(G_t + ε)
		u.Set(i, graph.Sub(u.Value(i), graph.Mul(scale, dw)))
	}
}

// RMSPropOptimizer keeps a moving average of squared gradients.
type RMSPropOptimizer struct {
	LR      float64
	Rho     float64 // ρ, default 0.9 when 0
	Epsilon float64 // ε, default 1e-8 when 0
}

// RMSProp (Hinton):
//
//	E_t = ρ E_{t−1} + (1 − ρ) (Δw)²
//	w_t = w_{t−1} − α/√(E_t + ε) · Δw
func RMSProp(lr float64) *RMSPropOptimizer { return &RMSPropOptimizer{LR: lr} }

func (o *RMSPropOptimizer) LearningRate() float64 { return o.LR }
func (o *RMSPropOptimizer) String() string {
	if o.Rho != 0 && o.Rho != 0.9 {
		return fmt.Sprintf("RMSProp(lr=%g, ρ=%g)", o.LR, o.Rho)
	}
	return fmt.Sprintf("RMSProp(lr=%g)", o.LR)
}

// WithRho sets ρ, the decay of the mean of squared gradients (default 0.9), and returns the optimizer.
func (o *RMSPropOptimizer) WithRho(rho float64) *RMSPropOptimizer { o.Rho = rho; return o }

// Update implements Optimizer.
func (o *RMSPropOptimizer) Update(u *Updater) {
	rho, eps := orDefault(o.Rho, 0.9), orDefault(o.Epsilon, 1e-8)
	for i, dw := range u.Grads {
		eVar := u.Slot(i, "E")
		E := graph.Add(graph.MulScalar(slotValue(u, eVar), rho), graph.MulScalar(graph.Square(dw), 1-rho))
		eVar.SetNodeValue(E)
		scale := graph.Div(u.LR, graph.Sqrt(graph.AddScalar(E, eps)))
		u.Set(i, graph.Sub(u.Value(i), graph.Mul(scale, dw)))
	}
}

// AdamOptimizer is Adam (Kingma & Ba 2015).
type AdamOptimizer struct {
	LR           float64
	Beta1, Beta2 float64 // β1, β2; defaults 0.9 and 0.999 when 0
	Epsilon      float64 // ε, default 1e-8 when 0
}

// Adam implements the standard algorithm of Kingma & Ba (2015), with bias correction:
//
//	m_t = β1 m_{t−1} + (1 − β1) Δw          (mean of the gradients)
//	v_t = β2 v_{t−1} + (1 − β2) Δw²         (mean of the squared gradients)
//	m̂_t = m_t/(1 − β1^t),  v̂_t = v_t/(1 − β2^t)
//	w_t = w_{t−1} − α m̂_t/(√v̂_t + ε)
//
// Note: the lecture's Adam slide writes m_t = β1/(1−β1) m_{t−1} + Δw_t and
// w_{t+1} = w_t − α m_t/√(v_t + ε). That is not the published algorithm (its factor
// β/(1−β) = 9 for β = 0.9 makes m grow without bound); this package implements Kingma & Ba.
func Adam(lr float64) *AdamOptimizer { return &AdamOptimizer{LR: lr} }

func (o *AdamOptimizer) LearningRate() float64 { return o.LR }
func (o *AdamOptimizer) String() string {
	b1, b2 := orDefault(o.Beta1, 0.9), orDefault(o.Beta2, 0.999)
	if b1 != 0.9 || b2 != 0.999 {
		return fmt.Sprintf("Adam(lr=%g, β1=%g, β2=%g)", o.LR, b1, b2)
	}
	return fmt.Sprintf("Adam(lr=%g)", o.LR)
}

// WithBetas sets β1 and β2 (defaults 0.9 and 0.999; GANs often use β1 = 0.5) and returns the
// optimizer: nn.Adam(2e-4).WithBetas(0.5, 0.999).
func (o *AdamOptimizer) WithBetas(beta1, beta2 float64) *AdamOptimizer {
	o.Beta1, o.Beta2 = beta1, beta2
	return o
}

// Update implements Optimizer.
func (o *AdamOptimizer) Update(u *Updater) {
	b1, b2, eps := orDefault(o.Beta1, 0.9), orDefault(o.Beta2, 0.999), orDefault(o.Epsilon, 1e-8)
	g := u.LR.Graph()
	// Bias corrections 1 − β^t.
	c1 := graph.OneMinus(graph.Pow(graph.Scalar(g, dtypes.Float32, b1), u.T))
	c2 := graph.OneMinus(graph.Pow(graph.Scalar(g, dtypes.Float32, b2), u.T))
	for i, dw := range u.Grads {
		mVar, vVar := u.Slot(i, "m"), u.Slot(i, "v")
		m := graph.Add(graph.MulScalar(slotValue(u, mVar), b1), graph.MulScalar(dw, 1-b1))
		v := graph.Add(graph.MulScalar(slotValue(u, vVar), b2), graph.MulScalar(graph.Square(dw), 1-b2))
		mVar.SetNodeValue(m)
		vVar.SetNodeValue(v)
		mHat := graph.Div(m, c1)
		vHat := graph.Div(v, c2)
		step := graph.Div(graph.Mul(u.LR, mHat), graph.AddScalar(graph.Sqrt(vHat), eps))
		u.Set(i, graph.Sub(u.Value(i), step))
	}
}

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// checkOptimizer reports a bad hyperparameter before training starts.
func checkOptimizer(o Optimizer) error {
	lr := o.LearningRate()
	if !(lr > 0) || math.IsInf(lr, 0) {
		return fmt.Errorf("nn: the learning rate of %s must be a positive number, got %g (typical values: 1e-3 for Adam, 0.01 to 0.1 for SGD)", o, lr)
	}
	check := func(name string, v float64) error {
		if v < 0 || v >= 1 || math.IsNaN(v) {
			return fmt.Errorf("nn: %s of %s must be in [0, 1), got %g", name, o, v)
		}
		return nil
	}
	switch o := o.(type) {
	case *SGDOptimizer:
		return check("the momentum γ", o.Momentum)
	case *RMSPropOptimizer:
		return check("ρ", o.Rho)
	case *AdamOptimizer:
		if err := check("β1", o.Beta1); err != nil {
			return err
		}
		return check("β2", o.Beta2)
	}
	return nil
}

// stepVariable is the optimizer's step counter t (float32 scalar, starts at 0).
func stepVariable(s *model.Store) *model.Variable {
	v := s.VariableWithShape("/optimizer/t", shapes.Make(dtypes.Float32), graph.Zeros)
	v.Trainable = false
	return v
}
