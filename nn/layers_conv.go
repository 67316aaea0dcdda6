package nn

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
)

// Conv2DLayer is a 2-D convolution on images of shape (batch, height, width, channels).
//
// With a kernel w of size k×k per input/output channel pair, output channel o is
//
//	y_{ij} = Σ_c Σ_k Σ_l w_{kl,c,o} · x_{s·i+k, s·j+l, c} + b_o
//
// (the lecture's y_ij = Σ_k Σ_l w_kl x_{i+k,j+l} + b, summed over input channels c, with stride
// s). With padding p the output size is ⌊(n + 2p − k)/s⌋ + 1. The kernel has shape
// (k, k, c_in, c_out): k·k·c_in·c_out + c_out parameters.
type Conv2DLayer struct {
	Filters int         // c_out
	Kernel  int         // k
	Stride  int         // s, default 1
	Padding int         // p, zeros added on each side
	Same    bool        // pad so that the output size is ⌈n/s⌉ (overrides Padding)
	Init    Initializer // for the kernel; nil means GlorotUniform
}

// Conv2D returns a convolution with `filters` output channels and a kernel×kernel window,
// stride 1 and no padding ("valid"). Configure with WithStride, WithPadding, SamePadding.
func Conv2D(filters, kernel int) *Conv2DLayer {
	return &Conv2DLayer{Filters: filters, Kernel: kernel, Stride: 1}
}

// WithStride sets the stride s.
func (l *Conv2DLayer) WithStride(s int) *Conv2DLayer { l.Stride = s; return l }

// WithPadding sets the padding p (zeros added on each side).
func (l *Conv2DLayer) WithPadding(p int) *Conv2DLayer { l.Padding = p; return l }

// SamePadding pads so that the output has the input's size (for stride 1).
func (l *Conv2DLayer) SamePadding() *Conv2DLayer { l.Same = true; return l }

// WithInit sets the kernel's initializer.
func (l *Conv2DLayer) WithInit(init Initializer) *Conv2DLayer { l.Init = init; return l }

func (l *Conv2DLayer) String() string {
	pad := fmt.Sprintf("padding %d", l.Padding)
	if l.Same {
		pad = "same"
	}
	return fmt.Sprintf("Conv2D(%d, %dx%d, stride %d, %s)", l.Filters, l.Kernel, l.Kernel, max(l.Stride, 1), pad)
}

// paddings returns the (before, after) padding of an axis of size n.
func convPadding(n, k, s, p int, same bool) [2]int {
	if !same {
		return [2]int{p, p}
	}
	out := (n + s - 1) / s
	total := max((out-1)*s+k-n, 0)
	return [2]int{total / 2, total - total/2}
}

// Forward implements [Layer].
func (l *Conv2DLayer) Forward(c *Ctx, x *Node) *Node {
	if l.Filters <= 0 || l.Kernel <= 0 {
		failf("Conv2D needs positive filters and kernel size, got filters=%d kernel=%d", l.Filters, l.Kernel)
	}
	if x.Rank() != 4 {
		failf("Conv2D expects images of shape (batch, height, width, channels), got shape %s; add a channel axis (e.g. 28×28 images as (28, 28, 1))",
			shapeString(x.Shape()))
	}
	s := max(l.Stride, 1)
	dims := x.Shape().Dimensions
	h, w, cin := dims[1], dims[2], dims[3]
	ph := convPadding(h, l.Kernel, s, l.Padding, l.Same)
	pw := convPadding(w, l.Kernel, s, l.Padding, l.Same)
	if h+ph[0]+ph[1] < l.Kernel || w+pw[0]+pw[1] < l.Kernel {
		failf("Conv2D's %dx%d kernel is larger than the (padded) %dx%d image", l.Kernel, l.Kernel, h+ph[0]+ph[1], w+pw[0]+pw[1])
	}
	kernel := c.Weight("kernel", l.Init, l.Kernel, l.Kernel, cin, l.Filters)
	y := conv2D(x, kernel, s, ph, pw)
	b := c.Weight("bias", Zeros, l.Filters)
	return graph.Add(y, graph.ExpandLeftToRank(b, 4))
}

// Pool2DLayer is max or average pooling over size×size windows of images (batch, H, W, C).
type Pool2DLayer struct {
	Max    bool // max pooling; false for average pooling
	Size   int  // window size k
	Stride int  // stride s; default k (non-overlapping windows)
}

// MaxPool2D keeps the largest value of each size×size window (stride = size):
// y_{ij} = max_{k,l < size} x_{s·i+k, s·j+l}. Output size ⌊(n − size)/s⌋ + 1.
func MaxPool2D(size int) *Pool2DLayer { return &Pool2DLayer{Max: true, Size: size, Stride: size} }

// AvgPool2D averages each size×size window (stride = size): y_{ij} = (1/size²) Σ_{k,l} x_{s·i+k, s·j+l}.
func AvgPool2D(size int) *Pool2DLayer { return &Pool2DLayer{Max: false, Size: size, Stride: size} }

// WithStride sets the stride (overlapping windows when smaller than the size).
func (l *Pool2DLayer) WithStride(s int) *Pool2DLayer { l.Stride = s; return l }

func (l *Pool2DLayer) String() string {
	name := "AvgPool2D"
	if l.Max {
		name = "MaxPool2D"
	}
	return fmt.Sprintf("%s(%d, stride %d)", name, l.Size, l.stride())
}

func (l *Pool2DLayer) stride() int {
	if l.Stride <= 0 {
		return l.Size
	}
	return l.Stride
}

// Forward implements [Layer].
func (l *Pool2DLayer) Forward(_ *Ctx, x *Node) *Node {
	if l.Size <= 0 {
		failf("pooling needs a positive window size, got %d", l.Size)
	}
	if x.Rank() != 4 {
		failf("pooling expects images of shape (batch, height, width, channels), got %s", shapeString(x.Shape()))
	}
	d := x.Shape().Dimensions
	k, s := l.Size, l.stride()
	if d[1] < k || d[2] < k {
		failf("the %dx%d pooling window is larger than the %dx%d image", k, k, d[1], d[2])
	}
	return pool2D(x, k, s, l.Max)
}
