package nn

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/godl-course/godl/datasets"
)

// Evaluation is the result of [Model.Evaluate].
type Evaluation struct {
	Loss     float64
	Accuracy float64            // fraction of correct classes; NaN for non-classification data
	Metrics  map[string]float64 // "accuracy" for classification
}

func (e Evaluation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loss %.4f", e.Loss)
	keys := make([]string, 0, len(e.Metrics))
	for k := range e.Metrics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "accuracy" {
			fmt.Fprintf(&b, ", accuracy %.2f%%", 100*e.Metrics[k])
		} else {
			fmt.Fprintf(&b, ", %s %.4f", k, e.Metrics[k])
		}
	}
	return b.String()
}

// Evaluate computes the loss (the one used by the last Fit, or the default for the data), the
// accuracy for labelled data and the metrics of the last Fit, on all examples of d, in
// inference mode. A model trained with a custom Step is evaluated by that step (its losses and
// recorded values, without updating anything).
func (m *Model) Evaluate(d *datasets.Dataset) (ev Evaluation, err error) {
	if err := checkInputs(d); err != nil {
		return ev, err
	}
	err = catch(func() {
		if m.step == nil {
			m.mustPrepare(d)
		}
		ev = m.mustEvaluate(d, 256)
	})
	return ev, err
}

// mustEvaluate runs the evaluation step over d in batches and averages its values.
func (m *Model) mustEvaluate(d *datasets.Dataset, batch int) Evaluation {
	classification := d.Labels != nil
	fn, key := m.step, ""
	if fn != nil && m.trainer != nil {
		key = fmt.Sprintf("step of trainer %p", m.trainer) // the custom step of the last Fit: one graph per Fit
	}
	if fn == nil {
		loss := m.loss
		if loss == nil {
			loss = defaultLoss(d)
		}
		fn = defaultStep(m, loss, m.metrics, classification)
		key = fmt.Sprintf("%p %v %v %v", loss, m.metrics, classification, d.Targets != nil)
	}
	var e *evalExec
	if key != "" {
		e = m.evalExecs[key]
	}
	if e == nil {
		e = &evalExec{}
		e.exec = m.stepExec(fn, nil, false, &e.names)
		if key != "" {
			if m.evalExecs == nil {
				m.evalExecs = map[string]*evalExec{}
			}
			m.evalExecs[key] = e
		}
	}
	b := d.Batches(batch).Done()
	var sumLoss float64
	var sums []float64
	for bt := range b.Epoch(0) {
		outs := run(e.exec, stepInputs(0, bt)...)
		w := float64(bt.Size)
		sumLoss += w * float64(tensors.ToScalar[float32](outs[0]))
		if sums == nil {
			sums = make([]float64, len(e.names))
		}
		for i := range e.names {
			sums[i] += w * float64(tensors.ToScalar[float32](outs[1+i]))
		}
	}
	n := float64(d.Len())
	ev := Evaluation{Loss: sumLoss / n, Accuracy: math.NaN()}
	if len(e.names) > 0 {
		ev.Metrics = map[string]float64{}
		for i, name := range e.names {
			ev.Metrics[name] = sums[i] / n
		}
		if acc, ok := ev.Metrics["accuracy"]; ok {
			ev.Accuracy = acc
		}
	}
	return ev
}

// evalExec is a compiled evaluation step and the names of the values it records.
type evalExec struct {
	exec  *model.Exec
	names []string
}

// mustPrepare builds the model for d's examples, checks d's targets against its output and
// returns the loss to measure: the one of the last Fit, or the default for the data.
func (m *Model) mustPrepare(d *datasets.Dataset) Loss {
	m.mustBuild(d.Shape)
	loss := m.loss
	if loss == nil {
		loss = defaultLoss(d)
	}
	if err := checkTargetsFor(d, m.output, loss); err != nil {
		panic(passErr{err})
	}
	return loss
}
