package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestIsPlainGet(t *testing.T) {
	for args, want := range map[string]bool{
		"get": true, "get -t": true, "get example.com/x": false, "build -o x": false, "": false, "get -u": false,
	} {
		if got := isPlainGet(strings.Fields(args)); got != want {
			t.Errorf("isPlainGet(%q) = %v, want %v", args, got, want)
		}
	}
}

func TestRequiredModules(t *testing.T) {
	dir := t.TempDir()
	gomod := filepath.Join(dir, "go.mod")
	content := "module example.com/course\n\ngo 1.27\n\nrequire example.com/single v1.0.0\n\nrequire (\n\tgithub.com/a/b v1.2.3 // indirect\n\n\tgonum.org/v1/plot v0.15.2\n)\n\ntool example.com/tool\n"
	if err := os.WriteFile(gomod, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := requiredModules(gomod)
	if err != nil {
		t.Fatal(err)
	}
	want := "example.com/course example.com/single github.com/a/b gonum.org/v1/plot"
	if strings.Join(got, " ") != want {
		t.Errorf("requiredModules = %q, want %q", got, want)
	}
}

func TestImportsProvidedNeedsTheCourseAndTheGoCommand(t *testing.T) {
	cell := t.TempDir()
	if err := os.WriteFile(filepath.Join(cell, "main.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println() }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(realGoEnv, "go")
	if ok, err := importsProvided(cell, ""); ok || err == nil {
		t.Error("without GODL_ROOT the shim must defer to the real go get")
	}
	t.Setenv(realGoEnv, "")
	if ok, err := importsProvided(cell, t.TempDir()); ok || err == nil {
		t.Errorf("without %s the shim must defer to the real go get", realGoEnv)
	}
}

// TestImportsProvidedRemembersItsAnswer: the next cell with the same imports and module files
// does not run go list again; a module added to the cell's go.mod (by GoNB's go get) is seen.
func TestImportsProvidedRemembersItsAnswer(t *testing.T) {
	goBin, err := lookGo()
	if err != nil {
		t.Skip(err)
	}
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOWORK", "")
	root, cell := moduleGraphFixture(t)
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(cell, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.go", "package main\n\nimport _ \"example.com/m/p\"\n\nfunc main() {}\n")
	// A go command that counts its runs.
	calls := filepath.Join(t.TempDir(), "calls")
	counting := filepath.Join(t.TempDir(), "go")
	script := "#!/bin/sh\necho >> '" + calls + "'\nexec '" + goBin + "' \"$@\"\n"
	if err := os.WriteFile(counting, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	runs := func() int { b, _ := os.ReadFile(calls); return len(b) }
	t.Setenv(realGoEnv, counting)
	if ok, err := importsProvided(cell, root); !ok || runs() != 1 {
		t.Fatalf("a required module's package: %v, %v (go ran %d times)", ok, err, runs())
	}
	if ok, err := importsProvided(cell, root); !ok || runs() != 1 {
		t.Errorf("same imports and module files: %v, %v, go ran again (%d runs)", ok, err, runs())
	}
	// The nested module, once the cell's go.mod requires it (what go get would do), is provided.
	t.Setenv(realGoEnv, goBin)
	write("main.go", "package main\n\nimport _ \"example.com/m/sub/q\"\n\nfunc main() {}\n")
	if ok, _ := importsProvided(cell, root); ok {
		t.Fatal("the nested module is not required yet")
	}
	write("go.mod", "module gonb_x\n\ngo 1.22\n\nrequire example.com/m/sub v0.0.0\n\nreplace example.com/m/sub => ../m/sub\n")
	if ok, err := importsProvided(cell, root); !ok {
		t.Errorf("the nested module, required by the cell's go.mod: %v", err)
	}
}

// TestGoShimEndToEnd builds the command, calls it as `go`, and checks that a plain `go get` on a
// cell that needs nothing new is answered at once while other commands reach the real go.
func TestGoShimEndToEnd(t *testing.T) {
	goBin, err := lookGo()
	if err != nil {
		t.Skip(err)
	}
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "godl-kernel")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	shim := filepath.Join(t.TempDir(), "go")
	if err := os.Symlink(bin, shim); err != nil {
		t.Fatal(err)
	}
	cell := t.TempDir()
	if err := os.WriteFile(filepath.Join(cell, "main.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println() }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(shim, args...)
		cmd.Dir = cell
		cmd.Env = append(os.Environ(), realGoEnv+"="+goBin, "GODL_ROOT="+root)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("get"); err != nil || out != "" {
		t.Errorf("go get on a std-only cell: %v %q (no go.mod here: the real go get would fail)", err, out)
	}
	out, err := run("env", "GOROOT")
	if err != nil || strings.TrimSpace(out) == "" {
		t.Errorf("go env GOROOT through the shim: %v %q", err, out)
	}
	if out, err := run("get", "example.com/not/provided"); err == nil {
		t.Errorf("go get of another module through the shim succeeded without a module: %q", out)
	}
}

func TestShimEnvDropsNoXLAForXLA(t *testing.T) {
	base := []string{"A=1", "GOFLAGS='-ldflags=-s -w' -tags=noxla"}
	if got := shimEnv(append(base, "GOMLX_BACKEND=go")); got[1] != base[1] {
		t.Errorf("go backend: GOFLAGS changed to %q", got[1])
	}
	got := shimEnv(append(base, "GOMLX_BACKEND=xla:cpu"))
	if got[1] != "GOFLAGS='-ldflags=-s -w'" || got[0] != "A=1" {
		t.Errorf("xla backend: env %q", got)
	}
	// The kernelspec's CGO_ENABLED=0 (Go backend) becomes 1 for XLA, and for auto, which may
	// choose XLA CPU.
	cgo := append(slices.Clone(base), "CGO_ENABLED=0")
	if got := shimEnv(append(cgo, "GOMLX_BACKEND=go")); got[2] != "CGO_ENABLED=0" {
		t.Errorf("go backend: %q", got)
	}
	for _, b := range []string{"xla:cpu", "auto"} {
		if got := shimEnv(append(cgo, "GOMLX_BACKEND="+b)); got[1] != "GOFLAGS='-ldflags=-s -w'" || got[2] != "CGO_ENABLED=1" {
			t.Errorf("%s: %q", b, got)
		}
	}
}

// moduleGraphFixture makes a course root whose go.mod requires example.com/m (a local module, by
// replace), which holds a nested module example.com/m/sub that nothing requires, and a cell folder
// like GoNB's: its own go.mod and a go.work using it and the root.
func moduleGraphFixture(t *testing.T) (root, cell string) {
	t.Helper()
	base := t.TempDir()
	root, cell = filepath.Join(base, "course"), filepath.Join(base, "cell")
	files := map[string]string{
		"course/go.mod":   "module " + modulePath + "\n\ngo 1.22\n\nrequire example.com/m v0.0.0\n\nreplace example.com/m => ../m\n",
		"course/nn/nn.go": "package nn\n",
		"m/go.mod":        "module example.com/m\n\ngo 1.22\n",
		"m/p/p.go":        "package p\n",
		"m/sub/go.mod":    "module example.com/m/sub\n\ngo 1.22\n",
		"m/sub/q/q.go":    "package q\n",
		"cell/go.mod":     "module gonb_x\n\ngo 1.22\n",
		"cell/go.work":    "go 1.22\n\nuse (\n\t.\n\t../course\n)\n",
	}
	for name, content := range files {
		p := filepath.Join(base, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, cell
}

// TestImportsProvidedFollowsTheModuleGraph: whether `go get` can be skipped is decided by the go
// command's own resolution of the cell's imports, not by string rules on import paths.
func TestImportsProvidedFollowsTheModuleGraph(t *testing.T) {
	goBin, err := lookGo()
	if err != nil {
		t.Skip(err)
	}
	t.Setenv(realGoEnv, goBin)
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOWORK", "")
	root, cell := moduleGraphFixture(t)
	for _, c := range []struct {
		imports []string
		want    bool
		why     string
	}{
		{[]string{"fmt", "strings", modulePath + "/nn", "example.com/m/p"}, true, "std, the course module and a required module"},
		{[]string{"fmt", "example.com/m/sub/q"}, false, "a package of a nested module of a required module: no required module provides it"},
		{[]string{"fmt", "example/foo"}, false, "an import path without a dot that is not in the standard library"},
		{[]string{"example.com/m/nosuch"}, false, "a package the required module does not hold"},
	} {
		src := "package main\n\nimport (\n"
		for _, imp := range c.imports {
			src += "\t_ " + strconv.Quote(imp) + "\n"
		}
		src += ")\n\nfunc main() {}\n"
		if err := os.WriteFile(filepath.Join(cell, "main.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, err := importsProvided(cell, root); got != c.want {
			t.Errorf("importsProvided(%q) = %v (%v), want %v: %s", c.imports, got, err, c.want, c.why)
		}
	}
}

// TestShimEnvEditsTheTagsList: switching to XLA removes only noxla from GOFLAGS' -tags list and
// keeps the user's other tags, in their order.
func TestShimEnvEditsTheTagsList(t *testing.T) {
	for in, want := range map[string]string{
		"'-ldflags=-s -w' -tags=noxla":         "'-ldflags=-s -w'",
		"-tags=foo,noxla,bar":                  "-tags=foo,bar",
		"-tags=noxla,foo '-ldflags=-s -w'":     "-tags=foo '-ldflags=-s -w'",
		"-tags=foo,noxla":                      "-tags=foo",
		"--tags=noxla -mod=mod":                "-mod=mod",
		"-tags=noxlasomething,noxla":           "-tags=noxlasomething",
		"\"-gcflags=all=-N -l\" -tags=a,noxla": "\"-gcflags=all=-N -l\" -tags=a",
	} {
		got := shimEnv([]string{"GOFLAGS=" + in, "GOMLX_BACKEND=xla:cpu"})
		if got[0] != "GOFLAGS="+want {
			t.Errorf("xla, GOFLAGS=%s: got %q, want %q", in, got[0], "GOFLAGS="+want)
		}
		if got := shimEnv([]string{"GOFLAGS=" + in, "GOMLX_BACKEND=go"}); got[0] != "GOFLAGS="+in {
			t.Errorf("go backend, GOFLAGS=%s changed to %q", in, got[0])
		}
	}
}

// TestShimArgsEditsTheTagsFlags: a command line's -tags (which replaces GOFLAGS' for that command)
// loses noxla under XLA and keeps it under the Go backend, in both of its forms; the user's tags
// keep their order and nothing else changes.
func TestShimArgsEditsTheTagsFlags(t *testing.T) {
	xla := []string{"GOFLAGS='-ldflags=-s -w'", "GOMLX_BACKEND=xla:cpu"}
	goBackend := []string{"GOFLAGS='-ldflags=-s -w' -tags=noxla", "GOMLX_BACKEND=go"}
	userGoFlags := []string{"GOFLAGS=-tags=mine", "GOMLX_BACKEND=go"}
	for _, c := range []struct {
		env        []string
		args, want string
	}{
		{xla, "build -o /tmp/x -tags a,noxla,b", "build -o /tmp/x -tags a,b"},
		{xla, "build -o /tmp/x -tags=noxla,a", "build -o /tmp/x -tags=a"},
		{xla, "build --tags=noxla", "build --tags="},
		{xla, "test -c -o x -run TestX -tags=noxla . -tags=b,noxla", "test -c -o x -run TestX -tags= . -tags=b"},
		{xla, "run . -tags=noxla", "run . -tags=noxla"}, // the program's own arguments
		{xla, "env GOFLAGS", "env GOFLAGS"},
		{goBackend, "build -o /tmp/x -tags=a,b", "build -o /tmp/x -tags=a,b,noxla"},
		{goBackend, "build -o /tmp/x -tags a", "build -o /tmp/x -tags a,noxla"},
		{goBackend, "build -o /tmp/x -tags noxla,a", "build -o /tmp/x -tags noxla,a"},
		{goBackend, "build -o -tags", "build -o -tags"}, // -o's value
		{goBackend, "build -o /tmp/x", "build -o /tmp/x"},
		{goBackend, "build -tags=a . -tags=b", "build -tags=a,noxla . -tags=b"}, // flags end at the packages
		{userGoFlags, "build -tags=a", "build -tags=a"},
	} {
		got := strings.Join(shimArgs(strings.Fields(c.args), c.env), " ")
		if got != c.want {
			t.Errorf("%q with %q: got %q, want %q", c.args, c.env, got, c.want)
		}
	}
	// The legacy space-separated list becomes a comma-separated one only when edited.
	if got := shimArgs([]string{"build", "-tags", "a noxla b"}, xla); got[2] != "a,b" {
		t.Errorf("space-separated tags: %q", got)
	}
}
