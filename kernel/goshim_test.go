package main

import (
	"os"
	"os/exec"
	"path/filepath"
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

func TestImportsProvided(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module "+modulePath+"\n\nrequire (\n\tgonum.org/v1/plot v0.15.2\n)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cell := t.TempDir()
	write := func(src string) {
		if err := os.WriteFile(filepath.Join(cell, "main.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("package main\n\nimport (\n\t\"fmt\"\n\t\"" + modulePath + "/nn\"\n\t\"gonum.org/v1/plot/plotter\"\n)\n\nfunc main() {}\n")
	if ok, err := importsProvided(cell, root); !ok || err != nil {
		t.Errorf("std + module + required: %v, %v", ok, err)
	}
	write("package main\n\nimport \"github.com/someone/else\"\n\nfunc main() {}\n")
	if ok, _ := importsProvided(cell, root); ok {
		t.Error("an import from a module not in the build list was taken as provided: go get would be skipped")
	}
	// Once GoNB's go get added it to the cell's go.mod, it is provided.
	if err := os.WriteFile(filepath.Join(cell, "go.mod"), []byte("module gonb_x\n\nrequire github.com/someone/else v1.0.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ok, _ := importsProvided(cell, root); !ok {
		t.Error("a module the cell's go.mod requires is provided")
	}
	// A prefix that is not at a path boundary does not count.
	if providedBy("gonum.org/v1/plotx/y", []string{"gonum.org/v1/plot"}) {
		t.Error("gonum.org/v1/plotx taken as part of gonum.org/v1/plot")
	}
	if ok, err := importsProvided(cell, ""); ok || err == nil {
		t.Error("without GODL_ROOT the shim must defer to the real go get")
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
}
