// Command kernel installs, checks and launches the "Go (Deep Learning)" Jupyter kernel.
//
// The kernel is GoNB (pinned in go.mod as a tool) started with a go.work that contains this
// module, so that notebook cells can use the packages nn, viz and datasets with no import line
// and no setup cell.
//
// Usage (from the repository root):
//
//	go run ./kernel install [--user | --sys-prefix | --prefix DIR] [--name go-dl] [--no-warm]
//	go run ./kernel doctor
//	.bin/godl-kernel run --root DIR --connection-file FILE   (what Jupyter starts)
//
// `install` builds GoNB, goimports, gopls and this command into <root>/.bin, writes the
// kernelspec, and warms the Go build cache with a program that imports nn, viz and datasets, so
// that a student's first cell does not wait for a cold compilation of GoMLX.
//
// `doctor` prints one line per check and one actionable line per problem; it exits with status 1
// when the kernel cannot work.
//
// `run` is the kernelspec's command: it checks that the Go toolchain, GoNB, goimports and the
// module are where install left them and then runs GoNB behind a thin proxy of Jupyter's sockets
// (proxy.go), which passes signals on and adds explanations for the cells GoNB rejects before
// building them. When something is missing it starts a small diagnostic kernel instead, which
// answers every cell with what is missing and how to fix it, so that the notebook never shows a
// silent "kernel died".
//
// Compile errors are explained in course terms (hints.go): GoNB builds each cell through the
// `go` shim (goshim.go), which writes hints above the compiler's lines for the mistakes a
// beginner makes first (a misspelled package member, an unused variable, a value from an earlier
// cell, a function returning an error, a Fit never run).
//
// Each cell runs under a memory limit (cellmem.go, GODL_CELL_MEMORY): the shim puts a launcher
// (this command again) in front of the program it built, which stops a cell above the limit and
// says so in the cell, instead of the silent death the system's out-of-memory killer gives.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

const usage = `kernel: installs, checks and launches the "Go (Deep Learning)" Jupyter kernel.

Commands:
  install   build GoNB and the tools, write the kernelspec, warm the Go build cache
            flags: --user (default) | --sys-prefix | --prefix DIR, --name NAME, --no-warm
  doctor    check Go, goimports, gopls, Jupyter, the kernelspec, the backend and the data sets
  run       started by Jupyter: --root DIR --connection-file FILE
  env       print the environment the kernel's cells run with (shell syntax)

Run it from the repository root: go run ./kernel <command>
`

func main() {
	switch filepath.Base(os.Args[0]) { // the shims the kernel puts first on GoNB's PATH
	case "go":
		os.Exit(goShim(os.Args[1:]))
	case "gopls":
		os.Exit(goplsShim(os.Args[1:]))
	case "goimports":
		os.Exit(goimportsShim(os.Args[1:]))
	}
	if program := cellProgram(os.Args[0]); program != "" { // a cell, under its memory limit
		os.Exit(runCell(program, os.Args[1:]))
	}
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// runMain dispatches a sub-command and returns the process exit status.
func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "install":
		err = cmdInstall(rest, stdout)
	case "doctor":
		var ok bool
		ok, err = cmdDoctor(rest, stdout)
		if err == nil && !ok {
			return 1
		}
	case "run":
		err = cmdRun(rest, stderr)
	case "env":
		err = cmdEnv(rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "kernel: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "kernel %s: %v\n", cmd, err)
		return 1
	}
	return 0
}
