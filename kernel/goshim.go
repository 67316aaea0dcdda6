package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/godl-course/godl/internal/atomicfile"
)

// The go shim saves about half a second on every cell.
//
// Before each build GoNB runs `go get` in the cell's folder, to fetch modules that new import
// lines need. In this kernel the cell's go.work already uses this repository, whose go.mod
// requires every module nn, viz and datasets are built from, so for a cell that imports only
// the standard library and those modules `go get` has nothing to do, yet it still loads the
// whole package graph of GoMLX (0.5 s on 2 cores). The kernel therefore puts, first on GoNB's
// PATH, a link named `go` to this command: invoked under that name it answers a plain `go get`
// at once when every import of the cell is already provided, and hands everything else (and
// any other go command) to the real go unchanged.
//
// GoNB v0.11.5 runs `go get` before every build (internal/goexec/execcode.go, State.AutoGet;
// `%noautoget` would turn it off for new imports too). Canary:
// test_canary_gonb_runs_go_get_before_every_cell (kernel/tests/test_canary.py); when it fails,
// goShim's answer to a plain `go get` (isPlainGet, importsProvided) can go. The shim stays for
// shimEnv (dropping -tags=noxla under XLA).

const (
	// shimDirName is the folder, inside <root>/.bin, that holds the `go` link.
	shimDirName = "shim"
	// realGoEnv names the real go command for the shim.
	realGoEnv = "GODL_REAL_GO"
)

func shimDir(root string) string { return filepath.Join(binDir(root), shimDirName) }

// installShim links <root>/.bin/shim/go and <root>/.bin/shim/gopls to the kernel command.
func installShim(root string) error {
	dir := shimDir(root)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"go", "gopls"} {
		link := filepath.Join(dir, name)
		tmp := link + ".tmp"
		_ = os.Remove(tmp)
		if err := os.Symlink(filepath.Join("..", "godl-kernel"), tmp); err != nil {
			return fmt.Errorf("creating the %s shim: %w", name, err)
		}
		if err := os.Rename(tmp, link); err != nil {
			return err
		}
	}
	return nil
}

// goShim runs as `go`: it returns only when it answered the command itself.
func goShim(args []string) int {
	realGo := os.Getenv(realGoEnv)
	if realGo == "" {
		fmt.Fprintf(os.Stderr, "go (Go (Deep Learning) kernel shim): %s is not set; run the real go command directly\n", realGoEnv)
		return 2
	}
	if isPlainGet(args) {
		if ok, _ := importsProvided(".", os.Getenv("GODL_ROOT")); ok {
			return 0
		}
	}
	if isCellBuild(args) {
		return buildWithHints(realGo, args)
	}
	err := syscall.Exec(realGo, append([]string{realGo}, args...), shimEnv(os.Environ()))
	fmt.Fprintf(os.Stderr, "go shim: running %s: %v\n", realGo, err)
	return 2
}

// shimEnv returns env for the real go: when a notebook switched to XLA
// (`%env GOMLX_BACKEND=xla:cpu`), the kernelspec's -tags=noxla is dropped from GOFLAGS so that
// the cell links go-xla.
func shimEnv(env []string) []string {
	backend := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOMLX_BACKEND="); ok {
			backend = v
		}
	}
	if !strings.HasPrefix(backend, "xla") {
		return env
	}
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOFLAGS="); ok {
			kv = "GOFLAGS=" + strings.Join(strings.Fields(strings.ReplaceAll(v, noXLATag, "")), " ")
		}
		out = append(out, kv)
	}
	return out
}

// isPlainGet matches what GoNB runs: `go get` or `go get -t`, with no package arguments.
func isPlainGet(args []string) bool {
	if len(args) == 0 || args[0] != "get" {
		return false
	}
	for _, a := range args[1:] {
		if a != "-t" {
			return false
		}
	}
	return true
}

// importsProvided tells whether every import of the Go files in dir is in the standard library
// or in a module that the build list already has: root's module, a module root's go.mod
// requires, or one that dir's own go.mod requires.
func importsProvided(dir, root string) (bool, error) {
	if root == "" {
		return false, errors.New("GODL_ROOT is not set")
	}
	mods, err := requiredModules(filepath.Join(root, "go.mod"))
	if err != nil {
		return false, err
	}
	own, _ := requiredModules(filepath.Join(dir, "go.mod")) // the cell's module: may not exist yet
	mods = append(mods, own...)
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		return false, err
	}
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			return false, err
		}
		for _, imp := range af.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil || !providedBy(p, mods) {
				return false, err
			}
		}
	}
	return true, nil
}

// providedBy: standard library paths have no dot in their first element ("C" is cgo).
func providedBy(importPath string, modules []string) bool {
	first, _, _ := strings.Cut(importPath, "/")
	if !strings.Contains(first, ".") {
		return true
	}
	for _, m := range modules {
		if importPath == m || strings.HasPrefix(importPath, m+"/") {
			return true
		}
	}
	return false
}

// isCellBuild matches GoNB building a cell: `go build -o ...` in a folder holding main.go.
func isCellBuild(args []string) bool {
	if len(args) == 0 || args[0] != "build" {
		return false
	}
	_, err := os.Stat("main.go")
	return err == nil
}

// earlierValuesFile, in GoNB's folder for the kernel session, lists the values that the %%
// cells built so far declared (one name per line), for the hint on "undefined: x".
const earlierValuesFile = ".godl-earlier-values"

// buildWithHints runs the real `go build` and, when it fails, writes hints in course terms
// (hints.go) before the compiler's output, which it keeps as it is. After a successful build it
// records the values the cell declares.
func buildWithHints(realGo string, args []string) int {
	cmd := exec.Command(realGo, args...)
	cmd.Env = shimEnv(os.Environ())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	mainGo, _ := os.ReadFile("main.go")
	if err == nil {
		if hints := unrunFits(mainGo); len(hints) > 0 {
			// Valid Go that cannot be what the student meant: stop before running it.
			fmt.Fprintln(os.Stderr, strings.Join(hints, "\n"))
			return 1
		}
		recordValues(mainGo)
		_, _ = os.Stdout.Write(out.Bytes())
		return 0
	}
	code := 1
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		fmt.Fprintf(&out, "go shim: running %s: %v\n", realGo, err)
	}
	env := &hintEnv{Main: mainGo, Root: os.Getenv("GODL_ROOT"), GoRoot: goRootOf(realGo), Earlier: earlierValues()}
	if hints := compileHints(out.String(), env); len(hints) > 0 {
		fmt.Fprintln(os.Stderr, strings.Join(hints, "\n"))
	}
	_, _ = os.Stderr.Write(out.Bytes())
	return code
}

// recordValues adds the values that main.go's func main declares to earlierValuesFile.
func recordValues(mainGo []byte) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", mainGo, parser.SkipObjectResolution)
	if err != nil {
		return
	}
	known := earlierValues()
	var add []string
	for _, n := range mainValues(f) {
		if !slices.Contains(known, n) && !slices.Contains(add, n) {
			add = append(add, n)
		}
	}
	if len(add) == 0 {
		return
	}
	all := strings.Join(append(known, add...), "\n") + "\n"
	_ = atomicfile.WriteFile(earlierValuesFile, []byte(all), 0o644)
}

func earlierValues() []string {
	b, err := os.ReadFile(earlierValuesFile)
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}

// goRootOf returns the GOROOT of the real go command (its standard library sources).
func goRootOf(realGo string) string {
	cmd := exec.Command(realGo, "env", "GOROOT")
	cmd.Env = os.Environ()
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
