package nn

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
)

// BatchNormLayer normalizes each channel (the last axis) with the statistics of the batch:
//
//	y = γ (x − μ)/√(σ² + ε) + β
//
// μ and σ² are the batch mean and variance over all axes but the last while training; running
// averages r ← m·r + (1 − m)·(batch value) are kept (non-trainable) and used for inference.
// γ (starts at 1) and β (starts at 0) are trained: 2·C trainable and 2·C non-trainable parameters.
type BatchNormLayer struct {
	Momentum float64 // m, default 0.9
	Epsilon  float64 // ε, default 1e-3
}

// BatchNorm returns a batch normalization layer (see [BatchNormLayer]).
func BatchNorm() *BatchNormLayer { return &BatchNormLayer{Momentum: 0.9, Epsilon: 1e-3} }

func (l *BatchNormLayer) String() string { return "BatchNorm()" }

// Forward implements [Layer].
func (l *BatchNormLayer) Forward(c *Ctx, x *Node) *Node {
	if x.Rank() < 2 {
		failf("BatchNorm expects (batch, ..., channels), got %s", shapeString(x.Shape()))
	}
	ch := x.Shape().Dimensions[x.Rank()-1]
	m, eps := orDefault(l.Momentum, 0.9), orDefault(l.Epsilon, 1e-3)
	gamma := c.Weight("gamma", Ones, ch)
	beta := c.Weight("beta", Zeros, ch)
	meanVar := c.State("running_mean", Zeros, ch)
	varVar := c.State("running_var", Ones, ch)
	axes := make([]int, x.Rank()-1)
	for i := range axes {
		axes[i] = i
	}
	var mean, variance *Node
	if c.Training() {
		mean = graph.ReduceMean(x, axes...)
		variance = graph.ReduceMean(graph.Square(graph.Sub(x, graph.ExpandLeftToRank(mean, x.Rank()))), axes...)
		g := c.Graph()
		meanVar.SetNodeValue(graph.Add(graph.MulScalar(meanVar.NodeValue(g), m), graph.MulScalar(graph.StopGradient(mean), 1-m)))
		varVar.SetNodeValue(graph.Add(graph.MulScalar(varVar.NodeValue(g), m), graph.MulScalar(graph.StopGradient(variance), 1-m)))
	} else {
		mean, variance = meanVar.NodeValue(c.Graph()), varVar.NodeValue(c.Graph())
	}
	r := x.Rank()
	norm := graph.Div(graph.Sub(x, graph.ExpandLeftToRank(mean, r)), graph.ExpandLeftToRank(graph.Sqrt(graph.AddScalar(variance, eps)), r))
	return graph.Add(graph.Mul(norm, graph.ExpandLeftToRank(gamma, r)), graph.ExpandLeftToRank(beta, r))
}

// DropoutLayer zeroes each value with probability Rate while training, scaling the others by
// 1/(1 − Rate) so that the expected value is unchanged; at inference it is the identity.
type DropoutLayer struct{ Rate float64 }

// Dropout returns a dropout layer with the given drop probability (e.g. 0.5).
func Dropout(rate float64) *DropoutLayer { return &DropoutLayer{Rate: rate} }

func (l *DropoutLayer) String() string { return fmt.Sprintf("Dropout(%g)", l.Rate) }

// Forward implements [Layer].
func (l *DropoutLayer) Forward(c *Ctx, x *Node) *Node {
	if l.Rate < 0 || l.Rate >= 1 {
		failf("Dropout rate must be in [0, 1), got %g", l.Rate)
	}
	if !c.Training() || l.Rate == 0 {
		return x
	}
	u := c.Scope().RandomUniform(c.Graph(), x.Shape())
	keep := graph.GreaterOrEqual(u, graph.Scalar(c.Graph(), x.DType(), l.Rate))
	return graph.Where(keep, graph.DivScalar(x, 1-l.Rate), graph.ZerosLike(x))
}

// ResidualLayer is a residual block: y = x + F(x), F the inner layers. When F changes the number
// of channels, x goes through a learned 1×1 projection (a Dense on the last axis) first.
type ResidualLayer struct{ Layers []Layer }

// Residual returns the block y = x + F(x) with F = the layers applied in order (He et al. 2016).
func Residual(layers ...Layer) *ResidualLayer { return &ResidualLayer{Layers: layers} }

func (l *ResidualLayer) String() string { return fmt.Sprintf("Residual(%d layers)", len(l.Layers)) }

