package nn

import (
	"fmt"
	"math"
)

// stopOnNaN is always active in Fit: see StopOnNaN.
type stopOnNaN struct{}

func (stopOnNaN) OnEvent(e Event, h *History) error {
	if e != StepEnd || len(h.Steps) == 0 {
		return nil
	}
	r := h.Steps[len(h.Steps)-1]
	if math.IsNaN(r.Loss) || math.IsInf(r.Loss, 0) {
		return fmt.Errorf("nn.Fit: the loss became %v at epoch %d, step %d (learning rate %g): training diverged; lower the learning rate (e.g. 10× smaller), check that the inputs are normalized and contain no NaN",
			r.Loss, r.Epoch, r.Step, r.LR)
	}
	return nil
}

// StopOnNaN returns the callback that stops training with a clear error when the loss becomes
// NaN or infinite. Fit always uses it; it is exported for custom training loops.
func StopOnNaN() Callback { return stopOnNaN{} }

// EarlyStoppingCallback stops training when the monitored value stops improving.
type EarlyStoppingCallback struct {
	Monitor  string  // "val_loss" (default), "loss", "accuracy", "val_accuracy"
	Patience int     // epochs without improvement before stopping
	MinDelta float64 // smallest change counted as an improvement

	best    float64
	bestEp  int
	started bool
	Stopped int // epoch at which training was stopped, 0 if it was not
}

// EarlyStopping stops training when Monitor has not improved for patience epochs. Losses
// improve by decreasing, accuracies by increasing. Monitor "val_loss" needs validation data.
func EarlyStopping(monitor string, patience int) *EarlyStoppingCallback {
	return &EarlyStoppingCallback{Monitor: monitor, Patience: patience}
}

// monitored reads a value of a Record: "loss", "val_loss", "<metric>" or "val_<metric>".
func monitored(r Record, name string) (float64, bool) {
	switch name {
	case "", "val_loss":
		return r.ValLoss, !math.IsNaN(r.ValLoss)
	case "loss":
		return r.Loss, true
	}
	if len(name) > 4 && name[:4] == "val_" {
		v, ok := r.ValMetrics[name[4:]]
		return v, ok
	}
	v, ok := r.Metrics[name]
	return v, ok
}

func higherIsBetter(name string) bool {
	return !(name == "" || name == "loss" || name == "val_loss")
}

// OnEvent implements Callback.
func (c *EarlyStoppingCallback) OnEvent(e Event, h *History) error {
	if e == TrainBegin {
		c.started, c.Stopped = false, 0
		return nil
	}
	if e != EpochEnd {
		return nil
	}
	r := h.Epochs[len(h.Epochs)-1]
	v, ok := monitored(r, c.Monitor)
	if !ok {
		return fmt.Errorf("nn.EarlyStopping: no value %q in the epoch record (use \"loss\", or give validation data for \"val_loss\")", c.Monitor)
	}
	if !higherIsBetter(c.Monitor) {
		v = -v
	}
	if !c.started || v > c.best+c.MinDelta {
		c.best, c.bestEp, c.started = v, r.Epoch, true
		return nil
	}
	if r.Epoch-c.bestEp >= c.Patience {
		c.Stopped = r.Epoch
		return ErrStopTraining
	}
	return nil
}

// CheckpointCallback saves the model after each epoch (see Checkpoint).
type CheckpointCallback struct {
	m       *Model
	Dir     string
	Monitor string // when set, save only when this value improves
	best    float64
	started bool
	Saved   int // number of saves done
}

// Checkpoint saves the model to dir (with [Model.Save]) after every epoch, or, when monitor is
// not empty (e.g. "val_accuracy"), only when the monitored value improves.
func Checkpoint(m *Model, dir, monitor string) *CheckpointCallback {
	return &CheckpointCallback{m: m, Dir: dir, Monitor: monitor}
}

// OnEvent implements Callback.
func (c *CheckpointCallback) OnEvent(e Event, h *History) error {
	if e != EpochEnd {
		return nil
	}
	r := h.Epochs[len(h.Epochs)-1]
	if c.Monitor != "" {
		v, ok := monitored(r, c.Monitor)
		if !ok {
			return fmt.Errorf("nn.Checkpoint: no value %q in the epoch record", c.Monitor)
		}
		if !higherIsBetter(c.Monitor) {
			v = -v
		}
		if c.started && v <= c.best {
			return nil
		}
		c.best, c.started = v, true
	}
	c.Saved++
	return c.m.Save(c.Dir)
}
