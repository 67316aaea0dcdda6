package nn

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
)

// ConvAlgorithm selects how Conv2D (and ConvTranspose2D) compute the convolution:
//
//   - "auto" (default): "im2col" on the CPU (the pure-Go backend and XLA CPU), "direct" on the
//     others (XLA CUDA). On XLA CPU, LeNet-5 trains with im2col at 18–21 ms of CPU a step
//     against 24–28 ms with XLA's own convolution (bench/train, 2-core AMD EPYC).
//   - "direct": the backend's own convolution (graph.Convolve). GoMLX v0.28's gradient of Convolve
//     with respect to the input is wrong for even kernel sizes, so an even k×k kernel is computed
//     as the odd (k+1)×(k+1) kernel with a last row and column of zeros, on the input with one more
//     row and column of zero padding: the same numbers, with a correct gradient (see conv2DDirect;
//     TestCanaryConvolveEvenKernelInputGradient says when GoMLX no longer needs this).
//   - "im2col": the patches of the input are gathered into a matrix and multiplied by the kernel
//     (one matrix product), with an explicit backward pass (two more matrix products).
//
// All give the same numbers (up to float rounding); they differ in speed.
var ConvAlgorithm = "auto"

// useIm2col tells whether Conv2D uses im2col on the current backend.
func useIm2col() bool {
	switch ConvAlgorithm {
	case "im2col":
		return true
	case "direct":
		return false
	case "auto":
		return isGoBackend() || isXLACPU()
	}
	failf("nn.ConvAlgorithm is %q; use \"auto\", \"im2col\" or \"direct\"", ConvAlgorithm)
	return false
}

// conv2D computes the cross-correlation of x (B, H, W, C) with kernel (kh, kw, C, O), with the given
// stride and (before, after) zero padding of the height and width; the result is (B, oh, ow, O)
// with oh = ⌊(H + ph₀ + ph₁ − kh)/s⌋ + 1 (and the same for ow).
func conv2D(x, kernel *Node, stride int, ph, pw [2]int) *Node {
	if useIm2col() {
		return conv2DIm2col(x, kernel, stride, ph, pw)
	}
	return conv2DDirect(x, kernel, stride, ph, pw)
}

// padHW pads the height and width axes (1 and 2) of x (B, H, W, C) with zeros.
func padHW(x *Node, ph, pw [2]int) *Node {
	if ph == [2]int{} && pw == [2]int{} {
		return x
	}
	zero := graph.ScalarZero(x.Graph(), x.DType())
	return graph.Pad(x, zero, compute.PadAxis{}, compute.PadAxis{Start: ph[0], End: ph[1]},
		compute.PadAxis{Start: pw[0], End: pw[1]}, compute.PadAxis{})
}

// conv2DDirect uses the backend's convolution. Even kernel sizes are made odd (see ConvAlgorithm),
// and the padding is always explicit (padHW): both work around GoMLX v0.28.16's gradient of
// Convolve w.r.t. the input (convVJPWrtX), which is shifted by one pixel for even kernel sizes
// (its reversed convolution is padded (k−2−p, k−p) instead of (k−1−p, k−1−p)), and which panics
// ("outputDimStart=1 > 0, which is out-of-bounds") when a side's padding exceeds 2·⌊(k−1)/2⌋:
// a 1×1 kernel with padding 1, a 3×3 kernel with padding 3 (padding 2 works).
// Canaries: TestCanaryConvolveEvenKernelInputGradient and TestCanaryConvolveGradientPaddingPanic
// in nn/canary_test.go. When a GoMLX upgrade makes them fail, pass even kernels and the padding
// to graph.Convolve as they are (PaddingPerDim), and delete the canaries.
func conv2DDirect(x, kernel *Node, stride int, ph, pw [2]int) *Node {
	kd := kernel.Shape().Dimensions
	evenH, evenW := kd[0]%2 == 0, kd[1]%2 == 0
	if !evenH && !evenW {
		return graph.Convolve(padHW(x, ph, pw), kernel).Strides(stride).Done()
	}
	zero, none := graph.ScalarZero(x.Graph(), x.DType()), compute.PadAxis{}
	kpad := [2]compute.PadAxis{}
	if evenH {
		kpad[0].End, ph[1] = 1, ph[1]+1
	}
	if evenW {
		kpad[1].End, pw[1] = 1, pw[1]+1
	}
	kernel = graph.Pad(kernel, zero, kpad[0], kpad[1], none, none)
	return graph.Convolve(padHW(x, ph, pw), kernel).Strides(stride).Done()
}

