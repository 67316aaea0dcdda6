// Package nb holds the notebook helpers of the course: one line to stop a cell with a clear
// message when something fails, instead of four lines of `if err != nil` in every cell.
//
//	train, test := nb.Must2(datasets.MNIST()) // stops the cell if MNIST cannot be read
//	model := nn.Sequential(nn.Flatten(), nn.Dense(10))
//	hist := nb.Must(model.Fit(train.Take(1000)).Epochs(2).Validation(test.Take(500)).Done())
//	nb.Check(model.Save(filepath.Join(os.TempDir(), "nb-example")))
//	fmt.Println("validation accuracy", hist.Last().ValMetrics["accuracy"])
//
// When err is not nil the cell stops: the error is printed in red (stderr) as one clear
// message, without a Go stack trace, the outputs already sent (charts, tables) are kept, and the
// cell ends as failed (Jupyter's "Run All" stops there, and the course's headless runs report
// it). Each notebook cell is its own program, so stopping it loses nothing: the next cell
// starts fresh.
//
// Outside a notebook (a Go program, a test) the same helpers print the error and exit with
// status 1.
//
// The chapters' self-check questions use [Answers] and [SelfCheck] (see quiz.go).
package nb

import (
	"fmt"
	"os"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
)

// Check stops the cell with err's message when err is not nil; otherwise it does nothing.
func Check(err error) {
	if err != nil {
		stop(err)
	}
}

// Must returns v, or stops the cell with err's message when err is not nil:
//
//	hist := nb.Must(model.Fit(train).Done())
func Must[T any](v T, err error) T {
	if err != nil {
		stop(err)
	}
	return v
}

// Must2 returns a and b, or stops the cell with err's message when err is not nil:
//
//	train, test := nb.Must2(datasets.MNIST())
func Must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		stop(err)
	}
	return a, b
}

// Must3 returns a, b and c, or stops the cell with err's message when err is not nil.
func Must3[A, B, C any](a A, b B, c C, err error) (A, B, C) {
	if err != nil {
		stop(err)
	}
	return a, b, c
}

// exit ends the process; tests replace it.
var exit = os.Exit

// stop prints the error as the cell's last words and ends the cell as failed.
func stop(err error) {
	if gonbui.IsNotebook {
		gonbui.Sync() // outputs already sent (a chart, the progress bar) must reach the notebook
	}
	fmt.Fprint(os.Stderr, Message(err))
	exit(1)
}

// Message is how a stopped cell reports err: "Error: " and the message, its further lines
// indented.
func Message(err error) string {
	msg := strings.TrimSpace(err.Error())
	msg = strings.ReplaceAll(msg, "\n", "\n    ")
	return fmt.Sprintf("Error: %s\n", msg)
}
