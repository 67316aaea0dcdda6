package nn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/tensor"
)

// DefaultSeed seeds the random initialization of new models, so that a notebook gives the same
// numbers every time it runs. Change it per model with [Model.Seed].
var DefaultSeed int64 = 1

// Model is a neural network: a function from a batch of inputs to a batch of outputs, with
// its weights. Build one with [Sequential] (a stack of layers) or [NewModel] (any Go
// function of layers), then train it with [Model.Fit].
//
// A model applied inside another one (c.Apply(G, z) in a [NewModel] function, s.Apply in a
// custom training [Step]) keeps its weights in that model: training the outer model trains
// them, and G.Predict, G.Weights, G.Summary then use them. Applying the same model value twice
// shares its weights (a GAN's discriminator sees real and generated images with one set of
// weights). [Group] puts several models in one for a custom training step.
type Model struct {
	layers  []Layer                     // Sequential models
	fn      func(c *Ctx, x *Node) *Node // models written as a function
	members []*Model                    // Group
	name    string                      // set by Named
	store   *model.Store
	at      string // absolute scope of this model's weights in store: "" (its own store) or e.g. "/generator"
	owner   *Model // the model whose store holds this one's weights; nil when it is its own
	err     error  // a construction error (Group), reported by Build, Fit, Save
	seed    int64
	frozen  []string

	input  []int // shape of one example, set when the model is built
	seen   []int // shape of one example the model was applied to inside another model
	output []int // shape of one output
	rec    *buildRecord

	predictExec *model.Exec
	loss        Loss
	metrics     []Metric
	step        StepFunc
	trainer     *trainer
	history     *History
	evalExecs   map[string]*evalExec
}

// Sequential returns a model that applies the layers one after the other:
//
//	model := nn.Sequential(nn.Flatten(), nn.Dense(128), nn.ReLU(), nn.Dense(10))
func Sequential(layers ...Layer) *Model {
	return &Model{layers: layers, seed: DefaultSeed}
}

// NewModel returns a model written as a Go function, for anything that is not a plain stack
// (ResNet, U-Net, GAN generators). Apply layers with c.Apply and combine Nodes with GoMLX's
// graph operations:
//
//	m := nn.NewModel(func(c *nn.Ctx, x *nn.Node) *nn.Node {
//		h := c.Apply(nn.Dense(32), x)
//		h = c.Apply(nn.ReLU(), h)
//		return c.Apply(nn.Dense(1), graph.Concatenate([]*nn.Node{h, x}, -1))
//	})
//
// The function is called each time a graph is built (for training and for inference); it
// must apply the same layers in the same order every time.
func NewModel(fn func(c *Ctx, x *Node) *Node) *Model {
	return &Model{fn: fn, seed: DefaultSeed}
}

// Named gives the model a name: the name of its weights' scope when it is applied inside another
// model or put in a [Group] ("generator/dense_1/weights"), and its title in summaries. Without a
// name, a model inside another one is called "sequential_1", "model_2", ...
func (m *Model) Named(name string) *Model {
	m.name = name
	return m
}

// Name returns the model's name (set by Named, or given when it was applied inside another
// model); "" for a model on its own.
func (m *Model) Name() string {
	if m.name != "" {
		return m.name
	}
	if m.at != "" {
		return m.at[strings.LastIndex(m.at, "/")+1:]
	}
	return ""
}

// Seed sets the seed of the random initialization and of Dropout (before the model is built).
func (m *Model) Seed(seed int64) *Model {
	m.seed = seed
	if m.store != nil && m.owner == nil {
		m.store.SetParam(model.ParamInitialSeed, seed)
		_ = m.store.SetRNGStateFromSeed(seed)
	}
	return m
}

// Store returns the GoMLX store with the model's variables (weights, optimizer state). A model
// applied inside another one shares that model's store (its weights are under [Model.Name]).
func (m *Model) Store() *model.Store {
	if m.store == nil {
		m.store = model.NewStore()
		m.store.SetParam(model.ParamInitialSeed, m.seed)
	}
	return m.store
}

// History returns the record of the last training (nil before training).
func (m *Model) History() *History { return m.history }

// InputShape returns the shape of one example the model was built for (nil before).
func (m *Model) InputShape() []int { return slices.Clone(m.input) }

// OutputShape returns the shape of the model's output for one example (nil before it is built).
func (m *Model) OutputShape() []int { return slices.Clone(m.output) }

// Forward builds the model's computation on x inside c (a *Model is a [Layer]: apply it inside
// another model with c.Apply(m, x)).
func (m *Model) Forward(c *Ctx, x *Node) *Node {
	if m.members != nil {
		failf("nn.Group %s has no computation of its own: apply one of its models", m.describe())
	}
	if m.fn != nil {
		return m.fn(c, x)
	}
	for _, l := range m.layers {
		x = c.Apply(l, x)
	}
	return x
}

func (m *Model) String() string {
	switch {
	case m.name != "":
		return m.name
	case m.members != nil:
		return fmt.Sprintf("Group(%d models)", len(m.members))
	case m.fn != nil:
		return "Model(func)"
	}
	return fmt.Sprintf("Sequential(%d layers)", len(m.layers))
}

