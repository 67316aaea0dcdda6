package nn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// StepFunc is a training step written by hand: for one mini-batch (x, and the targets y, nil
// when the data set has none) it builds the losses and says which weights each loss trains.
// Fit then computes the gradients, applies the optimizer, records the values and draws the
// progress bar as for any model. See [FitConfig.Step].
type StepFunc func(s *Step, x, y *Node)

// Step is what a [StepFunc] sees while its graph is built: a [Ctx] (Apply, Graph, Training,
// RandomNormal) plus Minimize and Record.
type Step struct {
	*Ctx
	m          *Model // the model Fit trains
	objectives []objective
	names      []string
	values     []*Node
}

type objective struct {
	loss   *Node
	models []*Model
}

// Minimize adds a loss (a scalar) that training minimizes with respect to the weights of the
// given models only: the gradient of loss is taken with respect to those weights, the other
// models' weights are left unchanged by it even when loss depends on them. With no model it
// trains every weight of the model Fit trains (frozen layers excepted). The loss recorded in the
// History is the sum of all minimized losses.
//
// A GAN, with G and D applied in the step (s.Apply), trains each player on its own loss:
//
//	s.Minimize(lossD, D) // −log D(x) − log(1 − D(G(z))): changes D only
//	s.Minimize(lossG, G) // −log D(G(z)): changes G only
func (s *Step) Minimize(loss *Node, models ...*Model) {
	if loss == nil || loss.Rank() != 0 {
		shape := "nil"
		if loss != nil {
			shape = shapeString(loss.Shape())
		}
		failf("nn.Step.Minimize: the loss must be a scalar (e.g. graph.ReduceAllMean of per-example losses), got shape %s", shape)
	}
	s.objectives = append(s.objectives, objective{loss: graph.ConvertDType(loss, dtypes.Float32), models: models})
}

// Record records a scalar under name for every step (History.Steps[i].Metrics[name]), its
// mean over each epoch (History.Epochs), its value on the validation data (ValMetrics), in the
// progress bar and in viz.LiveCurves. "accuracy" is shown as a percentage.
func (s *Step) Record(name string, value *Node) {
	if value == nil || value.Rank() != 0 {
		failf("nn.Step.Record(%q): the value must be a scalar (e.g. graph.ReduceAllMean(...))", name)
	}
	if slices.Contains(s.names, name) {
		failf("nn.Step.Record: %q is recorded twice; give each value its own name", name)
	}
	s.names = append(s.names, name)
	s.values = append(s.values, graph.ConvertDType(value, dtypes.Float32))
}

// RandomNormal returns values drawn from N(0, 1) with the given dimensions (e.g. the noise z of
// a GAN's generator: s.RandomNormal(batch, 64)), new ones at every step, from the model's random
// generator (seeded by Model.Seed).
func (c *Ctx) RandomNormal(dims ...int) *Node {
	return c.scope.Store().RandomNormal(c.g, shapes.Make(dtypes.Float32, dims...))
}

// RandomUniform returns values drawn uniformly in [0, 1) with the given dimensions.
func (c *Ctx) RandomUniform(dims ...int) *Node {
	return c.scope.Store().RandomUniform(c.g, shapes.Make(dtypes.Float32, dims...))
}

// totalLoss is the sum of the minimized losses (0 when there is none).
func (s *Step) totalLoss() *Node {
	if len(s.objectives) == 0 {
		failf("nn: the training step minimizes nothing: call s.Minimize(loss) in the Step function")
	}
	total := s.objectives[0].loss
	for _, o := range s.objectives[1:] {
		total = graph.Add(total, o.loss)
	}
	return total
}

// gradients returns the trainable variables and, for each, the sum of the gradients of the
// losses that train it.
func (s *Step) gradients() (params []*model.Variable, grads []*Node) {
	g := s.Graph()
	index := map[*model.Variable]int{}
	for _, o := range s.objectives {
		var vars []*model.Variable
		models := o.models
		if len(models) == 0 {
			models = []*Model{s.m}
		}
		for _, mm := range models {
			if mm == nil {
				failf("nn.Step.Minimize: a model is nil")
			}
			if mm != s.m && mm.store != s.m.store {
				failf("nn.Step.Minimize: model %s is not part of the model being trained: apply it in the step (s.Apply(model, x)) or put it in nn.Group", mm.describe())
			}
			for _, v := range s.m.trainableVariables(g) {
				if (mm.at == "" || strings.HasPrefix(v.Path(), mm.at+"/")) && !slices.Contains(vars, v) {
					vars = append(vars, v)
				}
			}
		}
		if len(vars) == 0 {
			continue // nothing trainable behind this loss (e.g. every layer frozen)
		}
		nodes := make([]*Node, len(vars))
		for i, v := range vars {
			nodes[i] = v.NodeValue(g)
		}
		for i, gr := range graph.Gradient(o.loss, nodes...) {
			if j, ok := index[vars[i]]; ok {
				grads[j] = graph.Add(grads[j], gr)
				continue
			}
			index[vars[i]] = len(params)
			params, grads = append(params, vars[i]), append(grads, gr)
		}
	}
	if len(params) == 0 {
		failf("nn: no weight to train: %s", s.m.noTrainableReason())
	}
	return params, grads
}