// conv2DIm2col writes the convolution as matrix products ("im2col"). With M = B·oh·ow output
// positions and K = kh·kw·C values per window, the patches of the padded input form a matrix P
// (M, K), P[(b,i,j), (k,l,c)] = x[b, s·i+k, s·j+l, c], and
//
//	forward:  Y = P·W                 (M, O), W the kernel as a (K, O) matrix
//	backward: dL/dW = Pᵀ·dL/dY        (K, O)
//	          dL/dP = dL/dY·Wᵀ        (M, K), summed back into the input windows (col2im)
//
// The backward pass is written out explicitly (not left to automatic differentiation), so that
// each product has a memory layout the pure-Go backend multiplies without transposing large
// matrices. The patches are copied with one Gather: rows of kw·C contiguous values in the
// channels-last image, or, when those rows are short (one channel, e.g. the first layer), rows of
// ow values in a channels-first copy, where P is built transposed (K, M).
func conv2DIm2col(x, kernel *Node, stride int, ph, pw [2]int) *Node {
	kd := kernel.Shape().Dimensions
	kh, kw, cin, cout := kd[0], kd[1], kd[2], kd[3]
	x = padHW(x, ph, pw)
	d := x.Shape().Dimensions
	batch, h, w := d[0], d[1], d[2]
	oh, ow := (h-kh)/stride+1, (w-kw)/stride+1
	wm := graph.Reshape(kernel, kh*kw*cin, cout) // W (K, O), row (k·kw + l)·C + c
	var y *Node
	if kh == 1 && kw == 1 {
		// A 1×1 kernel needs no patches: every position is one row of x, Y = X·W.
		if stride > 1 {
			x = graph.Slice(x, graph.AxisRange(), graph.AxisRange().Stride(stride), graph.AxisRange().Stride(stride), graph.AxisRange())
		}
		y = graph.MatMul(graph.Reshape(x, batch*oh*ow, cin), wm)
	} else if stride == 1 && kw*cin < ow {
		y = im2colChannelsFirst(x, wm, kh, kw, oh, ow)
	} else {
		y = im2colChannelsLast(x, wm, kh, kw, stride, oh, ow)
	}
	return graph.Reshape(y, batch, oh, ow, cout)
}

// recordGradient returns y unchanged; during back-propagation it stores the gradient arriving at
// y in *v (GoMLX visits y before the nodes y was computed from, whose explicit gradients use it).
func recordGradient(y *Node, v **Node) *Node {
	return graph.IdentityWithCustomGradient(y, func(_, g *Node) *Node {
		*v = g
		return g
	})
}

// withGradient returns x unchanged; during back-propagation its gradient is grad() instead of
// the automatic one (which is then never computed).
func withGradient(x *Node, grad func() *Node) *Node {
	return graph.IdentityWithCustomGradient(x, func(_, _ *Node) *Node { return grad() })
}

