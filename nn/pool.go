package nn

import (
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
)

// pool2D pools x (B, H, W, C) over k×k windows with stride s: max (isMax) or average.
//
// On the CPU backends (whenever Conv2D uses im2col), non-overlapping windows (s = k) are
// computed with reshapes and reductions and an explicit backward pass (poolWindows); otherwise,
// and for overlapping windows, with the backend's windowed reduction (graph.MaxPool/MeanPool).
// Both give the same numbers.
func pool2D(x *Node, k, s int, isMax bool) *Node {
	if s == k && useIm2col() {
		return poolWindows(x, k, isMax)
	}
	if isMax {
		return graph.MaxPool(x).Window(k).Strides(s).Done()
	}
	return graph.MeanPool(x).Window(k).Strides(s).Done()
}

// poolWindows pools non-overlapping k×k windows of x (B, H, W, C); the last H mod k rows and
// W mod k columns are dropped (as the windowed reduction does). Forward, in two reductions over
// contiguous axes: the k neighbours along the width, (B·H·ow, k, C) → (B·H·ow, C), then the k
// rows, (B·oh, k, ow·C) → (B·oh, ow·C). Backward, with up(·) the copy of each output value to its
// k×k window:
//
//	max:     dL/dx = up(dL/dy) at the window's maximum, 0 elsewhere (the first maximum in
//	         reading order when several are equal, as the windowed reduction does)
//	average: dL/dx = up(dL/dy) / k²
func poolWindows(x *Node, k int, isMax bool) *Node {
	d := x.Shape().Dimensions
	batch, c := d[0], d[3]
	oh, ow := d[1]/k, d[2]/k
	if oh*k != d[1] || ow*k != d[2] {
		x = graph.Slice(x, graph.AxisRange(), graph.AxisRange(0, oh*k), graph.AxisRange(0, ow*k), graph.AxisRange())
	}
	h := oh * k
	reduce := graph.ReduceMax
	if !isMax {
		reduce = graph.ReduceSum
	}
	var v, ymax, xr *Node // dL/dy (B·oh, ow·C); the maxima (B·oh, ow·C); x as (B·H·ow, k, C)
	xi := withGradient(x, func() *Node {
		upV := upsample(v, batch, oh, ow, c, k)
		if !isMax {
			return graph.MulScalar(upV, 1/float64(k*k))
		}
		return firstMaxGradient(xr, ymax, upV, batch, oh, ow, c, k, x.Shape().Dimensions)
	})
	xr = graph.Reshape(xi, batch*h*ow, k, c)
	y := reduce(xr, 1)
	y = reduce(graph.Reshape(y, batch*oh, k, ow*c), 1) // (B·oh, ow·C)
	if isMax {
		ymax = y
	} else {
		y = graph.MulScalar(y, 1/float64(k*k))
	}
	y = recordGradient(y, &v)
	return graph.Reshape(y, batch, oh, ow, c)
}

// upsample copies each value of y (B·oh, ow·C) to its k×k window: (B, oh·k, ow·k, C). Written as
// concatenations (contiguous copies): along the width, (B·oh·ow, 1, C) → (B·oh·ow, k, C); then
// along the height, (B·oh, 1, ow·k·C) → (B·oh, k, ow·k·C).
func upsample(y *Node, batch, oh, ow, c, k int) *Node {
	u := graph.Reshape(y, batch*oh*ow, 1, c)
	u = graph.Concatenate(repeat(u, k), 1)
	u = graph.Reshape(u, batch*oh, 1, ow*k*c)
	u = graph.Concatenate(repeat(u, k), 1)
	return graph.Reshape(u, batch, oh*k, ow*k, c)
}

func repeat(x *Node, k int) []*Node {
	out := make([]*Node, k)
	for i := range out {
		out[i] = x
	}
	return out
}

// firstMaxGradient routes each window's gradient to its maximum, "the max's origin": with ties
// (frequent: flat image regions, ReLU zeros) only the first maximum in reading order gets it,
// so that a window passes on exactly its output's gradient, as graph.MaxPool's backward does.
// xr is x seen as (B·H·ow, k, C), ymax the maxima (B·oh, ow·C), upV dL/dy copied to the windows
// (B, H, W, C). Windows are the axes 2 and 4 of the view (B, oh, k, ow, k, C) of x.
func firstMaxGradient(xr, ymax, upV *Node, batch, oh, ow, c, k int, xDims []int) *Node {
	g := xr.Graph()
	dims6 := []int{batch, oh, k, ow, k, c}
	x6 := graph.Reshape(xr, dims6...)
	// at copies a value per window (B·oh, ow·C) to the window's k×k elements, as a full array
	// (upsample: contiguous copies) rather than a broadcast, which the Go backend's comparisons
	// walk element by element with an index iterator.
	at := func(n *Node) *Node {
		return graph.Reshape(upsample(graph.Reshape(n, batch*oh, ow*c), batch, oh, ow, c, k), dims6...)
	}
	atMax := graph.Equal(x6, at(ymax))
	// Position of each element in its window, row by row: di·k + dj. Every operand of the two
	// Where has the full shape or is a scalar: the Go backend then selects with SIMD on all
	// cores, where broadcast operands send it element by element through an index iterator
	// (40% of a LeNet training step before).
	posShape := shapes.Make(xr.DType(), dims6...)
	pos := graph.Add(graph.MulScalar(graph.Iota(g, posShape, 2), float64(k)), graph.Iota(g, posShape, 4))
	none := graph.Scalar(g, xr.DType(), float64(k*k))
	// The first maximum's position per window: the minimum over the window, taken as the forward
	// pass takes the maximum (two reductions over contiguous axes) -> (B·oh, ow·C).
	cand := graph.Reshape(graph.Where(atMax, pos, none), batch*oh*k*ow, k, c)
	minPos := graph.ReduceMin(graph.Reshape(graph.ReduceMin(cand, 1), batch*oh, k, ow*c), 1)
	first := graph.Equal(pos, at(minPos))
	zero := graph.ScalarZero(g, xr.DType())
	return graph.Reshape(graph.Where(first, graph.Reshape(upV, dims6...), zero), xDims...)
}
