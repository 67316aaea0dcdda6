package nb

import (
	"math"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	for _, c := range []struct {
		name  string
		value float64
		want  string
	}{
		{"test accuracy", 0.951234567, "REPORT: test accuracy = 0.951235\n"},
		{" test PSNR (dB) ", 17.42, "REPORT: test PSNR (dB) = 17.42\n"},
		{"psnr", math.Inf(1), "REPORT: psnr = +Inf\n"},
		{"a = b", 1, "FAIL: nb.Report(\"a = b\", 1): the name must be one line without \" = \"\n"},
		{"two\nlines", 1, "FAIL: nb.Report(\"two\\nlines\", 1): the name must be one line without \" = \"\n"},
	} {
		var b strings.Builder
		report(&b, c.name, c.value)
		if b.String() != c.want {
			t.Errorf("report(%q, %v) = %q, want %q", c.name, c.value, b.String(), c.want)
		}
	}
}
