package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/godl-course/godl/datasets"
)

// Weights returns the variables of a layer by name (e.g. "conv2d_1"): "kernel" (Conv2D filters,
// shape (k, k, c_in, c_out)), "weights" (Dense, (n_in, n_out)), "bias", BatchNorm's "gamma",
// "beta", "running_mean", "running_var".
func (m *Model) Weights(layer string) (map[string]*tensors.Tensor, error) {
	if m.rec == nil {
		return nil, fmt.Errorf("nn.Weights: %s", notBuilt)
	}
	var names []string
	for _, r := range m.rec.layers {
		names = append(names, r.Name)
		if r.Name != layer {
			continue
		}
		out := map[string]*tensors.Tensor{}
		for v := range m.Store().IterVariables() {
			if v.Scope() == r.Scope {
				t, err := v.Value()
				if err != nil {
					return nil, err
				}
				out[v.Name()] = t
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("nn.Weights: no layer %q; the layers are %s", layer, strings.Join(names, ", "))
}

// Activation is the output of one layer for the given input examples.
type Activation struct {
	Layer  string          // layer name, e.g. "conv2d_1"
	Config string          // e.g. "Conv2D(6, 5x5, stride 1, same)"
	Value  *tensors.Tensor // (examples, output shape...)
}

// Activations runs the model (inference mode) on the examples of d and returns every layer's
// output, in order: the feature maps of the lecture's CNN chapter.
func (m *Model) Activations(d *datasets.Dataset) (acts []Activation, err error) {
	if err := checkInputs(d); err != nil {
		return nil, err
	}
	err = catch(func() {
		m.mustBuild(d.Shape)
		var rec *buildRecord
		e, err := model.NewExec(Backend(), m.Store(), func(scope *model.Scope, x *Node) []*Node {
			c := newCtx(scope, x.Graph(), false)
			m.Forward(c, x)
			rec = c.rec
			outs := make([]*Node, len(rec.layers))
			for i, r := range rec.layers {
				outs[i] = r.out
			}
			return outs
		})
		if err != nil {
			panic(err)
		}
		outs, err := e.Exec(batchX(d, rangeIdx(0, d.Len())))
		if err != nil {
			panic(err)
		}
		for i, r := range rec.layers {
			acts = append(acts, Activation{Layer: r.Name, Config: r.Config, Value: outs[i]})
		}
	})
	return acts, err
}

// GradientNorms computes, for one batch (all examples of d), the L2 norm ‖∂L/∂w‖ of the
// gradient of each layer's trainable weights (all of a layer's weights together), keyed by
// layer name: vanishing or exploding gradients show up here. The loss is the one of the last
// Fit, or the default for the data. Weights are not changed.
func (m *Model) GradientNorms(d *datasets.Dataset) (norms map[string]float64, err error) {
	if err := checkInputs(d); err != nil {
		return nil, err
	}
	err = catch(func() {
		loss := m.mustPrepare(d)
		store := m.Store()
		var paths []string
		e, err := model.NewExec(Backend(), store, func(scope *model.Scope, x, y *Node) []*Node {
			g := x.Graph()
			c := newCtx(scope, g, true)
			l := loss.Loss(m.Forward(c, x), y)
			var nodes []*Node
			paths = nil
			for v := range store.IterVariables() {
				if v.Trainable && isModelVariable(v.Path()) && v.InUseByGraph(g) {
					nodes = append(nodes, v.NodeValue(g))
					paths = append(paths, v.Scope())
				}
			}
			grads := graph.Gradient(l, nodes...)
			outs := make([]*Node, len(grads))
			for i, gr := range grads {
				outs[i] = graph.ReduceAllSum(graph.Square(gr))
			}
			return outs
		})
		if err != nil {
			panic(err)
		}
		// Keep the state (BatchNorm statistics, random generator) untouched.
		saved := map[*model.Variable]*tensors.Tensor{}
		for v := range store.IterVariables() {
			if v.HasValue() {
				t, _ := v.Value()
				if c, err := t.LocalClone(); err == nil {
					saved[v] = c
				}
			}
		}
		outs, err := e.Exec(batchX(d, rangeIdx(0, d.Len())), batchY(d, rangeIdx(0, d.Len())))
		if err != nil {
			panic(err)
		}
		for v, t := range saved {
			_ = v.SetValue(t)
		}
		sq := map[string]float64{}
		for i, p := range paths {
			sq[p] += float64(tensors.ToScalar[float32](outs[i]))
		}
		norms = map[string]float64{}
		for _, r := range m.rec.layers {
			if s, ok := sq[r.Scope]; ok {
				norms[r.Name] = math.Sqrt(s)
			}
		}
	})
	return norms, err
}
