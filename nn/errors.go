package nn

import (
	"errors"
	"fmt"
	"strings"
)

// ErrStopTraining is returned by a [Callback] to stop training cleanly: Fit then returns
// the History so far and a nil error.
var ErrStopTraining = errors.New("nn: training stopped by a callback")

// LayerError reports a problem found while building or running one layer: it names the
// layer, its configuration and the shape of its input.
type LayerError struct {
	Layer      string // name of the layer in the model, e.g. "dense_2"
	Config     string // the layer's description, e.g. "Dense(10)"
	InputShape string // shape of the layer's input, e.g. "(64, 784)"
	Err        error
}

func (e *LayerError) Error() string {
	return fmt.Sprintf("nn: layer %s %s with input shape %s: %v", e.Layer, e.Config, e.InputShape, e.Err)
}

func (e *LayerError) Unwrap() error { return e.Err }

// catch runs fn and turns a panic (GoMLX reports errors by panicking) into an error, so that
// no raw panic trace reaches the student.
func catch(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicToError(r)
		}
	}()
	fn()
	return nil
}

// panicToError converts a recovered panic value into a readable error (without stack traces).
func panicToError(r any) error {
	switch v := r.(type) {
	case *LayerError:
		return v
	case passErr:
		return v.error
	case error:
		var le *LayerError
		if errors.As(v, &le) {
			return le
		}
		var pe passErr
		if errors.As(v, &pe) {
			return pe.error
		}
		return errors.New(cleanMessage(fmt.Sprintf("%v", v)))
	default:
		return errors.New(cleanMessage(fmt.Sprint(v)))
	}
}

// cleanMessage keeps the informative part of an error message from GoMLX: no stack traces,
// at most a few lines.
func cleanMessage(msg string) string {
	// GoMLX prefixes errors raised while building a graph with the executor's name.
	if i := strings.LastIndex(msg, "panicked: "); i >= 0 {
		msg = msg[i+len("panicked: "):]
	}
	if strings.HasPrefix(msg, "nn: layer ") {
		return strings.SplitN(msg, "\n", 2)[0]
	}
	lines := strings.Split(msg, "\n")
	var kept []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "goroutine ") || strings.HasSuffix(t, ".go") ||
			strings.Contains(t, ".go:") || strings.HasPrefix(t, "github.com/") || strings.HasPrefix(t, "runtime.") {
			continue
		}
		kept = append(kept, t)
		if len(kept) == 4 {
			break
		}
	}
	return strings.Join(kept, " ")
}

// failf panics with a formatted error; used inside graph building, where [Ctx.Apply] adds the
// layer's name and input shape, and the public API turns it into a returned error.
func failf(format string, args ...any) {
	panic(fmt.Errorf(format, args...))
}

// passErr carries an error (e.g. from a callback) through a panic unchanged.
type passErr struct{ error }
