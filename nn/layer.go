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

// Node is a value in the computation graph (a GoMLX graph.Node). Layers take and return Nodes.
type Node = graph.Node

// Layer is one building block of a model: it maps an input Node to an output Node,
// creating its weights on first use.
//
// Shapes are batch first: a batch of images is (batch, height, width, channels).
type Layer interface {
	// Forward builds the layer's computation for the input x. Use c to create weights
	// ([Ctx.Weight]), to know whether the model is training ([Ctx.Training]) and to apply
	// inner layers ([Ctx.Apply]).
	Forward(c *Ctx, x *Node) *Node

	// String describes the layer and its configuration, e.g. "Dense(64)". The text up to
	// the first "(" names the layer's kind, used for automatic layer names ("dense_1").
	String() string
}

// Ctx is what a layer sees while the model's computation graph is built: where its weights
// live, whether the model is training, and how to apply inner layers.
type Ctx struct {
	scope    *model.Scope
	g        *graph.Graph
	training bool
	path     string
	counts   map[string]int
	rec      *buildRecord
	depth    int
	owner    *Model // the model whose graph this is (its weights' store)
}

// layerRecord describes one applied layer in the last built graph (for Summary and introspection).
type layerRecord struct {
	Name     string // full name, e.g. "residual_1/conv2d_1"
	Config   string // e.g. "Conv2D(16, 3x3, stride 1, same)"
	Depth    int    // 0 for top-level layers
	Scope    string // variable scope of the layer
	InShape  shapes.Shape
	OutShape shapes.Shape
	out      *Node
}

type buildRecord struct {
	layers []*layerRecord
}

func newCtx(scope *model.Scope, g *graph.Graph, training bool) *Ctx {
	// Variables must stay graph parameters. The Go backend (compute v0.1.14) sets
	// Capabilities().PreferConstantsForVariables, and GoMLX v0.28.16 (Variable.paramNode) then
	// embeds a variable's current value as a constant in every graph not marked as training;
	// model.Exec caches the graph, so after training (or Load) an inference graph would keep
	// using stale weights. nn tracks the training/inference mode itself, in Ctx.training.
	// Canary: TestCanaryGoBackendBakesVariablesIntoInferenceGraphs (nn/canary_test.go); when it
	// fails, this call and the canary can go (nothing in nn reads Scope.IsTraining).
	scope.SetTraining(g, true)
	return &Ctx{scope: scope, g: g, training: training, counts: map[string]int{}, rec: &buildRecord{}}
}

// Training reports whether the graph is being built for training (Dropout active, BatchNorm
// using batch statistics) or for inference.
func (c *Ctx) Training() bool { return c.training }

// Graph returns the computation graph being built.
func (c *Ctx) Graph() *graph.Graph { return c.g }

// Scope returns the GoMLX scope holding this layer's variables.
func (c *Ctx) Scope() *model.Scope { return c.scope }

// Name returns the full name of the layer being built, e.g. "conv2d_1".
func (c *Ctx) Name() string { return c.path }

// layerKind returns the lower-case kind of layer used in automatic names: "Dense(64)" -> "dense".
func layerKind(l Layer) string { return kindOf(l.String()) }

func kindOf(s string) string {
	if i := strings.IndexAny(s, "( "); i >= 0 {
		s = s[:i]
	}
	s = strings.ToLower(s)
	if s == "" {
		s = "layer"
	}
	return s
}

// Apply applies the layer l to x, giving it its own name ("dense_1", "dense_2", ...) and
// weights. Use it inside a model function ([NewModel]) and inside composite layers.
//
// An error inside the layer (for instance a shape mismatch) is reported naming the layer,
// its configuration and its input shape.
func (c *Ctx) Apply(l Layer, x *Node) (y *Node) {
	if sub, ok := l.(*Model); ok {
		return c.applyModel(sub, x)
	}
	kind := layerKind(l)
	c.counts[kind]++
	name := fmt.Sprintf("%s_%d", kind, c.counts[kind])
	return c.applyAt(l, x, name, c.scope.At("%s", name))
}

// applyAt applies l to x as the layer called name (inside c) whose variables live in scope.
func (c *Ctx) applyAt(l Layer, x *Node, name string, scope *model.Scope) (y *Node) {
	full := name
	if c.path != "" {
		full = c.path + "/" + name
	}
	sub := &Ctx{scope: scope, g: c.g, training: c.training, path: full,
		counts: map[string]int{}, rec: c.rec, depth: c.depth + 1, owner: c.owner}
	r := &layerRecord{Name: full, Config: l.String(), Depth: c.depth, Scope: sub.scope.Scope(), InShape: x.Shape()}
	c.rec.layers = append(c.rec.layers, r)
	defer func() {
		if p := recover(); p != nil {
			if le, ok := p.(*LayerError); ok {
				panic(le)
			}
			panic(&LayerError{Layer: full, Config: l.String(), InputShape: shapeString(x.Shape()), Err: panicToError(p)})
		}
	}()
	y = l.Forward(sub, x)
	r.OutShape = y.Shape()
	r.out = y
	return y
}

