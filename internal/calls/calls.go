// Package calls counts the calls of the library functions that the course's exercises ask a
// student to write: an exercise check compares the count before and after running the student's
// function, and says FAIL, "this calls the library's own implementation", instead of PASS when
// the student's function only wraps the library's. Each notebook cell is a fresh program, so the
// counts start at 0 in every cell.
package calls

import (
	"sync"
	"sync/atomic"
)

var counts sync.Map // name → *atomic.Int64

// Count records one call of the function name (e.g. "scratch.Conv2DForward").
func Count(name string) {
	c, ok := counts.Load(name)
	if !ok {
		c, _ = counts.LoadOrStore(name, new(atomic.Int64))
	}
	c.(*atomic.Int64).Add(1)
}

// N returns how many times Count(name) was called.
func N(name string) int64 {
	if c, ok := counts.Load(name); ok {
		return c.(*atomic.Int64).Load()
	}
	return 0
}
