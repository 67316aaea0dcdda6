package nn

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/godl-course/godl/tensor"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// LayerGrads is what [LayerGradients] computes for one layer y = f(x; θ) and an upstream
// gradient Δy = ∂L/∂y.
type LayerGrads struct {
	Y  *tensor.Tensor // the output y = f(x; θ)
	DX *tensor.Tensor // Δx = ∂L/∂x, same shape as x: the Δy of the layer before

	// DWeights holds ∂L/∂θ for each trainable weight θ, same shape as θ, keyed like Weights.
	DWeights map[string]*tensor.Tensor

	// Weights holds the values used for every weight and state of the layer: the ones given to
	// LayerGradients and, for the others, the freshly initialized ones. Keys are the names
	// inside the layer: "weights" and "bias" for Dense, "kernel" and "bias" for Conv2D, "gamma",
	// "beta", "running_mean", "running_var" for BatchNorm, "W", "U", "bias" for RNN and LSTM;
	// inner layers of a composite layer are prefixed with their name: "conv2d_1/kernel".
	Weights map[string]*tensor.Tensor

	// Names lists the keys of Weights in the order the layer created them; Trainable those that
	// have a gradient in DWeights.
	Names, Trainable []string
}

// String lists the output, the input gradient and each weight gradient with their shapes.
func (r *LayerGrads) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "y      %s\n∂L/∂x  %s\n", dimsString(r.Y.Shape), dimsString(r.DX.Shape))
	for _, n := range r.Trainable {
		fmt.Fprintf(&sb, "∂L/∂%s  %s\n", n, dimsString(r.DWeights[n].Shape))
	}
	return sb.String()
}

// LayerGradients runs ONE layer forward and backward with GoMLX's automatic differentiation: it
// is the reference that a hand-written Backward (package nn/scratch) is compared with.
//
// Given the input x, the weights θ (by name; weights not given are initialized as in a new
// model, with [DefaultSeed]) and an upstream gradient Δy = ∂L/∂y of the shape of y, it returns
//
//	y      = f(x; θ)
//	∂L/∂x  = Δy · ∂y/∂x,  i.e. ∂L/∂x_i = Σ_j Δy_j ∂y_j/∂x_i
//	∂L/∂θ  = Δy · ∂y/∂θ,  i.e. ∂L/∂θ_k = Σ_j Δy_j ∂y_j/∂θ_k
//
// which is the chain rule of the forward-backward algorithm: whatever comes after the layer
// only enters through Δy. GoMLX gets these by differentiating the scalar L = Σ_j y_j·Δy_j
// (graph.Gradient): its gradient with respect to y is exactly Δy, so its gradients with respect
// to x and θ are the two lines above. A nil Δy means Δy = 1 everywhere (L = Σ_j y_j); a scalar
// Δy is used for every entry of y.
//
// The layer runs as during training (Ctx.Training is true): BatchNorm uses the batch
// statistics, Dropout drops values (with the random generator seeded by DefaultSeed).
// A whole model works too (a *Model is a Layer): its layers' weights are then named
// "conv2d_1/kernel", "dense_1/weights", ...
//
// Computations are in float32 (agreement with a float64 hand-written layer is to about 1e-7
// relative); x, Δy and the weights are the course's tensors (float64, converted).
// Shapes are batch first, as everywhere in nn: a Dense layer takes (batch, n_in), a Conv2D
// (batch, height, width, channels).
//
//	x := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
//	w := tensor.New([]float64{1, 0, 0, 1, 1, 1}, 3, 2)
//	g := nb.Must(nn.LayerGradients(nn.Dense(2), x, map[string]*tensor.Tensor{"weights": w}, nil))
//	// g.Y = x·W + b, g.DX = Δy·Wᵀ, g.DWeights["weights"] = xᵀ·Δy, g.DWeights["bias"] = Σ_n Δy_n
func LayerGradients(layer Layer, x *tensor.Tensor, weights map[string]*tensor.Tensor, dy *tensor.Tensor) (*LayerGrads, error) {
	return newLayerRunner(layer, true).run(x, weights, dy)
}

// layerRunner keeps the graph of one layer (forward and GoMLX gradients of L = Σ y·Δy) and its
// weights, so that it can be run many times with other inputs or weights (numerical gradients).
type layerRunner struct {
	layer    Layer
	training bool
	store    *model.Store
	exec     *model.Exec

	names     []string // all weights and states, in creation order (paths without the leading "/")
	trainable []string // those with a gradient, in the order of the graph's outputs
}

func newLayerRunner(layer Layer, training bool) *layerRunner {
	return &layerRunner{layer: layer, training: training}
}