// Forward implements [Layer].
func (l *ResidualLayer) Forward(c *Ctx, x *Node) *Node {
	y := x
	for _, inner := range l.Layers {
		y = c.Apply(inner, y)
	}
	if y.Rank() != x.Rank() {
		failf("the residual branch changed the rank: %s to %s", shapeString(x.Shape()), shapeString(y.Shape()))
	}
	xd, yd := x.Shape().Dimensions, y.Shape().Dimensions
	for i := 1; i < len(xd)-1; i++ {
		if xd[i] != yd[i] {
			failf("the residual branch changed the spatial shape from %s to %s: x + F(x) needs equal shapes", shapeString(x.Shape()), shapeString(y.Shape()))
		}
	}
	if xd[len(xd)-1] != yd[len(yd)-1] {
		x = c.Apply(Dense(yd[len(yd)-1]), x)
	}
	return graph.Add(x, y)
}

// Upsample2DLayer repeats each pixel factor×factor times (nearest neighbour): (B, H, W, C) to
// (B, factor·H, factor·W, C).
type Upsample2DLayer struct{ Factor int }

// Upsample2D returns a nearest-neighbour upsampling layer.
func Upsample2D(factor int) *Upsample2DLayer { return &Upsample2DLayer{Factor: factor} }

func (l *Upsample2DLayer) String() string { return fmt.Sprintf("Upsample2D(%d)", l.Factor) }

// Forward implements [Layer].
func (l *Upsample2DLayer) Forward(_ *Ctx, x *Node) *Node {
	if x.Rank() != 4 || l.Factor < 1 {
		failf("Upsample2D(%d) expects images (batch, height, width, channels) and a factor ≥ 1, got %s", l.Factor, shapeString(x.Shape()))
	}
	d := x.Shape().Dimensions
	f := l.Factor
	y := graph.Reshape(x, d[0], d[1], 1, d[2], 1, d[3])
	y = graph.BroadcastToDims(y, d[0], d[1], f, d[2], f, d[3])
	return graph.Reshape(y, d[0], d[1]*f, d[2]*f, d[3])
}

// ConvTranspose2DLayer is a transposed ("up-") convolution, used in U-Nets, autoencoders and GAN
// generators: it spreads each input pixel over a k×k window of the output, with stride s,
//
//	y_{s·i+k−p, s·j+l−p, o} += Σ_c x_{i,j,c} · w_{kl,c,o},   then + b_o
//
// so that an n×n input gives a ((n − 1)·s + k − 2p)×((n − 1)·s + k − 2p) output. It is the
// transpose of [Conv2D]: ConvTranspose2D with a kernel w computes what Conv2D (same k, s, p, with
// w's channel axes swapped) sends back as ∂L/∂x; PyTorch's ConvTranspose2d spreads the same way.
// It is computed as a stride-1 convolution, with the kernel flipped
// (w_{k−1−k', k−1−l'}), of the input dilated by s (s − 1 zeros between pixels) and padded by
// k − 1 − p; the kernel has shape (k, k, c_in, c_out).
type ConvTranspose2DLayer struct {
	Filters, Kernel, Stride, Padding int
	Init                             Initializer
}

// ConvTranspose2D returns a transposed convolution with the given output channels, kernel size
// and stride (no padding).
func ConvTranspose2D(filters, kernel, stride int) *ConvTranspose2DLayer {
	return &ConvTranspose2DLayer{Filters: filters, Kernel: kernel, Stride: stride}
}

func (l *ConvTranspose2DLayer) String() string {
	return fmt.Sprintf("ConvTranspose2D(%d, %dx%d, stride %d, padding %d)", l.Filters, l.Kernel, l.Kernel, l.Stride, l.Padding)
}

// Forward implements [Layer].
func (l *ConvTranspose2DLayer) Forward(c *Ctx, x *Node) *Node {
	if x.Rank() != 4 {
		failf("ConvTranspose2D expects images (batch, height, width, channels), got %s", shapeString(x.Shape()))
	}
	k, s := l.Kernel, max(l.Stride, 1)
	if l.Filters <= 0 || k <= 0 || l.Padding < 0 || l.Padding > k-1 {
		failf("ConvTranspose2D needs filters > 0, kernel > 0 and 0 ≤ padding < kernel, got %d, %d, %d", l.Filters, k, l.Padding)
	}
	cin := x.Shape().Dimensions[3]
	kernel := c.Weight("kernel", l.Init, k, k, cin, l.Filters)
	p := k - 1 - l.Padding
	zero := graph.ScalarZero(x.Graph(), x.DType())
	xd := graph.Pad(x, zero, compute.PadAxis{}, compute.PadAxis{Start: p, End: p, Interior: s - 1},
		compute.PadAxis{Start: p, End: p, Interior: s - 1}, compute.PadAxis{})
	// The convolution reads its window forwards; spreading x_ij over y_{s·i+k−p, s·j+l−p} with
	// w_kl is that convolution with the kernel read backwards.
	y := conv2D(xd, graph.Reverse(kernel, 0, 1), 1, [2]int{}, [2]int{})
	b := c.Weight("bias", Zeros, l.Filters)
	return graph.Add(y, graph.ExpandLeftToRank(b, 4))
}
