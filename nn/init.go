package nn

import (
	"math"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Initializer creates the initial value of a weight of the given shape inside graph g.
//
// For a Dense weight of shape (n_in, n_out) and a Conv2D kernel of shape
// (kh, kw, c_in, c_out), the fan-in is n = n_in (resp. kh·kw·c_in) and the fan-out is
// n_out (resp. kh·kw·c_out). Weights of rank ≤ 1 (biases) are initialized to zero by all
// random initializers. Random numbers come from the model's seeded generator.
type Initializer func(g *graph.Graph, shape shapes.Shape) *Node

// fans returns the fan-in and fan-out of a weight shape (see [Initializer]).
func fans(shape shapes.Shape) (fanIn, fanOut int) {
	rank := shape.Rank()
	switch rank {
	case 0:
		return 1, 1
	case 1:
		return shape.Dimensions[0], shape.Dimensions[0]
	}
	receptive := 1
	for _, d := range shape.Dimensions[:rank-2] {
		receptive *= d
	}
	return shape.Dimensions[rank-2] * receptive, shape.Dimensions[rank-1] * receptive
}

// Zeros initializes every value to 0 (the usual choice for biases).
func Zeros(g *graph.Graph, shape shapes.Shape) *Node { return graph.Zeros(g, shape) }

// Ones initializes every value to 1 (BatchNorm's γ).
func Ones(g *graph.Graph, shape shapes.Shape) *Node { return graph.Ones(g, shape) }

// Normal returns an initializer drawing weights from N(0, σ²).
func Normal(sigma float64) Initializer {
	return func(g *graph.Graph, shape shapes.Shape) *Node {
		if shape.Rank() <= 1 {
			return graph.Zeros(g, shape)
		}
		return graph.MulScalar(model.GetStore(g).RandomNormal(g, shape), sigma)
	}
}

// LeCunNormal is the lecture's initialization (the slide calls it Xavier's): Var(W) = 1/n with
// n the fan-in, so that the variance of a neuron's output Σ_i w_i x_i equals the variance of
// its inputs. Weights are drawn from N(0, 1/n). PyTorch and Keras call this LeCun normal
// initialization (LeCun et al. 1998); what they call Xavier or Glorot is [GlorotUniform] /
// [GlorotNormal], which averages the fan-in and the fan-out.
//
// Names across libraries (Var(W); n_in, n_out the fan-in and fan-out):
//
//	nn             Var(W)              PyTorch (torch.nn.init)            Keras (keras.initializers)
//	LeCunNormal    1/n_in              kaiming_normal_(nonlinearity=      LecunNormal (truncated)
//	                                     "linear") (no lecun_normal_)
//	GlorotUniform  2/(n_in + n_out)    xavier_uniform_                    GlorotUniform (default)
//	GlorotNormal   2/(n_in + n_out)    xavier_normal_                     GlorotNormal (truncated)
//	He             2/n_in              kaiming_normal_ (default mode)     HeNormal (truncated)
func LeCunNormal(g *graph.Graph, shape shapes.Shape) *Node {
	if shape.Rank() <= 1 {
		return graph.Zeros(g, shape)
	}
	fanIn, _ := fans(shape)
	return graph.MulScalar(model.GetStore(g).RandomNormal(g, shape), math.Sqrt(1/float64(max(fanIn, 1))))
}

// GlorotUniform (Glorot & Bengio 2010, "Xavier" in PyTorch) draws weights from U(−a, a) with
// a = √(6/(n_in + n_out)), i.e. Var(W) = 2/(n_in + n_out): the compromise between the forward
// pass, which wants Var(W) = 1/n_in, and the backward pass, which wants 1/n_out. It is the
// default of Dense and Conv2D (as in Keras).
func GlorotUniform(g *graph.Graph, shape shapes.Shape) *Node {
	if shape.Rank() <= 1 {
		return graph.Zeros(g, shape)
	}
	fanIn, fanOut := fans(shape)
	a := math.Sqrt(6 / float64(max(fanIn+fanOut, 1)))
	u := model.GetStore(g).RandomUniform(g, shape) // U[0, 1)
	return graph.AddScalar(graph.MulScalar(u, 2*a), -a)
}

// GlorotNormal (PyTorch's xavier_normal_) draws weights from N(0, 2/(n_in + n_out)).
func GlorotNormal(g *graph.Graph, shape shapes.Shape) *Node {
	if shape.Rank() <= 1 {
		return graph.Zeros(g, shape)
	}
	fanIn, fanOut := fans(shape)
	return graph.MulScalar(model.GetStore(g).RandomNormal(g, shape), math.Sqrt(2/float64(max(fanIn+fanOut, 1))))
}

// He (He et al. 2015; PyTorch's kaiming_normal_, Keras's HeNormal) draws weights from
// N(0, 2/n), n the fan-in: LeCun's variance doubled to make up for ReLU zeroing half of its
// inputs.
func He(g *graph.Graph, shape shapes.Shape) *Node {
	if shape.Rank() <= 1 {
		return graph.Zeros(g, shape)
	}
	fanIn, _ := fans(shape)
	return graph.MulScalar(model.GetStore(g).RandomNormal(g, shape), math.Sqrt(2/float64(max(fanIn, 1))))
}

func shapeOf(dims ...int) shapes.Shape { return shapes.Make(float32DType, dims...) }

// lstmBiasInit sets the forget gate's bias (second block of n) to 1 and the others to 0.
func lstmBiasInit(n int) Initializer {
	return func(g *graph.Graph, shape shapes.Shape) *Node {
		vals := make([]float32, 4*n)
		for i := n; i < 2*n; i++ {
			vals[i] = 1
		}
		return graph.Const(g, vals)
	}
}
