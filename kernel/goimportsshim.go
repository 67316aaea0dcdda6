package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/godl-course/godl/internal/atomicfile"
)

// The goimports shim saves about a quarter of a second on every cell that uses the course's
// packages.
//
// GoNB runs `goimports -w main.go` before every build, and its declarations do not remember the
// imports goimports added for an earlier cell: a cell that writes nn.Dense without an import line
// has goimports look for a package named nn every time. For a package outside the standard
// library goimports asks the go command (`go env -json`, `go env GOWORK`, `go list -m -e -json
// ...`) and scans the modules: 0.25 s on 2 cores, a quarter of a warm cell. With every package it
// needs already imported or in the standard library, it answers in 0.02–0.04 s.
//
// So the kernel puts a link named `goimports` to this command first on GoNB's PATH: invoked under
// that name with -w, it first adds to the file the import lines of the course's packages
// (coursePackages: nn, viz, datasets, ...) that the file uses as a package (`nn.Dense`, with nn
// declared nowhere in the file or its folder) and does not import, then becomes the real
// goimports, which adds the standard library's imports, removes unused ones and formats as before.
// Anything the shim cannot be sure of (a parse error, a name declared elsewhere) it leaves to
// goimports.
//
// A misspelled member (nn.Dence) keeps its import now: the compiler says "undefined: nn.Dence"
// (instead of "undefined: nn" once goimports gave up on the package), which hints.go explains.

// goimportsShim runs as `goimports`: it never returns when the real goimports starts.
func goimportsShim(args []string) int {
	real, err := siblingTool("goimports")
	if err != nil {
		fmt.Fprintf(os.Stderr, "goimports shim: %v\n", err)
		return 2
	}
	if slices.Contains(args, "-w") {
		for _, a := range args {
			if strings.HasSuffix(a, ".go") && !strings.HasPrefix(a, "-") {
				_ = addCourseImports(a) // on any doubt the file is left as it is, for goimports
			}
		}
	}
	err = syscall.Exec(real, append([]string{real}, args...), os.Environ())
	fmt.Fprintf(os.Stderr, "goimports shim: running %s: %v\n", real, err)
	return 2
}

// addCourseImports adds to the Go file at path an import line for each course package it uses
// without importing it; it leaves the file untouched when there is none, or when the file does
// not parse.
func addCourseImports(file string) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	paths, insertAt, err := missingCourseImports(file, src)
	if err != nil || len(paths) == 0 {
		return err
	}
	var lines bytes.Buffer
	for _, p := range paths {
		fmt.Fprintf(&lines, "import %s\n", strconv.Quote(p))
	}
	out := slices.Concat(src[:insertAt], lines.Bytes(), src[insertAt:])
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(file); err == nil {
		mode = fi.Mode().Perm()
	}
	return atomicfile.WriteFile(file, out, mode)
}

// missingCourseImports returns the sorted import paths of the course packages that src uses as
// `name.Member` with name unresolved in the file (not declared in it, not imported) and declared
// at package level in no other Go file of its folder, and the byte offset of the line after the
// package clause, where import lines can go.
func missingCourseImports(file string, src []byte) (paths []string, insertAt int, err error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, 0) // with object resolution: f.Unresolved
	if err != nil {
		return nil, 0, err
	}
	unresolved := map[*ast.Ident]bool{}
	for _, id := range f.Unresolved {
		unresolved[id] = true
	}
	imported := map[string]bool{}
	for _, spec := range f.Imports {
		p, _ := strconv.Unquote(spec.Path.Value)
		name := importName(p)
		if spec.Name != nil {
			name = spec.Name.Name
		}
		imported[name] = true
		imported[path.Base(p)] = true // e.g. a package imported under another name: leave it to goimports
	}
	want := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && unresolved[id] && !imported[id.Name] {
			if _, course := coursePackages[id.Name]; course {
				want[id.Name] = true
			}
		}
		return true
	})
	if len(want) == 0 {
		return nil, 0, nil
	}
	for name := range declaredInFolder(file) {
		delete(want, name)
	}
	for name := range want {
		paths = append(paths, modulePath+"/"+coursePackages[name])
	}
	slices.Sort(paths)
	insertAt = fset.Position(f.Name.End()).Offset
	if nl := bytes.IndexByte(src[insertAt:], '\n'); nl >= 0 {
		insertAt += nl + 1
	} else {
		return nil, 0, fmt.Errorf("%s: no line after the package clause", file)
	}
	return paths, insertAt, nil
}

// importName is the name a package is known by when imported without a name: the last element
// of its path, without a major-version suffix (/v2) or gopkg.in's .vN.
func importName(p string) string {
	base := path.Base(p)
	if len(base) > 1 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" && path.Dir(p) != "." {
		base = path.Base(path.Dir(p))
	}
	if i := strings.Index(base, ".v"); i > 0 {
		base = base[:i]
	}
	return strings.ReplaceAll(base, "-", "_")
}

// declaredInFolder returns the package-level names declared by the other Go files next to file
// (GoNB's test cells add some), which a course package's name must not shadow.
func declaredInFolder(file string) map[string]bool {
	names := map[string]bool{}
	others, _ := filepath.Glob(filepath.Join(filepath.Dir(file), "*.go"))
	for _, o := range others {
		if filepath.Base(o) == filepath.Base(file) {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), o, nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.ValueSpec:
						for _, n := range s.Names {
							names[n.Name] = true
						}
					case *ast.TypeSpec:
						names[s.Name.Name] = true
					case *ast.ImportSpec:
						if s.Name != nil {
							names[s.Name.Name] = true
						}
					}
				}
			}
		}
	}
	return names
}