// describe names the model in messages: its name, or its kind.
func (m *Model) describe() string {
	if n := m.Name(); n != "" {
		return fmt.Sprintf("%q", n)
	}
	return m.String()
}

// bind makes m keep its weights in store under the scope at (m is applied inside another model).
// A model that already has weights of its own cannot move: the error says what to do.
func (m *Model) bind(store *model.Store, at string, owner *Model) error {
	switch {
	case m.store == store:
		return nil
	case m.store != nil:
		return fmt.Errorf("nn: model %s already has weights of its own (it was built, trained or loaded on its own, or belongs to another model): "+
			"apply it inside the other model (or put it in nn.Group) before building or training it", m.describe())
	}
	m.store, m.at, m.owner = store, at, owner
	return nil
}

// exampleShape is the shape of one input example: the one it was built for, or the one it was
// applied to inside another model; nil when neither happened yet.
func (m *Model) exampleShape() []int {
	if m.input != nil {
		return m.input
	}
	return m.seen
}

// Build creates the model's weights for examples of the given shape (e.g. 28, 28, 1), without
// training. Fit, Evaluate and Predict build the model automatically.
func (m *Model) Build(exampleShape ...int) error {
	return catch(func() { m.mustBuild(exampleShape) })
}

func (m *Model) mustBuild(exampleShape []int) {
	if m.err != nil {
		panic(passErr{m.err})
	}
	if m.members != nil {
		failf("nn: %s has no input of its own: build, train or use the models it groups (or train it with a custom Step)", m.describe())
	}
	if len(exampleShape) == 0 {
		failf("nn: the model needs the shape of one example to be built, e.g. Build(28, 28, 1)")
	}
	for _, d := range exampleShape {
		if d <= 0 {
			failf("nn: invalid example shape %s", dimsString(exampleShape))
		}
	}
	if m.input != nil {
		if !slices.Equal(m.input, exampleShape) {
			failf("nn: the model was built for examples of shape %s, but these examples have shape %s",
				dimsString(m.input), dimsString(exampleShape))
		}
		return
	}
	if m.predictExec == nil {
		m.predictExec = compile(m.Store(), m.at, false, func(c *Ctx, in []*Node) []*Node {
			c.owner = m
			y := m.Forward(c, in[0])
			m.rec = c.rec
			if y.Rank() >= 1 {
				m.output = slices.Clone(y.Shape().Dimensions[1:])
			}
			return []*Node{y}
		})
	}
	// Running the model once on a zero example builds the graph, checks the shapes and
	// initializes the weights.
	run(m.predictExec, tensors.FromShape(shapes.Make(float32DType, append([]int{1}, exampleShape...)...)))
	m.input = slices.Clone(exampleShape)
}

// Predict runs the model on all examples of d (in batches) and returns the outputs, a tensor
// of shape (d.Len(), output shape...). For a classifier these are the logits; see
// [Model.Classify] for class ids.
func (m *Model) Predict(d *datasets.Dataset) (out *tensor.Tensor, err error) {
	if err := checkInputs(d); err != nil {
		return nil, err
	}
	err = catch(func() {
		m.mustBuild(d.Shape)
		out = m.mustPredict(d, 256)
	})
	return out, err
}

func (m *Model) mustPredict(d *datasets.Dataset, batch int) *tensor.Tensor {
	n := d.Len()
	out := tensor.Zeros(append([]int{n}, m.output...)...)
	per := prod(m.output)
	for start := 0; start < n; start += batch {
		end := min(n, start+batch)
		res := run(m.predictExec, batchX(d, rangeIdx(start, end)))
		for i, v := range tensors.MustCopyFlatData[float32](res[0]) {
			out.Data[start*per+i] = float64(v)
		}
	}
	return out
}

// Classify returns the predicted class of each example of d: the arg-max of the outputs, or
// for a single output unit, 1 when the logit is > 0.
func (m *Model) Classify(d *datasets.Dataset) ([]int, error) {
	out, err := m.Predict(d)
	if err != nil {
		return nil, err
	}
	if prod(m.output) == 1 {
		classes := make([]int, out.Len())
		for i, v := range out.Data {
			if v > 0 {
				classes[i] = 1
			}
		}
		return classes, nil
	}
	return out.ArgMax(), nil
}

// variablesOf lists the model's variables under a scope, in the store's order.
func (m *Model) variablesOf(scope string) []*model.Variable {
	var vars []*model.Variable
	for v := range m.Store().IterVariables() {
		if v.Scope() == scope || strings.HasPrefix(v.Scope(), scope+"/") {
			vars = append(vars, v)
		}
	}
	return vars
}

// ownVariables lists the model's own weights and statistics (not optimizer state), the ones
// under its scope when it lives inside another model.
func (m *Model) ownVariables() []*model.Variable {
	var vars []*model.Variable
	for v := range m.Store().IterVariables() {
		if isModelVariable(v.Path()) && (m.at == "" || strings.HasPrefix(v.Path(), m.at+"/")) {
			vars = append(vars, v)
		}
	}
	return vars
}
