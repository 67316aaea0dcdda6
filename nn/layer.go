package nn

import (
	"fmt"
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
	// Variables must stay graph parameters: backends that prefer constants (the Go backend)
	// would otherwise embed the weights' current values as constants in inference graphs, and
	// a cached graph would keep using stale weights after training. nn tracks the
	// training/inference mode itself, in Ctx.training.
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
	kind := layerKind(l)
	c.counts[kind]++
	name := fmt.Sprintf("%s_%d", kind, c.counts[kind])
	full := name
	if c.path != "" {
		full = c.path + "/" + name
	}
	sub := &Ctx{scope: c.scope.At("%s", name), g: c.g, training: c.training, path: full,
		counts: map[string]int{}, rec: c.rec, depth: c.depth + 1}
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
	v := c.scope.WithInitializer(model.VariableInitializer(init)).VariableWithShape(name, shape)
	v.Trainable = trainable
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