// build creates the store and the executor; the graph itself is built for given shapes by run.
func (r *layerRunner) build() error {
	if r.layer == nil {
		return fmt.Errorf("nn.LayerGradients: the layer is nil")
	}
	if _, err := BackendErr(); err != nil {
		return err
	}
	r.store = model.NewStore()
	r.store.SetParam(model.ParamInitialSeed, DefaultSeed)
	return catch(func() {
		r.exec = compile(r.store, "", r.training, func(c *Ctx, in []*Node) []*Node {
			x, dy := in[0], in[1]
			g := x.Graph()
			y := r.forward(c, x)
			if dy.Rank() == 0 {
				dy = graph.BroadcastToShape(dy, y.Shape())
			} else if !dy.Shape().Equal(y.Shape()) {
				failf("nn.LayerGradients: Δy has shape %s but the output y of %s has shape %s; Δy = ∂L/∂y must have the shape of y",
					shapeString(dy.Shape()), r.layer, shapeString(y.Shape()))
			}
			// L = Σ_j y_j·Δy_j: ∂L/∂y = Δy, so ∂L/∂x and ∂L/∂θ are the chain rule's products.
			loss := graph.ReduceAllSum(graph.Mul(y, dy))
			r.names, r.trainable = nil, nil
			wrt := []*Node{x}
			for v := range r.store.IterVariables() {
				if !isModelVariable(v.Path()) || !v.InUseByGraph(g) {
					continue
				}
				name := strings.TrimPrefix(v.Path(), "/")
				r.names = append(r.names, name)
				if v.Trainable {
					r.trainable = append(r.trainable, name)
					wrt = append(wrt, v.NodeValue(g))
				}
			}
			return append([]*Node{y}, graph.Gradient(loss, wrt...)...)
		})
	})
}

// forward applies the layer at the root of the scope (weights are named "weights", "bias", ...)
// and reports a failure as a LayerError naming the layer.
func (r *layerRunner) forward(c *Ctx, x *Node) (y *Node) {
	defer func() {
		if p := recover(); p != nil {
			if le, ok := p.(*LayerError); ok {
				panic(le)
			}
			panic(&LayerError{Layer: kindOf(r.layer.String()), Config: r.layer.String(),
				InputShape: shapeString(x.Shape()), Err: panicToError(p)})
		}
	}()
	return r.layer.Forward(c, x)
}

// run computes y, ∂L/∂x and ∂L/∂θ for x, the given weights (the others keep their values) and Δy.
func (r *layerRunner) run(x *tensor.Tensor, weights map[string]*tensor.Tensor, dy *tensor.Tensor) (res *LayerGrads, err error) {
	if r.exec == nil {
		if err := r.build(); err != nil {
			return nil, err
		}
	}
	xt, err := fromTensor("nn.LayerGradients: the input x", x)
	if err != nil {
		return nil, err
	}
	dyt := tensors.FromScalar(float32(1))
	if dy != nil {
		if dyt, err = fromTensor("nn.LayerGradients: Δy", dy); err != nil {
			return nil, err
		}
	}
	err = catch(func() {
		if _, err := r.exec.Compile(xt.Shape(), dyt.Shape()); err != nil {
			panic(err)
		}
		if err := r.setWeights(weights); err != nil {
			panic(passErr{err})
		}
		outs := run(r.exec, xt, dyt)
		res = &LayerGrads{Y: toTensor(outs[0]), DX: toTensor(outs[1]), DWeights: map[string]*tensor.Tensor{}, Weights: map[string]*tensor.Tensor{},
			Names: slices.Clone(r.names), Trainable: slices.Clone(r.trainable)}
		for i, name := range r.trainable {
			res.DWeights[name] = toTensor(outs[2+i])
		}
		for _, name := range r.names {
			t, err := r.store.GetVariable("/" + name).Value()
			if err != nil {
				panic(err)
			}
			res.Weights[name] = toTensor(t)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("nn.LayerGradients(%s): %w", r.layer, err)
	}
	return res, nil
}

// setWeights writes the given weights into the layer's variables, checking names and shapes.
func (r *layerRunner) setWeights(weights map[string]*tensor.Tensor) error {
	keys := make([]string, 0, len(weights))
	for k := range weights {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, name := range keys {
		v := r.store.GetVariable("/" + strings.TrimPrefix(name, "/"))
		if v == nil || !slices.Contains(r.names, strings.TrimPrefix(name, "/")) {
			return fmt.Errorf("%s has no weight %q; its weights are %s", r.layer, name, strings.Join(r.names, ", "))
		}
		t, err := fromTensor(fmt.Sprintf("weight %q", name), weights[name])
		if err != nil {
			return err
		}
		if !t.Shape().Equal(v.Shape()) {
			return fmt.Errorf("weight %q of %s has shape %s for this input, but the given tensor has shape %s",
				name, r.layer, shapeString(v.Shape()), shapeString(t.Shape()))
		}
		if err := v.SetValue(t); err != nil {
			return err
		}
	}
	return nil
}
