package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// problem is something that stops the kernel from working, with the fix a user can apply.
type problem struct {
	What string
	Fix  string
}

func (p problem) String() string { return p.What + "\n    fix: " + p.Fix }

const reinstallFix = "in the repository, run `make setup` (or `go run ./kernel install`), then restart the kernel"

// runtimeProblems checks, quickly, what the kernel needs at each start: the module, GoNB,
// goimports and a working go command for the cells' environment.
func runtimeProblems(root string, env map[string]string) []problem {
	var ps []problem
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		ps = append(ps, problem{
			What: fmt.Sprintf("the course module is not at %s any more (moved or deleted?)", root),
			Fix:  "from the repository's new place run `make setup` to write the kernelspec again",
		})
	}
	for _, tool := range []string{"gonb", "goimports"} {
		if !isExecutable(filepath.Join(binDir(root), tool)) {
			ps = append(ps, problem{
				What: fmt.Sprintf("%s is missing from %s", tool, binDir(root)),
				Fix:  reinstallFix,
			})
		}
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		ps = append(ps, problem{
			What: "the go command is not on the kernel's PATH (" + os.Getenv("PATH") + ")",
			Fix:  "install Go 1.26 or newer and make sure Jupyter is started from a shell where `go version` works",
		})
		return ps
	}
	cmd := exec.Command(goBin, "version")
	cmd.Env = mergeEnv(os.Environ(), env)
	if out, err := cmd.CombinedOutput(); err != nil {
		ps = append(ps, problem{
			What: fmt.Sprintf("`go version` fails with GOTOOLCHAIN=%s: %s", env["GOTOOLCHAIN"], strings.TrimSpace(string(out))),
			Fix:  "the Go " + env["GOTOOLCHAIN"] + " toolchain is fetched from the Go module proxy once: run `make setup` while online (or set GOPROXY to a reachable proxy)",
		})
	}
	return ps
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// runEnv is the environment GoNB starts with: the kernelspec's env is already applied by Jupyter
// (the user's own settings included); the defaults below fill what a frontend left out.
func runEnv(root string) (map[string]string, error) {
	env := map[string]string{}
	goBin, err := lookGo()
	if err == nil {
		defaults, err := kernelEnv(root, goBin, chooseBackend(root))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// No go.mod at root any more (the repository moved): runtimeProblems says so and the
			// diagnostic kernel starts.
		case err != nil:
			return nil, err
		}
		for k, v := range defaults {
			if _, set := os.LookupEnv(k); !set {
				env[k] = v
			}
		}
		// The go command itself must be found by GoNB, whatever PATH Jupyter was started with;
		// the go shim (goshim.go) comes first and hands over to the real one.
		sep := string(os.PathListSeparator)
		env["PATH"] = binDir(root) + sep + filepath.Dir(goBin) + sep + os.Getenv("PATH")
		if isExecutable(filepath.Join(shimDir(root), "go")) {
			env["PATH"] = shimDir(root) + sep + env["PATH"]
			env[realGoEnv] = goBin
		}
	} else {
		env["PATH"] = binDir(root) + string(os.PathListSeparator) + os.Getenv("PATH")
	}
	return env, nil
}

func cmdRun(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "", "the repository root (written by install)")
	conn := fs.String("connection-file", "", "Jupyter's connection file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *conn == "" || *root == "" {
		return errors.New("run needs --root DIR and --connection-file FILE (Jupyter passes them; see the kernelspec)")
	}
	env, err := runEnv(*root)
	if err != nil {
		return err
	}
	for k, v := range env {
		_ = os.Setenv(k, v)
	}
	if ps := runtimeProblems(*root, env); len(ps) > 0 {
		fmt.Fprintf(stderr, "Go (Deep Learning) kernel cannot start:\n")
		for _, p := range ps {
			fmt.Fprintf(stderr, "  - %s\n", p)
		}
		fmt.Fprintf(stderr, "Starting the diagnostic kernel, which shows this message in the notebook.\n")
		return serveDiagnostic(*conn, ps)
	}
	gonb := filepath.Join(binDir(*root), "gonb")
	argv := append([]string{gonb, "--kernel", *conn, "--go_work=" + *root}, gonbLogFlags(os.Getenv(kernelLogEnv))...)
	// GoNB runs behind the kernel's proxy of Jupyter's sockets (proxy.go), which explains in
	// course terms the cells that GoNB rejects before building them; signals are passed on.
	return runProxy(argv, *conn)
}

// kernelLogEnv names a file that receives GoNB's log (every step of every cell), for debugging
// the kernel itself. Unset, GoNB logs nothing: what goes wrong in a cell is shown in the cell.
const kernelLogEnv = "GODL_KERNEL_LOG"

// gonbLogFlags keeps GoNB's log out of Jupyter's terminal. Without -extra_log, GoNB v0.11.5's
// main.go passes setUpKlog a nil *os.File as an io.Writer (a non-nil interface), so every start
// logs "Logging to extra logger configured", "Info message", "Warning message" and "Error message"
// to stderr. Canary: test_canary_gonb_logs_a_spurious_error_at_start (kernel/tests/test_canary.py).
// With GODL_KERNEL_LOG, -stderrthreshold=ERROR still echoes GoNB's "Error message" test line.
func gonbLogFlags(logFile string) []string {
	if logFile == "" {
		return []string{"-logtostderr=false", "-stderrthreshold=FATAL", "-log_file=" + os.DevNull}
	}
	return []string{"-logtostderr=false", "-stderrthreshold=ERROR", "-extra_log=" + logFile, "-v=1"}
}
