package scratch

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/godl-course/godl/internal/calls"
	"github.com/godl-course/godl/tensor"
)

// Conv2DLayer is the 2-D convolution layer: the same small neuron (kernel) slides over the image, so
// a pattern gives the same response wherever it is (shared weights).
//
//	x: [N, H, W, Cin]   kernel W: [KH, KW, Cin, Cout]   b: [Cout]   y: [N, Ho, Wo, Cout]
//	y_{n,i,j,o} = Σ_k Σ_l Σ_c W_{k,l,c,o} · x_{n, i·s+k−p, j·s+l−p, c} + b_o
//
// with stride s, zero padding p on every side (x is 0 outside the image) and
// Ho = ⌊(H + 2p − KH)/s⌋ + 1, Wo = ⌊(W + 2p − KW)/s⌋ + 1.
// With s = 1 and p = 0 this is the lecture's y_{i,j} = Σ_k Σ_l w_{k,l} x_{i+k,j+l} + b.
type Conv2DLayer struct {
	KernelH, KernelW, InChannels, OutChannels int
	Stride                                    int // 0 means 1
	Padding                                   int // zeros added on each side of H and W
	W, B                                      *Param

	x *tensor.Tensor
}

// Conv2D returns a convolution with a square kernel of the given size, stride 1 and no
// padding (set Stride and Padding on the result to change them). Weights are drawn from
// N(0, 1/(k·k·Cin)), biases are 0: the lecture's Var(W) = 1/n with the fan-in n = k·k·Cin (the
// lecture calls it Xavier's; PyTorch and Keras call it LeCun initialization, nn.LeCunNormal, and
// their Xavier/Glorot uses 2/(n_in + n_out)).
func Conv2D(inChannels, outChannels, kernelSize int, rng *rand.Rand) *Conv2DLayer {
	if inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 {
		panic(fmt.Sprintf("scratch.Conv2D(%d, %d, %d): channels and kernel size must be positive",
			inChannels, outChannels, kernelSize))
	}
	fanIn := float64(kernelSize * kernelSize * inChannels)
	return &Conv2DLayer{KernelH: kernelSize, KernelW: kernelSize, InChannels: inChannels, OutChannels: outChannels,
		Stride: 1,
		W:      newParam("W", tensor.RandN(rng, 1/math.Sqrt(fanIn), kernelSize, kernelSize, inChannels, outChannels)),
		B:      newParam("b", tensor.Zeros(outChannels)),
	}
}

// String describes the layer, e.g. "Conv2D(3×3, 1 → 4, stride 1, padding 0)".
func (c *Conv2DLayer) String() string {
	return fmt.Sprintf("Conv2D(%d×%d, %d → %d, stride %d, padding %d)",
		c.KernelH, c.KernelW, c.InChannels, c.OutChannels, max(c.Stride, 1), c.Padding)
}

// Params returns the kernel W and the bias b.
func (c *Conv2DLayer) Params() []*Param { return []*Param{c.W, c.B} }

// Forward convolves x [N, H, W, Cin] into y [N, Ho, Wo, Cout]. See [Conv2DForward].
func (c *Conv2DLayer) Forward(x *tensor.Tensor) *tensor.Tensor {
	if c.W == nil || c.B == nil {
		panic("scratch.Conv2DLayer.Forward: the layer has no kernel; build it with scratch.Conv2D(in, out, size, rng)")
	}
	mustRank("Conv2D.Forward", x, 4, "[N, H, W, Cin] (channels last)")
	if x.Shape[3] != c.InChannels {
		panic(fmt.Sprintf("scratch.Conv2DLayer.Forward: input has shape %v, i.e. %d channels (last axis), but the layer "+
			"has InChannels=%d; images are [N, H, W, C], channels last", x.Shape, x.Shape[3], c.InChannels))
	}
	c.x = x
	return Conv2DForward(x, c.W.Value, c.B.Value, c.Stride, c.Padding)
}

// Backward takes Δy [N, Ho, Wo, Cout], stores ∂L/∂W and ∂L/∂b and returns Δx [N, H, W, Cin].
// See [Conv2DBackward].
func (c *Conv2DLayer) Backward(dy *tensor.Tensor) *tensor.Tensor {
	mustForwardFirst("Conv2D", c.x)
	ho, wo := convOutSize("Conv2D.Backward", c.x.Shape, c.W.Value.Shape, c.Stride, c.Padding)
	mustGradShape("Conv2D", dy, []int{c.x.Shape[0], ho, wo, c.OutChannels})
	dx, dw, db := Conv2DBackward(c.x, c.W.Value, dy, c.Stride, c.Padding)
	c.W.Grad, c.B.Grad = dw, db
	return dx
}

// convOutSize returns Ho, Wo and panics with a clear message when the kernel does not fit.
func convOutSize(where string, xShape, wShape []int, stride, padding int) (ho, wo int) {
	s := max(stride, 1)
	if padding < 0 {
		panic(fmt.Sprintf("scratch.%s: padding %d is negative; use 0 or more", where, padding))
	}
	h, w, kh, kw := xShape[1], xShape[2], wShape[0], wShape[1]
	if h+2*padding < kh || w+2*padding < kw {
		panic(fmt.Sprintf("scratch.%s: the %d×%d kernel does not fit in the %d×%d input padded by %d; "+
			"use a smaller kernel or more padding", where, kh, kw, h, w, padding))
	}
	return (h+2*padding-kh)/s + 1, (w+2*padding-kw)/s + 1
}

