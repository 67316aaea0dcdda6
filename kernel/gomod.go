package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
)

// The kernel's readers of go.mod files, all through golang.org/x/mod/modfile: the repository's
// go.mod is the one place that names the module path's root and the Go release of the course
// (its toolchain line), and a cell's go.mod says which modules GoNB already added.

// readGoMod parses the go.mod file at path.
func readGoMod(path string) (*modfile.File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return f, nil
}

// modulePathOf returns the module path that the go.mod file at path declares, "" when it has
// no module line.
func modulePathOf(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return modfile.ModulePath(data), nil
}

// rootGoMod parses the repository's go.mod.
func rootGoMod(root string) (*modfile.File, error) {
	return readGoMod(filepath.Join(root, "go.mod"))
}

// goToolchain returns the Go release the course uses ("goX.Y.Z"): root's go.mod toolchain line
// or, as the go command reads go.mod, its go line when that names a release ("go X.Y.Z") and
// there is no toolchain line.
func goToolchain(root string) (string, error) {
	f, err := rootGoMod(root)
	if err != nil {
		return "", err
	}
	if f.Toolchain != nil {
		return f.Toolchain.Name, nil
	}
	if f.Go != nil && strings.Count(f.Go.Version, ".") == 2 {
		return "go" + f.Go.Version, nil
	}
	return "", fmt.Errorf("%s has no toolchain line (`toolchain goX.Y.Z`), which names the Go release the course uses",
		filepath.Join(root, "go.mod"))
}

// goDirective returns the version of the go line of root's go.mod ("X.Y.Z" or "X.Y").
func goDirective(root string) (string, error) {
	f, err := rootGoMod(root)
	if err != nil {
		return "", err
	}
	if f.Go == nil {
		return "", fmt.Errorf("%s has no go line", filepath.Join(root, "go.mod"))
	}
	return f.Go.Version, nil
}

// requiredModules returns the module path and the required module paths of a go.mod file.
func requiredModules(gomod string) ([]string, error) {
	f, err := readGoMod(gomod)
	if err != nil {
		return nil, err
	}
	var mods []string
	if f.Module != nil {
		mods = append(mods, f.Module.Mod.Path)
	}
	for _, r := range f.Require {
		mods = append(mods, r.Mod.Path)
	}
	return mods, nil
}
