package nn

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/godl-course/godl/tensor"
)

// compile returns an executor of fn on the store: every graph nn builds (training step,
// inference, evaluation, layer outputs, gradient norms, one layer's gradients) goes through it.
// fn gets a Ctx whose scope is at the absolute path `at` of the store ("" for the root: a
// model's own weights; "/generator" for a model applied inside another one) and the graph's
// inputs. Errors of the backend panic: callers run inside catch.
func compile(store *model.Store, at string, training bool, fn func(c *Ctx, in []*Node) []*Node) *model.Exec {
	backend, err := BackendErr()
	if err != nil {
		panic(passErr{err})
	}
	e, err := model.NewExec(backend, store, func(scope *model.Scope, in []*Node) []*Node {
		if at != "" {
			scope = store.Scope(at)
		}
		return fn(newCtx(scope, in[0].Graph(), training), in)
	})
	if err != nil {
		panic(err)
	}
	return e
}

// run executes e on the inputs and panics on a backend error (callers run inside catch).
func run(e *model.Exec, inputs ...any) []*tensors.Tensor {
	outs, err := e.Exec(inputs...)
	if err != nil {
		panic(err)
	}
	return outs
}

// toTensor copies a GoMLX tensor (float32, float64 or an integer type) into a tensor.Tensor.
func toTensor(t *tensors.Tensor) *tensor.Tensor {
	out := tensor.Zeros(t.Shape().Dimensions...) // rank 0 stays a scalar
	switch t.DType() {
	case dtypes.Float32:
		for i, v := range tensors.MustCopyFlatData[float32](t) {
			out.Data[i] = float64(v)
		}
	case dtypes.Float64:
		copy(out.Data, tensors.MustCopyFlatData[float64](t))
	case dtypes.Int32:
		for i, v := range tensors.MustCopyFlatData[int32](t) {
			out.Data[i] = float64(v)
		}
	case dtypes.Int64:
		for i, v := range tensors.MustCopyFlatData[int64](t) {
			out.Data[i] = float64(v)
		}
	default:
		panic(fmt.Errorf("nn: a %s tensor cannot be converted to float64 values", t.DType()))
	}
	return out
}

// fromTensor converts a tensor.Tensor to the float32 GoMLX tensor models compute with. what
// names the value in errors ("the input x").
func fromTensor(what string, t *tensor.Tensor) (*tensors.Tensor, error) {
	if t == nil {
		return nil, fmt.Errorf("%s is nil", what)
	}
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	if n != len(t.Data) {
		return nil, fmt.Errorf("%s has shape %v (%d values) but %d values in Data; build tensors with tensor.New or tensor.Zeros",
			what, t.Shape, n, len(t.Data))
	}
	return tensors.FromFlatDataAndDimensions(t.Float32(), t.Shape...), nil
}