// trainableVariables lists the variables that training may change in graph g: trainable, of
// the model (under its scope), used by the graph, and not frozen.
func (m *Model) trainableVariables(g *graph.Graph) []*model.Variable {
	var vars []*model.Variable
	for _, v := range m.ownVariables() {
		if v.Trainable && v.DType() == dtypes.Float32 && v.InUseByGraph(g) && !m.isFrozen(v) {
			vars = append(vars, v)
		}
	}
	return vars
}

// defaultStep is the step of an ordinary model: out = model(x), minimize loss(out, y), record
// the accuracy (labelled data) and the metrics.
func defaultStep(m *Model, loss Loss, metrics []Metric, classification bool) StepFunc {
	return func(s *Step, x, y *Node) {
		out := s.Apply(m, x)
		if y == nil && !isCustomLoss(loss) {
			failf("nn: the data set has neither Labels nor Targets, and the loss %s needs them; give targets, or a loss made with nn.NewLoss that ignores them, or a custom .Step", loss)
		}
		s.Minimize(loss.Loss(out, y))
		if classification {
			s.Record("accuracy", accuracyNode(out, y))
		}
		for _, mt := range metrics {
			if y == nil {
				failf("nn: metric %s needs targets, and the data set has none", mt)
			}
			s.Record(mt.String(), mt.Metric(out, y))
		}
	}
}

// stepExec compiles the step: inputs (lr, x[, y]); outputs (total loss, recorded values...).
// With training set, the optimizer updates the weights; otherwise nothing changes (evaluation).
func (m *Model) stepExec(fn StepFunc, opt Optimizer, training bool, names *[]string) *model.Exec {
	store := m.Store()
	return compile(store, m.at, training, func(c *Ctx, in []*Node) []*Node {
		c.owner = m
		s := &Step{Ctx: c, m: m}
		x := in[1]
		var y *Node
		if len(in) > 2 {
			y = in[2]
		}
		fn(s, x, y)
		total := s.totalLoss()
		m.checkFrozen()
		if training {
			params, grads := s.gradients()
			tVar := stepVariable(store)
			t := graph.OnePlus(tVar.NodeValue(c.Graph()))
			tVar.SetNodeValue(t)
			prefix := "optimizer/" + kindOf(opt.String())
			opt.Update(&Updater{scope: store.RootScope(), prefix: prefix, LR: in[0], T: t, Params: params, Grads: grads})
		}
		*names = slices.Clone(s.names)
		return append([]*Node{total}, s.values...)
	})
}

// Freeze keeps the weights of the named layers (e.g. "conv2d_1") or inner models (a [Group]
// member's or a Named model's name) unchanged by Fit: the rest of the model trains, as when a
// pretrained feature extractor is reused. Unknown names are reported by Fit.
func (m *Model) Freeze(layers ...string) *Model {
	for _, l := range layers {
		if l = strings.Trim(l, "/"); !slices.Contains(m.frozen, l) {
			m.frozen = append(m.frozen, l)
		}
	}
	m.trainer = nil
	return m
}

// Unfreeze lets Fit train the named layers again; with no name, every layer.
func (m *Model) Unfreeze(layers ...string) *Model {
	if len(layers) == 0 {
		m.frozen = nil
	}
	for _, l := range layers {
		m.frozen = slices.DeleteFunc(m.frozen, func(f string) bool { return f == strings.Trim(l, "/") })
	}
	m.trainer = nil
	return m
}

// Frozen lists the layers Freeze keeps unchanged.
func (m *Model) Frozen() []string { return slices.Clone(m.frozen) }

func (m *Model) isFrozen(v *model.Variable) bool {
	for _, f := range m.frozen {
		p := m.at + "/" + f
		if v.Scope() == p || strings.HasPrefix(v.Scope(), p+"/") {
			return true
		}
	}
	return false
}

// checkFrozen fails when a frozen name matches no weight of the model.
func (m *Model) checkFrozen() {
	for _, f := range m.frozen {
		if !scopeInUse(m.Store(), m.at+"/"+f) {
			failf("nn.Freeze: the model has no layer %q with weights; the layers with weights are %s", f, strings.Join(m.layersWithWeights(), ", "))
		}
	}
}

// layersWithWeights lists the scopes (relative to the model) that hold variables.
func (m *Model) layersWithWeights() []string {
	var out []string
	for _, v := range m.ownVariables() {
		if l := strings.TrimPrefix(v.Scope(), m.at+"/"); !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

func (m *Model) noTrainableReason() string {
	if len(m.frozen) > 0 {
		return fmt.Sprintf("every layer with weights is frozen (%s); call Unfreeze", strings.Join(m.frozen, ", "))
	}
	return "the model has no trainable weights (only layers without parameters?)"
}