// im2colChannelsLast: P (M, K) gathered from the channels-last x (B, H, W, C), one window row
// x[b, s·i+k, s·j : s·j+kw, :] (kw·C contiguous values) at a time. Returns Y (M, O).
//
// dL/dP = dL/dY·Wᵀ is the automatic gradient of the product (no large transpose); its sum into
// the windows is the automatic gradient of the Gather (a scatter-add).
func im2colChannelsLast(x, wm *Node, kh, kw, stride, oh, ow int) *Node {
	batch := x.Shape().Dimensions[0]
	starts := make([]int32, 0, batch*oh*ow*3)
	for b := range batch {
		for i := range oh {
			for j := range ow {
				starts = append(starts, int32(b), int32(i*stride), int32(j*stride))
			}
		}
	}
	st := graph.Reshape(graph.Const(x.Graph(), starts), batch, oh, ow, 3)
	p := graph.GatherSlices(x, []int{0, 1, 2}, st, []int{1, kh, kw}, true) // (B, oh, ow, 1, kh, kw, C)
	k := wm.Shape().Dimensions[0]
	p = graph.Reshape(p, batch*oh*ow, k)

	var v *Node // dL/dY (M, O)
	wmi := withGradient(wm, func() *Node {
		// dL/dW = Pᵀ·dL/dY computed as ((dL/dY)ᵀ·P)ᵀ: transposing dL/dY (M×O) is cheaper than P (M×K).
		vt := graph.Transpose(v, 0, 1)
		return graph.Transpose(graph.DotGeneral(vt, []int{1}, nil, p, []int{0}, nil), 0, 1)
	})
	y := graph.DotGeneral(p, []int{1}, nil, wmi, []int{0}, nil) // (M, O)
	return recordGradient(y, &v)
}

// im2colChannelsFirst (stride 1): Pᵀ (K, M) gathered from a channels-first copy (C, B, H, W)
// of x, one output row x[c, b, i+k, l : l+ow] (ow contiguous values) at a time. Returns Y (M, O),
// computed as Yᵀ = Wᵀ·Pᵀ and transposed.
//
// Backward: dL/dW = ((dL/dY)ᵀ·P)ᵀ and dL/dPᵀ = W·(dL/dY)ᵀ, both without transposing Pᵀ.
func im2colChannelsFirst(x, wm *Node, kh, kw, oh, ow int) *Node {
	d := x.Shape().Dimensions
	batch, h, w, cin := d[0], d[1], d[2], d[3]
	var xc *Node
	if cin == 1 {
		xc = graph.Reshape(x, 1, batch, h, w)
	} else {
		// (B·H·W, C) → (C, B·H·W): one 2-D transpose.
		xc = graph.Reshape(graph.Transpose(graph.Reshape(x, batch*h*w, cin), 0, 1), cin, batch, h, w)
	}
	starts := make([]int32, 0, kh*kw*2)
	for k := range kh {
		for l := range kw {
			starts = append(starts, int32(k), int32(l))
		}
	}
	st := graph.Reshape(graph.Const(x.Graph(), starts), kh, kw, 2)
	pt := graph.GatherSlices(xc, []int{2, 3}, st, []int{oh, ow}, true) // (kh, kw, C, B, oh, ow)
	k, m := kh*kw*cin, batch*oh*ow
	pt = graph.Reshape(pt, k, m)

	var v, vt, wmi *Node // dL/dY (M, O) and its transpose (O, M), computed once
	dYT := func() *Node {
		if vt == nil {
			vt = graph.Transpose(v, 0, 1)
		}
		return vt
	}
	pti := withGradient(pt, func() *Node {
		return graph.DotGeneral(wmi, []int{1}, nil, dYT(), []int{0}, nil) // W·(dL/dY)ᵀ (K, M)
	})
	wmi = withGradient(wm, func() *Node {
		// (dL/dW)ᵀ = (dL/dY)ᵀ·P (O, K), then transposed: the long axis M is contracted on the
		// right of both operands (no copy of Pᵀ with padding to the matrix kernel's width).
		return graph.Transpose(graph.DotGeneral(dYT(), []int{1}, nil, pti, []int{1}, nil), 0, 1)
	})
	yt := graph.DotGeneral(graph.Transpose(wmi, 0, 1), []int{1}, nil, pti, []int{0}, nil) // (O, M)
	return recordGradient(graph.Transpose(yt, 0, 1), &v)
}
