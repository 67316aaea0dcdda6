package scratch

import (
	"fmt"

	"github.com/godl-course/godl/internal/calls"
	"github.com/godl-course/godl/tensor"
)

// MaxPool2DLayer keeps the largest value of each Size×Size window, channel by channel: it reduces
// the image size and gives some invariance to small translations.
//
//	x: [N, H, W, C]  →  y: [N, Ho, Wo, C],  Ho = ⌊(H − Size)/Stride⌋ + 1 (same for W)
//	y_{n,i,j,c} = max_{0≤k,l<Size} x_{n, i·Stride+k, j·Stride+l, c}
//
// Backward: the gradient goes to the position of the max (its "origin"), zero elsewhere.
type MaxPool2DLayer struct {
	Size   int // window size; 0 means 2
	Stride int // 0 means Size (non-overlapping windows)

	x      *tensor.Tensor
	argmax []int // for each output, the position in x.Data of its max
}

// MaxPool2D returns a pooling with size×size windows and stride = size.
func MaxPool2D(size int) *MaxPool2DLayer { return &MaxPool2DLayer{Size: size, Stride: size} }

func (p *MaxPool2DLayer) sizes() (size, stride int) {
	size, stride = p.Size, p.Stride
	if size == 0 {
		size = 2
	}
	if stride == 0 {
		stride = size
	}
	return size, stride
}

// String describes the layer, e.g. "MaxPool2D(2×2, stride 2)".
func (p *MaxPool2DLayer) String() string {
	size, stride := p.sizes()
	return fmt.Sprintf("MaxPool2D(%d×%d, stride %d)", size, size, stride)
}

// Params returns nil: pooling learns nothing.
func (p *MaxPool2DLayer) Params() []*Param { return nil }

// Forward takes the max of each window and remembers where it was. See [MaxPool2DForward].
func (p *MaxPool2DLayer) Forward(x *tensor.Tensor) *tensor.Tensor {
	size, stride := p.sizes()
	y, argmax := maxPool("MaxPool2D.Forward", x, size, stride)
	p.x, p.argmax = x, argmax
	return y
}

// Backward sends each Δy_{n,i,j,c} to the input position that held the max; every other input
// gets 0: ∂L/∂x_{n,r,q,c} = Σ over windows whose max came from (r,q) of Δy_{n,i,j,c}.
func (p *MaxPool2DLayer) Backward(dy *tensor.Tensor) *tensor.Tensor {
	mustForwardFirst("MaxPool2D", p.x)
	size, stride := p.sizes()
	ho, wo := poolOutSize("MaxPool2D.Backward", p.x.Shape, size, stride)
	mustGradShape("MaxPool2D", dy, []int{p.x.Shape[0], ho, wo, p.x.Shape[3]})
	dx := p.x.ZerosLike()
	for o, src := range p.argmax {
		dx.Data[src] += dy.Data[o]
	}
	return dx
}

func poolOutSize(where string, xShape []int, size, stride int) (ho, wo int) {
	if size <= 0 || stride <= 0 {
		panic(fmt.Sprintf("scratch.%s: window size %d and stride %d must be positive", where, size, stride))
	}
	if xShape[1] < size || xShape[2] < size {
		panic(fmt.Sprintf("scratch.%s: the %d×%d window does not fit in the %d×%d input %v; use a smaller window",
			where, size, size, xShape[1], xShape[2], xShape))
	}
	return (xShape[1]-size)/stride + 1, (xShape[2]-size)/stride + 1
}

// maxPool computes the pooled output and, for each output value, the position of its max in x.Data.
// Ties go to the first position in row-major order.
func maxPool(where string, x *tensor.Tensor, size, stride int) (*tensor.Tensor, []int) {
	mustRank(where, x, 4, "[N, H, W, C] (channels last)")
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	ho, wo := poolOutSize(where, x.Shape, size, stride)
	y := tensor.Zeros(n, ho, wo, c)
	argmax := make([]int, y.Size())
	for b := range n {
		for i := range ho {
			for j := range wo {
				for ch := range c {
					best := -1
					for k := range size {
						for l := range size {
							pos := ((b*h+i*stride+k)*w+j*stride+l)*c + ch
							if best < 0 || x.Data[pos] > x.Data[best] {
								best = pos
							}
						}
					}
					o := ((b*ho+i)*wo+j)*c + ch
					y.Data[o], argmax[o] = x.Data[best], best
				}
			}
		}
	}
	return y, argmax
}

// MaxPool2DForward returns y_{n,i,j,c} = max_{k,l} x_{n, i·stride+k, j·stride+l, c} for
// size×size windows; x is [N, H, W, C].
func MaxPool2DForward(x *tensor.Tensor, size, stride int) *tensor.Tensor {
	calls.Count("scratch.MaxPool2DForward")
	y, _ := maxPool("MaxPool2DForward", x, size, stride)
	return y
}

// MaxPool2DBackward returns ∂L/∂x for [MaxPool2DForward] given Δy: each Δy_{n,i,j,c} goes to the
// position of its window's max, all other positions get 0.
func MaxPool2DBackward(x, dy *tensor.Tensor, size, stride int) *tensor.Tensor {
	calls.Count("scratch.MaxPool2DBackward")
	p := &MaxPool2DLayer{Size: size, Stride: stride}
	p.Forward(x)
	return p.Backward(dy)
}
