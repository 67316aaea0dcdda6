package nn

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/godl-course/godl/datasets"
)

const float32DType = dtypes.Float32

func prod(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}

func rangeIdx(start, end int) []int {
	idx := make([]int, end-start)
	for i := range idx {
		idx[i] = start + i
	}
	return idx
}

func dsName(d *datasets.Dataset) string {
	if d.Name != "" {
		return fmt.Sprintf("data set %q", d.Name)
	}
	return "the data set"
}

// checkInputs checks that a data set is usable as model input.
func checkInputs(d *datasets.Dataset) error {
	if d == nil {
		return fmt.Errorf("nn: the data set is nil")
	}
	if len(d.Shape) == 0 || prod(d.Shape) <= 0 {
		return fmt.Errorf("nn: %s has an invalid example shape %v (want e.g. [28 28 1])", dsName(d), d.Shape)
	}
	per := prod(d.Shape)
	if len(d.X)%per != 0 {
		return fmt.Errorf("nn: %s has %d values in X, not a multiple of the example shape %s (%d values each)",
			dsName(d), len(d.X), dimsString(d.Shape), per)
	}
	if d.Len() == 0 {
		return fmt.Errorf("nn: %s is empty", dsName(d))
	}
	return nil
}

// checkTargets checks labels or targets of a data set used for training or evaluation.
// classes is the number of model outputs for a classifier (1 for binary).
func checkTargets(d *datasets.Dataset, outShape []int) error {
	n := d.Len()
	switch {
	case d.Labels != nil:
		if len(d.Labels) != n {
			return fmt.Errorf("nn: %s has %d examples but %d labels", dsName(d), n, len(d.Labels))
		}
		if len(outShape) != 1 {
			if len(outShape) > 1 {
				return fmt.Errorf("nn: %s has class labels, so the model must output one vector of class scores per example, but it outputs shape %s: "+
					"Dense acts on the last axis only, so a Dense layer on images keeps their height and width: put nn.Flatten() before the first Dense layer",
					dsName(d), dimsString(outShape))
			}
			return fmt.Errorf("nn: %s has class labels, but the model's output for one example has shape %s: a classifier should end with Dense(number of classes)",
				dsName(d), dimsString(outShape))
		}
		classes := outShape[0]
		if classes == 1 {
			classes = 2 // one logit: binary classification
		}
		needed := len(d.Classes) // the data set's classes: its names, or its largest label + 1
		for _, l := range d.Labels {
			needed = max(needed, l+1)
		}
		for i, l := range d.Labels {
			if l < 0 {
				return fmt.Errorf("nn: label %d of example %d in %s is negative: class labels are 0, 1, 2, ...", l, i, dsName(d))
			}
			if l >= classes {
				return fmt.Errorf("nn: label %d of example %d in %s is out of range: the model's last layer has %d outputs, so labels must be in 0..%d; %s has %d classes: make the last layer Dense(%d)",
					l, i, dsName(d), outShape[0], classes-1, dsName(d), needed, needed)
			}
		}
		if len(d.Classes) > classes {
			return fmt.Errorf("nn: %s has %d classes but the model's last layer has %d outputs: use Dense(%d) as last layer",
				dsName(d), len(d.Classes), outShape[0], len(d.Classes))
		}
	case d.Targets != nil:
		per := prod(d.TargetShape)
		if len(d.TargetShape) == 0 || per <= 0 || len(d.Targets) != n*per {
			return fmt.Errorf("nn: %s has %d target values, which does not match %d examples of target shape %v",
				dsName(d), len(d.Targets), n, d.TargetShape)
		}
	default:
		return fmt.Errorf("nn: %s has neither Labels nor Targets: training and evaluation need one of them", dsName(d))
	}
	return nil
}

// checkFinite checks that the inputs and the dense targets of d are finite numbers: a NaN or
// an infinity there makes the loss NaN at the first batch that holds it.
func checkFinite(d *datasets.Dataset) error {
	per := max(1, prod(d.Shape))
	for i, v := range d.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("nn: %s has a non-finite input value %v in example %d: remove or fix that example before training", dsName(d), v, i/per)
		}
	}
	perT := max(1, prod(d.TargetShape))
	for i, v := range d.Targets {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("nn: %s has a non-finite target value %v in example %d: remove or fix that example before training", dsName(d), v, i/perT)
		}
	}
	return nil
}

// batchX copies the inputs of the examples idx into a tensor (len(idx), Shape...).
func batchX(d *datasets.Dataset, idx []int) *tensors.Tensor {
	per := prod(d.Shape)
	buf := make([]float32, len(idx)*per)
	for i, j := range idx {
		copy(buf[i*per:(i+1)*per], d.X[j*per:(j+1)*per])
	}
	return tensors.FromFlatDataAndDimensions(buf, append([]int{len(idx)}, d.Shape...)...)
}

// batchY copies the labels (int32, (len(idx),)) or targets (float32, (len(idx), TargetShape...)).
func batchY(d *datasets.Dataset, idx []int) *tensors.Tensor {
	if d.Labels != nil {
		buf := make([]int32, len(idx))
		for i, j := range idx {
			buf[i] = int32(d.Labels[j])
		}
		return tensors.FromFlatDataAndDimensions(buf, len(idx))
	}
	per := prod(d.TargetShape)
	buf := make([]float32, len(idx)*per)
	for i, j := range idx {
		copy(buf[i*per:(i+1)*per], d.Targets[j*per:(j+1)*per])
	}
	return tensors.FromFlatDataAndDimensions(buf, append([]int{len(idx)}, d.TargetShape...)...)
}