// applyModel applies a model inside the one being built. The first time, the inner model is
// bound to this store under its name (Named, or "sequential_1", "model_2", ...): its weights
// live there from then on, and every later application, in this graph or another one of the
// same store, uses them (shared weights). The model being built itself (a custom Step applying
// the model it trains) is applied in place.
func (c *Ctx) applyModel(sub *Model, x *Node) *Node {
	store := c.scope.Store()
	if sub == c.owner || (sub.store == store && sub.at == "") {
		return sub.Forward(c, x)
	}
	if sub.store == store {
		return c.applyBound(sub, x, sub.Name(), store.Scope(sub.at))
	}
	name := sub.name
	if name != "" && scopeInUse(store, c.scope.At("%s", name).Scope()) {
		panic(passErr{fmt.Errorf("nn: two different models are called %q in one model: give them different names with Named", name)})
	}
	if name == "" {
		kind := "model"
		if sub.layers != nil {
			kind = "sequential"
		}
		for { // the next free name: another model may already live at "sequential_1"
			c.counts[kind]++
			name = fmt.Sprintf("%s_%d", kind, c.counts[kind])
			if !scopeInUse(store, c.scope.At("%s", name).Scope()) {
				break
			}
		}
	}
	scope := c.scope.At("%s", name)
	if err := sub.bind(store, scope.Scope(), c.owner); err != nil {
		panic(passErr{err})
	}
	return c.applyBound(sub, x, name, scope)
}

// applyBound applies a model bound to this store, remembering the shape of its examples.
func (c *Ctx) applyBound(sub *Model, x *Node, name string, scope *model.Scope) *Node {
	if sub.seen == nil && x.Rank() >= 1 {
		sub.seen = slices.Clone(x.Shape().Dimensions[1:])
	}
	return c.applyAt(sub, x, name, scope)
}

// scopeInUse reports whether the store has a variable under the scope path.
func scopeInUse(store *model.Store, path string) bool {
	for v := range store.IterVariables() {
		if v.Scope() == path || strings.HasPrefix(v.Scope(), path+"/") {
			return true
		}
	}
	return false
}

// Weight returns the trainable weight called name with the given dimensions, created with init
// the first time (nil init means [GlorotUniform]).
func (c *Ctx) Weight(name string, init Initializer, dims ...int) *Node {
	return c.variable(name, init, true, dims...).NodeValue(c.g)
}

// State returns a non-trainable variable of the layer (e.g. BatchNorm's running mean), created
// with init the first time (nil init means [Zeros]). Update it with Variable.SetNodeValue
// while training.
func (c *Ctx) State(name string, init Initializer, dims ...int) *model.Variable {
	if init == nil {
		init = Zeros
	}
	return c.variable(name, init, false, dims...)
}

func (c *Ctx) variable(name string, init Initializer, trainable bool, dims ...int) *model.Variable {
	if init == nil {
		init = GlorotUniform
	}
	shape := shapes.Make(dtypes.Float32, dims...)
	if v := c.scope.GetVariable(name); v != nil && !v.Shape().Equal(shape) {
		failf("its %s was created with shape %s but this input needs %s: was the model built for a different input shape?",
			name, dimsString(v.Shape().Dimensions), dimsString(dims))
	}
	existing := c.scope.GetVariable(name)
	v := c.scope.WithInitializer(model.VariableInitializer(init)).VariableWithShape(name, shape)
	if existing == nil {
		// Only when created: a student's v.Trainable = false (or Freeze) is not undone by the
		// next graph built.
		v.Trainable = trainable
	}
	return v
}

// shapeString writes a shape the way the lecture writes it: (64, 28, 28, 1).
func shapeString(s shapes.Shape) string {
	return dimsString(s.Dimensions)
}

func dimsString(dims []int) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = fmt.Sprint(d)
	}
	if len(dims) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// batchShapeString writes a shape with the batch axis as "N": (N, 28, 28, 1).
func batchShapeString(s shapes.Shape) string {
	if s.Rank() == 0 {
		return "()"
	}
	parts := []string{"N"}
	for _, d := range s.Dimensions[1:] {
		parts = append(parts, fmt.Sprint(d))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
