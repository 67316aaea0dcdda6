package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// writeGoMod writes root/go.mod for this module with the given lines after the module line.
func writeGoMod(t *testing.T, root, lines string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module "+modulePath+"\n\n"+lines), 0o644); err != nil {
		t.Fatal(err)
	}
}

// repoToolchain returns the toolchain line of the repository's go.mod.
func repoToolchain(t *testing.T) string {
	t.Helper()
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	tc, err := goToolchain(root)
	if err != nil {
		t.Fatal(err)
	}
	return tc
}

// TestGoModIsTidy runs `go mod tidy -diff`, which changes nothing and fails with the diff when
// go.mod or go.sum are not as `go mod tidy` writes them. It needs no network once the module
// cache holds what tidy reads (after one online `go mod tidy` or `make test`).
func TestGoModIsTidy(t *testing.T) {
	goBin, err := lookGo()
	if err != nil {
		t.Skip(err)
	}
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goBin, "mod", "tidy", "-diff")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if stdout.Len() > 0 {
			t.Fatalf("go.mod or go.sum is not tidy: run `go mod tidy` in %s. `go mod tidy -diff`:\n%s%s", root, stdout.String(), stderr.String())
		}
		t.Fatalf("go mod tidy -diff in %s: %v (a module missing from the module cache: run it once while the Go module proxy is reachable)\n%s",
			root, err, stderr.String())
	}
}

// TestRepositoryGoMod checks the repository's go.mod as the kernel reads it: its toolchain line
// names a Go release and its go line a language version no newer than that release.
func TestRepositoryGoMod(t *testing.T) {
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	tc, err := goToolchain(root)
	if err != nil {
		t.Fatal(err)
	}
	v, err := goDirective(root)
	if err != nil {
		t.Fatal(err)
	}
	if parseGoVersion(tc) == [3]int{} || versionLess(tc, "go"+v) {
		t.Errorf("go.mod: toolchain %q, go %q: want a toolchain release no older than the go line", tc, v)
	}
	mods, err := requiredModules(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) == 0 || mods[0] != modulePath || !strings.Contains(strings.Join(mods, " "), "golang.org/x/mod") {
		t.Errorf("requiredModules(go.mod) = %q, want %s first and golang.org/x/mod among them", mods, modulePath)
	}
}

func TestGoToolchain(t *testing.T) {
	for _, c := range []struct {
		lines, want string
		err         bool
	}{
		{"go 1.30.0\n\ntoolchain go1.30.2\n", "go1.30.2", false},
		{"go 1.30.0\ntoolchain go1.31rc1 // a comment\n", "go1.31rc1", false},
		{"go 1.30.2\n", "go1.30.2", false}, // no toolchain line: the go line's release, as the go command reads it
		{"go 1.30\n", "", true},            // a language version, not a release
		{"\n", "", true},
		{"go 1.30.0\ntoolchain 1.30.2\n", "", true}, // not a toolchain name
	} {
		root := t.TempDir()
		writeGoMod(t, root, c.lines)
		got, err := goToolchain(root)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("go.mod %q: goToolchain = %q, %v; want %q (error: %v)", c.lines, got, err, c.want, c.err)
		}
		if err != nil && !strings.Contains(err.Error(), filepath.Join(root, "go.mod")) {
			t.Errorf("go.mod %q: error %q does not name the file", c.lines, err)
		}
	}
	if _, err := goToolchain(t.TempDir()); err == nil {
		t.Error("goToolchain without go.mod: no error")
	}
}

func TestGoDirective(t *testing.T) {
	root := t.TempDir()
	writeGoMod(t, root, "go 1.30.0 // the language version\n\ntoolchain go1.30.2\n")
	if v, err := goDirective(root); v != "1.30.0" || err != nil {
		t.Errorf("goDirective = %q, %v; want 1.30.0", v, err)
	}
	writeGoMod(t, root, "toolchain go1.30.2\n")
	if v, err := goDirective(root); err == nil {
		t.Errorf("goDirective without a go line = %q, want an error", v)
	}
}

func TestFindRootReadsTheModuleLine(t *testing.T) {
	for _, content := range []string{
		"module " + modulePath + "\n",
		"// the course\nmodule \"" + modulePath + "\" // quoted\n\ngo 1.30.0\n",
		"module " + modulePath + " // a comment\n",
	} {
		root := t.TempDir()
		if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		sub := filepath.Join(root, "a", "b")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if got, err := findRoot(sub); got != root || err != nil {
			t.Errorf("go.mod %q: findRoot(a/b) = %q, %v; want %s", content, got, err, root)
		}
	}
	// A module path that only starts like ours is another module.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "go.mod"), []byte("module "+modulePath+"x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := findRoot(other); err == nil {
		t.Errorf("findRoot in module %sx: no error", modulePath)
	}
}

func TestRequiredModulesErrors(t *testing.T) {
	if _, err := requiredModules(filepath.Join(t.TempDir(), "go.mod")); err == nil {
		t.Error("requiredModules of a missing file: no error")
	}
	bad := filepath.Join(t.TempDir(), "go.mod")
	if err := os.WriteFile(bad, []byte("module example.com/x\nrequire (\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := requiredModules(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("requiredModules of a broken go.mod: err = %v, want one naming %s", err, bad)
	}
}
