package nn

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/tensor"
)

// Weights returns a copy of the variables of a layer by name (e.g. "conv2d_1"): "kernel"
// (Conv2D filters, shape (k, k, c_in, c_out)), "weights" (Dense, (n_in, n_out)), "bias",
// BatchNorm's "gamma", "beta", "running_mean", "running_var". The copies stay valid (and
// unchanged) when the model trains further.
func (m *Model) Weights(layer string) (map[string]*tensor.Tensor, error) {
	path := m.at + "/" + strings.Trim(layer, "/")
	out := map[string]*tensor.Tensor{}
	var layers []string
	err := catch(func() {
		for _, v := range m.ownVariables() {
			if l := strings.TrimPrefix(v.Scope(), m.at+"/"); !slices.Contains(layers, l) {
				layers = append(layers, l)
			}
			if v.Scope() != path || !v.HasValue() {
				continue
			}
			t, err := v.Value()
			if err != nil {
				panic(err)
			}
			out[v.Name()] = toTensor(t)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("nn.Weights(%q): %w", layer, err)
	}
	if len(out) == 0 {
		if len(layers) == 0 {
			return nil, fmt.Errorf("nn.Weights(%q): the model has no weights yet: %s", layer, notBuilt)
		}
		return nil, fmt.Errorf("nn.Weights: no layer %q with weights; the layers with weights are %s", layer, strings.Join(layers, ", "))
	}
	return out, nil
}

// Activation is the output of one layer for the given input examples.
type Activation struct {
	Layer  string         // layer name, e.g. "conv2d_1"
	Config string         // e.g. "Conv2D(6, 5x5, stride 1, same)"
	Value  *tensor.Tensor // (examples, output shape...)
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
		e := compile(m.Store(), m.at, false, func(c *Ctx, in []*Node) []*Node {
			c.owner = m
			m.Forward(c, in[0])
			rec = c.rec
			outs := make([]*Node, len(rec.layers))
			for i, r := range rec.layers {
				outs[i] = r.out
			}
			return outs
		})
		outs := run(e, batchX(d, rangeIdx(0, d.Len())))
		for i, r := range rec.layers {
			acts = append(acts, Activation{Layer: r.Name, Config: r.Config, Value: toTensor(outs[i])})
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
		e := compile(store, m.at, true, func(c *Ctx, in []*Node) []*Node {
			c.owner = m
			g := c.Graph()
			l := loss.Loss(m.Forward(c, in[0]), in[1])
			var nodes []*Node
			paths = nil
			for _, v := range m.trainableVariables(g) {
				nodes = append(nodes, v.NodeValue(g))
				paths = append(paths, v.Scope())
			}
			grads := graph.Gradient(l, nodes...)
			outs := make([]*Node, len(grads))
			for i, gr := range grads {
				outs[i] = graph.ReduceAllSum(graph.Square(gr))
			}
			return outs
		})
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
		outs := run(e, batchX(d, rangeIdx(0, d.Len())), batchY(d, rangeIdx(0, d.Len())))
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
