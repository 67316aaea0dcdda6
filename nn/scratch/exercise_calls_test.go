package scratch

import (
	"io"
	"strings"
	"testing"

	"github.com/godl-course/godl/tensor"
)

// A backward pass that calls the library's own implementation is right, but not the exercise.
func TestCheckRejectsTheLibrarysImplementation(t *testing.T) {
	Output = io.Discard
	defer func() { Output = nil }()
	if res := CheckLinearBackward(LinearBackward); res.OK() || !strings.Contains(res.String(), "FAIL: this calls scratch.LinearBackward") {
		t.Errorf("CheckLinearBackward(LinearBackward):\n%s", res)
	}
	if res := CheckConv2DBackward(Conv2DBackward); res.OK() || strings.Count(res.String(), "scratch.Conv2DBackward, the library's own") != 2 { // one report, and the verdict
		t.Errorf("CheckConv2DBackward(Conv2DBackward):\n%s", res)
	}
	if res := CheckMaxPool2DBackward(MaxPool2DBackward); res.OK() || !strings.Contains(res.String(), "scratch.MaxPool2DBackward") {
		t.Errorf("CheckMaxPool2DBackward(MaxPool2DBackward):\n%s", res)
	}
	// The same computation written by hand passes.
	own := func(x, w, dy *tensor.Tensor) (dx, dw, db *tensor.Tensor) {
		dx, dw, db = tensor.Zeros(x.Shape...), tensor.Zeros(w.Shape...), tensor.Zeros(w.Shape[1])
		n, in, out := x.Shape[0], w.Shape[0], w.Shape[1]
		for i := range n {
			for j := range in {
				for o := range out {
					dx.Data[i*in+j] += dy.Data[i*out+o] * w.Data[j*out+o]
					dw.Data[j*out+o] += x.Data[i*in+j] * dy.Data[i*out+o]
				}
			}
			for o := range out {
				db.Data[o] += dy.Data[i*out+o]
			}
		}
		return
	}
	if res := CheckLinearBackward(own); !res.OK() {
		t.Errorf("CheckLinearBackward(own code):\n%s", res)
	}
}

// allowingLibrary runs check with the library's own implementation accepted as the student's.
func allowingLibrary(check func() *CheckResult) *CheckResult {
	libraryAllowed = true
	defer func() { libraryAllowed = false }()
	return check()
}
