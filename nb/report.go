package nb

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// Report prints a result the notebook reached, for the hand-in's run record and the class's
// leaderboard, as one line:
//
//	nb.Report("test accuracy", acc) // REPORT: test accuracy = 0.9512
//
// `make submit` writes every reported value into the notebook's run record; the grader runs the
// notebook again and compares its values with the record's; the projects' leaderboard ranks the
// class by them (a project's notebook reports its main metric first). name is what is measured,
// with its unit when it has one ("test PSNR (dB)"); it may not contain " = " or a line break.
// Report the value the cell computed, not a rounded copy of it.
func Report(name string, value float64) {
	report(os.Stdout, name, value)
}

func report(w io.Writer, name string, value float64) {
	name = strings.TrimSpace(name)
	if name == "" || strings.Contains(name, " = ") || strings.ContainsAny(name, "\r\n") {
		fmt.Fprintf(w, "FAIL: nb.Report(%q, %g): the name must be one line without \" = \"\n", name, value)
		return
	}
	v := fmt.Sprintf("%.6g", value)
	if math.IsInf(value, 1) {
		v = "+Inf"
	}
	fmt.Fprintf(w, "REPORT: %s = %s\n", name, v)
}