func checkConvShapes(where string, x, w *tensor.Tensor) {
	mustRank(where, x, 4, "[N, H, W, Cin] (channels last)")
	if w == nil || len(w.Shape) != 4 || w.Shape[2] != x.Shape[3] {
		panic(fmt.Sprintf("scratch.%s: kernel has shape %v, want [KH, KW, Cin=%d, Cout] for input %v",
			where, shapeOf(w), x.Shape[3], x.Shape))
	}
}

// Conv2DForward computes y_{n,i,j,o} = Σ_{k,l,c} W_{k,l,c,o} · x_{n, i·s+k−p, j·s+l−p, c} + b_o
// for x [N, H, W, Cin], W [KH, KW, Cin, Cout], b [Cout]; y is [N, Ho, Wo, Cout].
// b may be nil (no bias).
func Conv2DForward(x, w, b *tensor.Tensor, stride, padding int) *tensor.Tensor {
	calls.Count("scratch.Conv2DForward")
	checkConvShapes("Conv2DForward", x, w)
	s := max(stride, 1)
	n, h, wd, cin := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	kh, kw, cout := w.Shape[0], w.Shape[1], w.Shape[3]
	ho, wo := convOutSize("Conv2DForward", x.Shape, w.Shape, stride, padding)
	if b != nil && (len(b.Shape) != 1 || b.Shape[0] != cout) {
		panic(fmt.Sprintf("scratch.Conv2DForward: bias has shape %v, want [%d] (one per output channel) or nil", b.Shape, cout))
	}
	y := tensor.Zeros(n, ho, wo, cout)
	for b0 := range n {
		for i := range ho {
			for j := range wo {
				out := y.Data[((b0*ho+i)*wo+j)*cout:][:cout]
				if b != nil {
					copy(out, b.Data)
				}
				for k := range kh {
					r := i*s + k - padding
					if r < 0 || r >= h {
						continue // zero padding
					}
					for l := range kw {
						col := j*s + l - padding
						if col < 0 || col >= wd {
							continue
						}
						xs := x.Data[((b0*h+r)*wd+col)*cin:][:cin]
						for c, xv := range xs {
							ws := w.Data[((k*kw+l)*cin+c)*cout:][:cout]
							for o, wv := range ws {
								out[o] += wv * xv
							}
						}
					}
				}
			}
		}
	}
	return y
}

// Conv2DBackward returns the gradients of [Conv2DForward] given Δy = ∂L/∂y [N, Ho, Wo, Cout].
// Each output y_{n,i,j,o} received w_{k,l,c,o}·x_{n,i·s+k−p,j·s+l−p,c}, so by the chain rule:
//
//	∂L/∂W_{k,l,c,o} = Σ_n Σ_i Σ_j x_{n, i·s+k−p, j·s+l−p, c} · Δy_{n,i,j,o}    (the lecture: Σ_i Σ_j x_{i+k,j+l} Δy_{i,j})
//	∂L/∂b_o         = Σ_n Σ_i Σ_j Δy_{n,i,j,o}
//	∂L/∂x_{n,r,q,c} = Σ over (i,j,k,l,o) with i·s+k−p = r, j·s+l−p = q of W_{k,l,c,o} · Δy_{n,i,j,o}
//
// The last one "scatters" each Δy back through the same kernel that gathered it.
func Conv2DBackward(x, w, dy *tensor.Tensor, stride, padding int) (dx, dw, db *tensor.Tensor) {
	calls.Count("scratch.Conv2DBackward")
	checkConvShapes("Conv2DBackward", x, w)
	s := max(stride, 1)
	n, h, wd, cin := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	kh, kw, cout := w.Shape[0], w.Shape[1], w.Shape[3]
	ho, wo := convOutSize("Conv2DBackward", x.Shape, w.Shape, stride, padding)
	mustGradShape("Conv2DBackward", dy, []int{n, ho, wo, cout})
	dx, dw, db = x.ZerosLike(), w.ZerosLike(), tensor.Zeros(cout)
	for b0 := range n {
		for i := range ho {
			for j := range wo {
				g := dy.Data[((b0*ho+i)*wo+j)*cout:][:cout]
				for o, gv := range g {
					db.Data[o] += gv
				}
				for k := range kh {
					r := i*s + k - padding
					if r < 0 || r >= h {
						continue
					}
					for l := range kw {
						col := j*s + l - padding
						if col < 0 || col >= wd {
							continue
						}
						base := ((b0*h+r)*wd + col) * cin
						for c := range cin {
							wbase := ((k*kw+l)*cin + c) * cout
							xv := x.Data[base+c]
							sum := 0.0
							for o, gv := range g {
								dw.Data[wbase+o] += xv * gv
								sum += w.Data[wbase+o] * gv
							}
							dx.Data[base+c] += sum
						}
					}
				}
			}
		}
	}
	return dx, dw, db
}
