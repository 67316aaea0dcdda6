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

// Divergence: a training stops when its loss grows above divergenceFactor times the loss of
// the first step (the model before any update) and above divergenceFloor, for divergenceSteps
// steps in a row or at the end of an epoch. A learning rate far too large does not always make
// the loss NaN: cross-entropy computed stably from logits grows like the logits, to 1e18 and more,
// while the accuracy stays at chance. A training that merely bounces (a hard batch, a large but
// working learning rate) stays well below 100 times its starting loss, and the floor keeps
// small losses (a model that starts almost trained: 0.001 -> 0.5) from raising the alarm.
const (
	divergenceFactor = 100
	divergenceFloor  = 100
	divergenceSteps  = 3
)

// divergenceCheck stops a training whose loss exploded; see StopOnDivergence.
type divergenceCheck struct {
	first float64 // loss of the first step; 0 when unusable (not positive): no check
	above int     // consecutive steps above the limit
}

// limit is the loss above which the training counts as diverged (+Inf: no check).
func (c *divergenceCheck) limit() float64 {
	if !(c.first > 0) || math.IsInf(c.first, 0) {
		return math.Inf(1)
	}
	return max(divergenceFactor*c.first, divergenceFloor)
}

func (c *divergenceCheck) OnEvent(e Event, h *History) error {
	switch {
	case e == TrainBegin:
		c.first, c.above = 0, 0
	case e == StepEnd && len(h.Steps) > 0:
		r := h.Steps[len(h.Steps)-1]
		if len(h.Steps) == 1 {
			c.first = r.Loss
			return nil
		}
		if r.Loss > c.limit() {
			c.above++
		} else {
			c.above = 0
		}
		if c.above >= divergenceSteps {
			return c.diverged(r, "")
		}
	case e == EpochEnd && len(h.Epochs) > 0 && len(h.Steps) > 0:
		// A short training (an epoch of two steps) diverges too: the epoch's mean loss and
		// its last step are both above the limit.
		if er, last := h.Epochs[len(h.Epochs)-1], h.Steps[len(h.Steps)-1]; er.Loss > c.limit() && last.Loss > c.limit() {
			return c.diverged(last, fmt.Sprintf(", mean loss of the epoch %.3g", er.Loss))
		}
	}
	return nil
}

func (c *divergenceCheck) diverged(r Record, more string) error {
	return fmt.Errorf("nn.Fit: the loss grew from %.3g at the first step to %.3g at epoch %d, step %d%s (learning rate %g): training diverged; lower the learning rate (e.g. 10× smaller: %g), check that the inputs are normalized",
		c.first, r.Loss, r.Epoch, r.Step, more, r.LR, r.LR/10)
}

// StopOnDivergence returns a callback that stops training with a clear error when the loss
// explodes without becoming NaN. With L₁ the loss of the first step (the model before any
// update) and the limit
//
//	L_max = max(100·L₁, 100)    (no check when L₁ ≤ 0: a loss that can be negative)
//
// training stops when L_t > L_max for 3 steps t in a row, or at the end of an epoch whose mean
// loss and last step's loss are both above L_max. Fit uses it unless the training has a custom
// Step (whose losses may legitimately grow, e.g. a GAN's): add it there with Callbacks.
func StopOnDivergence() Callback { return &divergenceCheck{} }

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
