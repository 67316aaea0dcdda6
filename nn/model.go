package nn

import (
	"fmt"
	"slices"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/godl-course/godl/datasets"
)

// DefaultSeed seeds the random initialization of new models, so that a notebook gives the same
// numbers every time it runs. Change it per model with [Model.Seed].
var DefaultSeed int64 = 1

// Model is a neural network: a function from a batch of inputs to a batch of outputs, with
// its weights. Build one with [Sequential] (a stack of layers) or [NewModel] (any Go
// function of layers), then train it with [Model.Fit].
type Model struct {
	layers []Layer                     // Sequential models
	fn     func(c *Ctx, x *Node) *Node // models written as a function
	store  *model.Store
	seed   int64

	input  []int // shape of one example, set when the model is built
	output []int // shape of one output
	rec    *buildRecord

	predictExec *model.Exec
	loss        Loss
	trainer     *trainer
	history     *History
	evalExecs   map[evalKey]*model.Exec
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

// Seed sets the seed of the random initialization and of Dropout (before the model is built).
func (m *Model) Seed(seed int64) *Model {
	m.seed = seed
	if m.store != nil {
		m.store.SetParam(model.ParamInitialSeed, seed)
		_ = m.store.SetRNGStateFromSeed(seed)
	}
	return m
}

// Store returns the GoMLX store with the model's variables (weights, optimizer state).
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

// Forward builds the model's computation on x inside c (used to nest a model in another).
func (m *Model) Forward(c *Ctx, x *Node) *Node {
	if m.fn != nil {
		return m.fn(c, x)
	}
	for _, l := range m.layers {
		x = c.Apply(l, x)
	}
	return x
}

func (m *Model) String() string {
	if m.fn != nil {
		return "Model(func)"
	}
	return fmt.Sprintf("Sequential(%d layers)", len(m.layers))
}

// Build creates the model's weights for examples of the given shape (e.g. 28, 28, 1), without
// training. Fit, Evaluate and Predict build the model automatically.
func (m *Model) Build(exampleShape ...int) error {
	return catch(func() { m.mustBuild(exampleShape) })
}

func (m *Model) mustBuild(exampleShape []int) {
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
	store := m.Store()
	if m.predictExec == nil {
		var err error
		m.predictExec, err = model.NewExec(Backend(), store, func(scope *model.Scope, x *Node) *Node {
			c := newCtx(scope, x.Graph(), false)
			y := m.Forward(c, x)
			m.rec = c.rec
			if y.Rank() >= 1 {
				m.output = slices.Clone(y.Shape().Dimensions[1:])
			}
			return y
		})
		if err != nil {
			panic(err)
		}
	}
	// Running the model once on a zero example builds the graph, checks the shapes and
	// initializes the weights.
	zero := tensors.FromShape(shapes.Make(float32DType, append([]int{1}, exampleShape...)...))
	if _, err := m.predictExec.Exec(zero); err != nil {
		panic(err)
	}
	m.input = slices.Clone(exampleShape)
}

// Predict runs the model on all examples of d (in batches) and returns the outputs, a tensor
// of shape (d.Len(), output shape...). For a classifier these are the logits; see
// [Model.Classify] for class ids.
func (m *Model) Predict(d *datasets.Dataset) (out *tensors.Tensor, err error) {
	if err := checkInputs(d); err != nil {
		return nil, err
	}
	err = catch(func() {
		m.mustBuild(d.Shape)
		out = m.mustPredict(d, 256)
	})
	return out, err
}

func (m *Model) mustPredict(d *datasets.Dataset, batch int) *tensors.Tensor {
	n := d.Len()
	outDims := append([]int{n}, m.output...)
	per := prod(m.output)
	all := make([]float32, n*per)
	for start := 0; start < n; start += batch {
		end := min(n, start+batch)
		x := batchX(d, rangeIdx(start, end))
		res, err := m.predictExec.Exec(x)
		if err != nil {
			panic(err)
		}
		copy(all[start*per:end*per], tensors.MustCopyFlatData[float32](res[0]))
	}
	return tensors.FromFlatDataAndDimensions(all, outDims...)
}

// Classify returns the predicted class of each example of d: the arg-max of the outputs, or
// for a single output unit, 1 when the logit is > 0.
func (m *Model) Classify(d *datasets.Dataset) ([]int, error) {
	out, err := m.Predict(d)
	if err != nil {
		return nil, err
	}
	return argmaxRows(tensors.MustCopyFlatData[float32](out), prod(m.output)), nil
}

func argmaxRows(flat []float32, k int) []int {
	n := len(flat) / max(k, 1)
	res := make([]int, n)
	for i := range n {
		row := flat[i*k : (i+1)*k]
		if k == 1 {
			if row[0] > 0 {
				res[i] = 1
			}
			continue
		}
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		res[i] = best
	}
	return res
}

// variablesOf lists the model's variables under a scope, in the store's order.
func (m *Model) variablesOf(scope string) []*model.Variable {
	var vars []*model.Variable
	for v := range m.Store().IterVariables() {
		if v.Scope() == scope || (len(v.Scope()) > len(scope) && v.Scope()[:len(scope)+1] == scope+"/") {
			vars = append(vars, v)
		}
	}
	return vars
}
