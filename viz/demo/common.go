package demo

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/godl-course/godl/viz"
)

// param is a value a demo steps through (a hyper-parameter, an augmentation), with what its
// amount means, for error messages that list the valid ones.
type param struct{ name, meaning string }

type params []param

func (ps params) has(name string) bool {
	return slices.ContainsFunc(ps, func(p param) bool { return p.name == name })
}

// String lists the names with their meanings: "lr" (the learning rate ...), ...
func (ps params) String() string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = fmt.Sprintf("%q (%s)", p.name, p.meaning)
	}
	return strings.Join(names, ", ")
}

// show shows a demo's chart; a failure is also printed (on stderr, in the cell), as viz's
// one-liners do, so that a cell may ignore the results.
func show(c *viz.Chart, err error) (viz.Files, error) {
	var files viz.Files
	if err == nil {
		files, err = c.Show()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return files, err
}
