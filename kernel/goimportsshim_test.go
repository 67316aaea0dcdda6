package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestMissingCourseImports(t *testing.T) {
	nn, datasets, viz := modulePath+"/nn", modulePath+"/datasets", modulePath+"/viz"
	for _, c := range []struct {
		name, src string
		want      []string
	}{
		{"uses three course packages and fmt", "package main\n\nimport \"flag\"\n\nfunc main() {\n\tflag.Parse()\n\td := datasets.Spiral(5, 2, 0.1, 1)\n\tm := nn.Sequential(nn.Dense(4))\n\tfmt.Println(d, m, viz.Curves)\n}\n",
			[]string{datasets, nn, viz}},
		{"already imported", "package main\n\nimport (\n\t\"fmt\"\n\t\"github.com/godl-course/godl/nn\"\n)\n\nfunc main() { fmt.Println(nn.Dense(3)) }\n", nil},
		{"imported under another name", "package main\n\nimport nn \"example.com/mynn\"\n\nfunc main() { nn.Foo() }\n", nil},
		{"a variable named like a package", "package main\n\nfunc main() {\n\tviz := struct{ Curves int }{}\n\t_ = viz.Curves\n}\n", nil},
		{"a package-level declaration", "package main\n\nvar nb = struct{ Must int }{}\n\nfunc main() { _ = nb.Must; _ = tensor.FromFloat32 }\n", []string{modulePath + "/tensor"}},
		{"a misspelled member keeps the package", "package main\n\nfunc main() { _ = nn.Dence(3) }\n", []string{nn}},
		{"not a course package", "package main\n\nfunc main() { _ = graph.Add; _ = strings.ToUpper }\n", nil},
		{"demo and scratch", "package main\n\nfunc main() { demo.Playground(); scratch.X() }\n", []string{modulePath + "/nn/scratch", modulePath + "/viz/demo"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "main.go")
			if err := os.WriteFile(file, []byte(c.src), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := addCourseImports(file); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == nil {
				if string(got) != c.src {
					t.Fatalf("file changed:\n%s", got)
				}
				return
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, got, parser.ImportsOnly)
			if err != nil {
				t.Fatalf("the file does not parse any more: %v\n%s", err, got)
			}
			var added []string
			for _, spec := range f.Imports {
				p, _ := strconv.Unquote(spec.Path.Value)
				added = append(added, p)
			}
			for _, w := range c.want {
				if !slices.Contains(added, w) {
					t.Errorf("import %q not added:\n%s", w, got)
				}
			}
			if len(added) != len(c.want)+countImports(t, c.src) {
				t.Errorf("imports %v, want %v added:\n%s", added, c.want, got)
			}
			if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600 kept", fi.Mode().Perm())
			}
		})
	}
}

func countImports(t *testing.T, src string) int {
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	return len(f.Imports)
}

func TestMissingCourseImportsLeavesDoubtsToGoimports(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "main.go")
	// A name another file of the folder declares (GoNB's test cells add files).
	src := "package main\n\nfunc main() { _ = viz.Curves }\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "other.go"), []byte("package main\n\nvar viz struct{ Curves int }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := addCourseImports(file); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(file); string(got) != src {
		t.Errorf("file changed:\n%s", got)
	}
	// A file that does not parse is goimports' to report.
	bad := "package main\n\nfunc main() { nn.Dense( }\n"
	if err := os.WriteFile(file, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := addCourseImports(file); err == nil {
		t.Error("no error for a file that does not parse")
	}
	if got, _ := os.ReadFile(file); string(got) != bad {
		t.Errorf("file changed:\n%s", got)
	}
}

func TestImportName(t *testing.T) {
	for p, want := range map[string]string{
		"fmt": "fmt", "math/rand/v2": "rand", "github.com/go-echarts/go-echarts/v2": "go_echarts",
		"gopkg.in/yaml.v3": "yaml", "github.com/godl-course/godl/nn": "nn", "v2": "v2",
	} {
		if got := importName(p); got != want {
			t.Errorf("importName(%q) = %q, want %q", p, got, want)
		}
	}
}

// The shim's table is the hints' table of course packages: each entry must be a package of the
// repository whose name is the key.
func TestCoursePackagesAreThePackagesNames(t *testing.T) {
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	for name, dir := range coursePackages {
		files, _ := filepath.Glob(filepath.Join(root, dir, "*.go"))
		found := false
		for _, f := range files {
			pf, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
			if err == nil && !isTestFile(f) {
				found = true
				if pf.Name.Name != name {
					t.Errorf("%s: package %s, the table says %s", f, pf.Name.Name, name)
				}
			}
		}
		if !found {
			t.Errorf("%s: no Go file in %s", name, dir)
		}
	}
}

func isTestFile(f string) bool { return strings.HasSuffix(f, "_test.go") }
