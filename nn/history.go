package nn

import (
	"math"
	"strings"
	"time"
)

// Record is one line of a training History: one optimizer step (History.Steps) or one epoch
// (History.Epochs).
type Record struct {
	Epoch, Step    int                // 1-based epoch; global step count (1-based)
	Loss           float64            // the batch's loss (steps) or the epoch's mean training loss (epochs)
	Metrics        map[string]float64 // e.g. "accuracy", of the batch (steps) or epoch mean (epochs)
	ValLoss        float64            // math.NaN() when there is no validation data
	ValMetrics     map[string]float64 // nil when there is no validation data
	LR             float64            // learning rate used
	ExamplesPerSec float64            // training speed
	Elapsed        time.Duration      // since training started
	Duration       time.Duration      // of this step (its computation) or this epoch (validation included)
}

// History records a training run, step by step and epoch by epoch.
type History struct {
	Steps  []Record // one per optimizer step
	Epochs []Record // one per epoch (training averages; Val* filled when validation data is given)
	// SavedAt is when the model was saved, for a History that Memo or Load read back with the
	// model instead of training it; zero for a training that ran in this process.
	SavedAt time.Time
}

// Reloaded reports whether the History was read back with a saved model (Memo, Load) rather
// than recorded by a training that ran now.
func (h *History) Reloaded() bool { return h != nil && !h.SavedAt.IsZero() }

// TrainingTime is how long the recorded training took (the last epoch's Elapsed, or the sum
// of the epochs' durations).
func (h *History) TrainingTime() time.Duration {
	if h == nil || len(h.Epochs) == 0 {
		return 0
	}
	var total time.Duration
	for _, r := range h.Epochs {
		total += r.Duration
	}
	return max(total, h.Epochs[len(h.Epochs)-1].Elapsed)
}

// Last returns the last epoch record. When no epoch finished (or h is nil: a Fit that failed,
// its error ignored) the record's Loss and ValLoss are NaN, so that no made-up 0 is printed.
func (h *History) Last() Record {
	if h == nil || len(h.Epochs) == 0 {
		return Record{Loss: math.NaN(), ValLoss: math.NaN()}
	}
	return h.Epochs[len(h.Epochs)-1]
}

// Event says when a Callback is called.
type Event int

const (
	TrainBegin Event = iota // before the first step
	StepEnd                 // after each optimizer step (History.Steps has the new record)
	EpochEnd                // after each epoch, validation included (History.Epochs has the new record)
	TrainEnd                // after the last step, also when training stops early
	// Reloaded is sent instead of all the others when FitConfig.Memo loaded a saved model
	// rather than training: the History is the saved one (viz.LiveCurves draws its curves).
	Reloaded
)

func (e Event) String() string {
	switch e {
	case TrainBegin:
		return "TrainBegin"
	case StepEnd:
		return "StepEnd"
	case EpochEnd:
		return "EpochEnd"
	case TrainEnd:
		return "TrainEnd"
	case Reloaded:
		return "Reloaded"
	}
	return "Event(?)"
}

// Callback is called during Fit. Returning ErrStopTraining stops training cleanly; any other
// error stops training and Fit returns it.
type Callback interface {
	OnEvent(e Event, h *History) error
}

// CallbackFunc turns a function into a Callback.
type CallbackFunc func(e Event, h *History) error

// OnEvent implements Callback.
func (f CallbackFunc) OnEvent(e Event, h *History) error { return f(e, h) }

// Values returns one value of the History per epoch, for plots and tables: x holds the epoch
// numbers and y the values of key, one of "loss", "val_loss", "lr", "examples/s",
// "duration" (seconds), a training metric ("accuracy", "iou", any recorded name) or its
// validation value ("val_accuracy"). Epochs without the value are left out.
func (h *History) Values(key string) (x, y []float64) {
	if h == nil {
		return nil, nil
	}
	for _, r := range h.Epochs {
		var v float64
		ok := true
		switch key {
		case "loss":
			v = r.Loss
		case "val_loss":
			v, ok = r.ValLoss, !math.IsNaN(r.ValLoss)
		case "lr":
			v = r.LR
		case "examples/s":
			v = r.ExamplesPerSec
		case "duration":
			v = r.Duration.Seconds()
		default:
			if name, isVal := strings.CutPrefix(key, "val_"); isVal {
				v, ok = r.ValMetrics[name]
			} else {
				v, ok = r.Metrics[key]
			}
		}
		if ok {
			x, y = append(x, float64(r.Epoch)), append(y, v)
		}
	}
	return x, y
}
