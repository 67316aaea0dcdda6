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

// Evaluate computes the loss (the one used by the last Fit, or the default for the data) and,
// for labelled data, the accuracy of the model on all examples of d, in inference mode.
func (m *Model) Evaluate(d *datasets.Dataset) (ev Evaluation, err error) {
	if err := checkInputs(d); err != nil {
		return ev, err
	}
	err = catch(func() {
		ev = m.mustEvaluate(d, m.mustPrepare(d), 256)
	})
	return ev, err
}

type evalKey struct {
	loss  Loss
	class bool
}

func (m *Model) evalExec(loss Loss, classification bool) *model.Exec {
	if m.evalExecs == nil {
		m.evalExecs = map[evalKey]*model.Exec{}
	}
	key := evalKey{loss, classification}
	if e := m.evalExecs[key]; e != nil {
		return e
	}
	e, err := model.NewExec(Backend(), m.Store(), func(scope *model.Scope, x, y *Node) []*Node {
		c := newCtx(scope, x.Graph(), false)
		out := m.Forward(c, x)
		outs := []*Node{loss.Loss(out, y)}
		if classification {
			outs = append(outs, accuracyNode(out, y))
		}
		return outs
	})
	if err != nil {
		panic(err)
	}
	m.evalExecs[key] = e
	return e
}

func (m *Model) mustEvaluate(d *datasets.Dataset, loss Loss, batch int) Evaluation {
	classification := d.Labels != nil
	e := m.evalExec(loss, classification)
	n := d.Len()
	var sumLoss, sumAcc float64
	for start := 0; start < n; start += batch {
		end := min(n, start+batch)
		idx := rangeIdx(start, end)
		outs, err := e.Exec(batchX(d, idx), batchY(d, idx))
		if err != nil {
			panic(err)
		}
		w := float64(end - start)
		sumLoss += w * float64(tensors.ToScalar[float32](outs[0]))
		if classification {
			sumAcc += w * float64(tensors.ToScalar[float32](outs[1]))
		}
	}
	ev := Evaluation{Loss: sumLoss / float64(n), Accuracy: math.NaN()}
	if classification {
		ev.Accuracy = sumAcc / float64(n)
		ev.Metrics = map[string]float64{"accuracy": ev.Accuracy}
	}
	return ev
}

// mustPrepare builds the model for d's examples, checks d's targets against its output and
// returns the loss to measure: the one of the last Fit, or the default for the data.
func (m *Model) mustPrepare(d *datasets.Dataset) Loss {
	m.mustBuild(d.Shape)
	if err := checkTargets(d, m.output); err != nil {
		panic(passErr{err})
	}
	if m.loss != nil {
		return m.loss
	}
	return defaultLoss(d)
}
