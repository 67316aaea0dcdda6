package scratch

import (
	"fmt"
	"slices"

	"github.com/godl-course/godl/tensor"
)

// sizeOf is the number of values of a shape.
func sizeOf(where string, shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("scratch.%s: shape %v has a negative dimension", where, shape))
		}
		n *= d
	}
	return n
}

// mustShape panics with a message naming the layer when x does not have the expected rank.
func mustRank(layer string, x *tensor.Tensor, rank int, layout string) {
	if x == nil {
		panic(fmt.Sprintf("scratch.%s: input is nil; pass a tensor shaped %s", layer, layout))
	}
	if len(x.Shape) != rank {
		panic(fmt.Sprintf("scratch.%s: input has shape %v (rank %d), want rank %d shaped %s",
			layer, x.Shape, len(x.Shape), rank, layout))
	}
	if sizeOf(layer, x.Shape) != len(x.Data) {
		panic(fmt.Sprintf("scratch.%s: input has shape %v but %d values; build tensors with tensor.New or tensor.Zeros",
			layer, x.Shape, len(x.Data)))
	}
}

// mustSameShape panics when the gradient dy does not have the shape of the layer's output y.
func mustGradShape(layer string, dy *tensor.Tensor, want []int) {
	if dy == nil {
		panic(fmt.Sprintf("scratch.%s.Backward: output gradient is nil; pass Δy shaped like the forward output %v", layer, want))
	}
	if !slices.Equal(dy.Shape, want) {
		panic(fmt.Sprintf("scratch.%s.Backward: output gradient has shape %v, want the forward output's shape %v",
			layer, dy.Shape, want))
	}
}

func mustForwardFirst(layer string, cached *tensor.Tensor) {
	if cached == nil {
		panic(fmt.Sprintf("scratch.%s.Backward called before Forward: call Forward on a batch first "+
			"(Backward uses the values saved by Forward)", layer))
	}
}
