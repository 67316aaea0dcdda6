package main

// Compile errors explained in course terms. GoNB builds every cell with `go build` in its folder
// (through the kernel's go shim, goshim.go); when the build fails, the shim adds hints before
// the compiler's own lines, written like compiler errors ("./main.go:12:7: ...") so that GoNB
// shows each one next to the cell and line it is about:
//
//   - a misspelled package member (nn.Dence): goimports cannot resolve it, drops the import, and
//     the compiler then blames the whole package ("undefined: nn"), often in an earlier cell; the
//     hint names the member and the closest exported names ("nn has no Dence; did you mean
//     nn.Dense?");
//   - a misspelled method (model.Fitt), with the closest methods;
//   - "declared and not used": how to use or discard a value in a notebook;
//   - "undefined: model" for a value made in an earlier %% cell: values do not carry over;
//   - a function returning an error used with the wrong number of variables, or in nb.Must with
//     the wrong count (datasets.MNIST returns 3 values: nb.Must2);
//   - a configuration that was never run (model.Fit(train).Epochs(3) without .Done()).

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// coursePackages maps the name of each of the course's packages to its folder in the repository.
var coursePackages = map[string]string{
	"nn": "nn", "scratch": "nn/scratch", "viz": "viz", "datasets": "datasets", "tensor": "tensor", "nb": "nb", "demo": "viz/demo",
}

// hintEnv is what the hints need to know besides the compiler's output: the cell program's
// source (main.go), the repository (the course's packages), the standard library's sources,
// and the values the earlier %% cells of this kernel session declared.
type hintEnv struct {
	Main      []byte // main.go
	Root      string // repository root ("" when unknown)
	GoRoot    string // the Go installation whose src/ holds the standard library ("" when unknown)
	Earlier   []string
	fset      *token.FileSet
	file      *ast.File
	pkgs      map[string]*pkgNames // by import name, parsed on demand
	undefined map[string]bool
}

// pkgNames holds the exported names of a package: functions, types, variables, constants, and
// the methods of each type.
type pkgNames struct {
	Members []string
	Methods map[string][]string // type name -> its methods
}

// compileLine is one "./main.go:L:C: message" line of the compiler's output.
type compileLine struct {
	Line, Col int
	Msg       string
}

var reCompileLine = regexp.MustCompile(`^\./main(?:_test)?\.go:(\d+):(\d+): (.*)$`)

func parseCompileOutput(out string) []compileLine {
	var lines []compileLine
	for _, l := range strings.Split(out, "\n") {
		m := reCompileLine.FindStringSubmatch(strings.TrimRight(l, "\r"))
		if m == nil {
			continue
		}
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		lines = append(lines, compileLine{line, col, m[3]})
	}
	return lines
}

// compileHints returns the hint lines for a failed build's output (empty when none applies).
// Each hint is formatted as a compiler line of main.go, so that GoNB maps it to the cell.
func compileHints(out string, env *hintEnv) []string {
	errs := parseCompileOutput(out)
	if len(errs) == 0 {
		return nil
	}
	env.parse()
	var hints []string
	seen := map[string]bool{}
	add := func(line, col int, format string, args ...any) {
		h := fmt.Sprintf("./main.go:%d:%d: hint: %s", line, col, fmt.Sprintf(format, args...))
		if !seen[h] {
			seen[h] = true
			hints = append(hints, h)
		}
	}
	env.undefined = map[string]bool{}
	undefinedAt := map[int]bool{} // lines with an undefined name, whose other errors follow from it
	for _, e := range errs {
		if name, ok := strings.CutPrefix(e.Msg, "undefined: "); ok {
			undefinedAt[e.Line] = true
			if isIdent(name) {
				env.undefined[name] = true
			}
		}
	}
	for _, e := range errs {
		switch {
		case strings.HasPrefix(e.Msg, "undefined: "):
			env.hintUndefined(e, strings.TrimPrefix(e.Msg, "undefined: "), add)
		case strings.HasPrefix(e.Msg, "declared and not used: "):
			name := strings.TrimPrefix(e.Msg, "declared and not used: ")
			add(e.Line, e.Col, "%s gets a value that nothing uses: Go refuses unused variables. Use it (fmt.Println(%s), a chart, a return value), "+
				"or discard it: write _ in its place (_, err := ... or _ = %s)", name, name, name)
		case strings.Contains(e.Msg, "has no field or method "):
			env.hintMethod(e, add)
		case strings.HasPrefix(e.Msg, "assignment mismatch: "):
			env.hintMismatch(e, add)
		case strings.HasPrefix(e.Msg, "too many arguments in call to nb.Must") || strings.HasPrefix(e.Msg, "not enough arguments in call to nb.Must"):
			if !undefinedAt[e.Line] { // nb.Must2(datasets.Mnist()): the count is not the mistake
				env.hintMustCount(e, add)
			}
		case strings.HasSuffix(e.Msg, "is not used") && strings.Contains(e.Msg, "FitConfig"):
			add(e.Line, e.Col, "a training configuration does nothing until it runs: end it with .Done() (or .Memo(\"name\")), e.g. hist := nb.Must(model.Fit(train).Epochs(3).Done())")
		case strings.HasPrefix(e.Msg, "cannot use ") && strings.Contains(e.Msg, "[]float32") && strings.Contains(e.Msg, "*tensor.Tensor"):
			add(e.Line, e.Col, "the course's arrays are *tensor.Tensor: turn float32 values into one with tensor.FromFloat32(values, shape...), and a data set's examples with d.Image(i) or d.Inputs()")
		}
	}
	return hints
}

// renamed says where a name of an earlier version of the course went.
var renamed = map[string]string{
	"nn.Xavier": "the lecture's Var(W) = 1/n is nn.LeCunNormal (what PyTorch and Keras call LeCun); " +
		"their Xavier (Glorot) initialization, Var(W) = 2/(n_in + n_out), is nn.GlorotUniform (the default) or nn.GlorotNormal",
}

// hintUndefined explains "undefined: x": a package whose import was dropped because of a
// misspelled member, a value from an earlier %% cell, or a misspelled name of the program.
func (env *hintEnv) hintUndefined(e compileLine, name string, add func(int, int, string, ...any)) {
	name, _, _ = strings.Cut(name, " ") // "nn.Dence", "datasets.Mnist (but have MNIST)"
	if pkgName, member, ok := strings.Cut(name, "."); ok && isIdent(pkgName) && isIdent(member) {
		env.hintMember(e, pkgName, member, add)
		return
	}
	if !isIdent(name) {
		return
	}
	if pkg := env.packageNames(name); pkg != nil {
		found := false
		for _, sel := range env.selectors(name) {
			if slices.Contains(pkg.Members, sel.name) {
				continue
			}
			found = true
			msg := fmt.Sprintf("%s has no %s, so the kernel could not import %s (and every %s. in the cell is undefined)", name, sel.name, name, name)
			add(sel.line, sel.col, "%s", msg+insteadOf(name, sel.name, pkg))
		}
		if found || env.imports(name) {
			return
		}
	}
	if slices.Contains(env.Earlier, name) && !env.declares(name) {
		add(e.Line, e.Col, "%s was made by an earlier %%%% cell, but values do not carry over: each cell runs as a new program. "+
			"Make it again in this cell (keep the code that makes it in a func of a declaration cell, and call it), "+
			"or, for a trained model, let nn.Memo / Fit(...).Memo(\"name\") reload it in one line", name)
		return
	}
	if close := closest(name, env.declaredNames(), 3); len(close) > 0 && !slices.Contains(close, name) {
		add(e.Line, e.Col, "%s is not declared; did you mean %s?", name, strings.Join(close, " or "))
	}
}

// hintMember explains "undefined: nn.Dence": the course package is imported (the kernel's
// goimports shim adds its import line) but has no such member.
func (env *hintEnv) hintMember(e compileLine, name, member string, add func(int, int, string, ...any)) {
	pkg := env.packageNames(name)
	if pkg == nil || slices.Contains(pkg.Members, member) {
		return
	}
	add(e.Line, e.Col, "%s", fmt.Sprintf("%s has no %s", name, member)+insteadOf(name, member, pkg))
}

// insteadOf is what a hint about the missing member pkgName.member suggests: where a renamed
// name went, the closest names of the package, or where to list them.
func insteadOf(pkgName, member string, pkg *pkgNames) string {
	if now, ok := renamed[pkgName+"."+member]; ok {
		return "; " + now
	}
	if close := closest(member, pkg.Members, 3); len(close) > 0 {
		return "; did you mean " + qualify(pkgName, close) + "?"
	}
	if dir, ok := coursePackages[pkgName]; ok {
		return fmt.Sprintf("; see `go doc ./%s` for its names", dir)
	}
	return fmt.Sprintf("; see `go doc %s` for its names", pkgName)
}

// hintMethod explains "x.Fitt undefined (type *nn.Model has no field or method Fitt)".
var reNoMethod = regexp.MustCompile(`\(type \*?(\w+)\.(\w+) has no field or method (\w+)`)

func (env *hintEnv) hintMethod(e compileLine, add func(int, int, string, ...any)) {
	m := reNoMethod.FindStringSubmatch(e.Msg)
	if m == nil || strings.Contains(e.Msg, "but does have") {
		return
	}
	pkg := env.packageNames(m[1])
	if pkg == nil {
		return
	}
	if close := closest(m[3], pkg.Methods[m[2]], 3); len(close) > 0 {
		add(e.Line, e.Col, "%s.%s has no method %s; did you mean %s?", m[1], m[2], m[3], strings.Join(close, " or "))
	}
}

// hintMismatch explains "assignment mismatch: 1 variable but datasets.MNIST returns 3 values".
var reMismatch = regexp.MustCompile(`assignment mismatch: (\d+) variables? but (\S+) returns (\d+) values?`)

func (env *hintEnv) hintMismatch(e compileLine, add func(int, int, string, ...any)) {
	m := reMismatch.FindStringSubmatch(e.Msg)
	if m == nil {
		return
	}
	got, _ := strconv.Atoi(m[1])
	want, _ := strconv.Atoi(m[3])
	fn := m[2]
	if n, lastErr := env.results(fn); n == want && lastErr && got < want && want <= 4 {
		add(e.Line, e.Col, "%s returns %d values, the last an error: keep the others and stop the cell on an error with %s, e.g. %s",
			fn, want, mustName(want-1), mustExample(fn, want-1))
		return
	}
	add(e.Line, e.Col, "%s returns %d values: give %d names on the left (use _ for the ones you do not need)", fn, want, want)
}

// results returns the number of results of pkg.Func (a course package) and whether the last
// one is an error; 0 when unknown.
func (env *hintEnv) results(qualified string) (n int, lastIsError bool) {
	pkg, name, ok := strings.Cut(qualified, ".")
	dir, known := coursePackages[pkg]
	if !ok || !known || env.Root == "" {
		return 0, false
	}
	eachDecl(filepath.Join(env.Root, dir), func(d ast.Decl) {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil || fd.Name.Name != name || fd.Type.Results == nil {
			return
		}
		n = fd.Type.Results.NumFields()
		list := fd.Type.Results.List
		if id, ok := list[len(list)-1].Type.(*ast.Ident); ok && id.Name == "error" {
			lastIsError = true
		}
	})
	return n, lastIsError
}

// hintMustCount explains nb.Must used with a function of another number of results.
func (env *hintEnv) hintMustCount(e compileLine, add func(int, int, string, ...any)) {
	call := env.callAt(e.Line, "nb")
	if call == nil || len(call.Args) != 1 {
		add(e.Line, e.Col, "nb.Must takes a value and an error, nb.Must2 two values and an error, nb.Must3 three: choose the one that matches the function's results")
		return
	}
	inner, ok := call.Args[0].(*ast.CallExpr)
	if !ok {
		return
	}
	fn := exprString(inner.Fun)
	if n, lastErr := env.results(fn); n >= 2 && lastErr {
		add(e.Line, e.Col, "%s returns %d values, the last an error: use %s, e.g. %s", fn, n, mustName(n-1), mustExample(fn, n-1))
		return
	}
	add(e.Line, e.Col, "nb.Must takes a value and an error, nb.Must2 two values and an error, nb.Must3 three: choose the one that matches %s's results", fn)
}

func mustName(values int) string {
	if values == 1 {
		return "nb.Must"
	}
	return fmt.Sprintf("nb.Must%d", values)
}

func mustExample(fn string, values int) string {
	names := []string{"a", "b", "c"}
	if strings.HasSuffix(fn, "MNIST") || strings.HasSuffix(fn, "CIFAR10") || strings.HasSuffix(fn, "GTSRB") {
		names = []string{"train", "test"}
	}
	if values == 1 {
		names = []string{"v"}
	}
	return fmt.Sprintf("%s := %s(%s())", strings.Join(names[:min(values, len(names))], ", "), mustName(values), fn)
}

// ---- reading main.go

func (env *hintEnv) parse() {
	if env.file != nil || len(env.Main) == 0 {
		return
	}
	env.fset = token.NewFileSet()
	f, err := parser.ParseFile(env.fset, "main.go", env.Main, parser.SkipObjectResolution)
	if err == nil {
		env.file = f
	}
}

type selector struct {
	name      string
	line, col int
}

// selectors lists the members used as pkg.Member in main.go, in order, once each.
func (env *hintEnv) selectors(pkg string) []selector {
	if env.file == nil {
		return nil
	}
	var out []selector
	seen := map[string]bool{}
	ast.Inspect(env.file, func(n ast.Node) bool {
		se, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := se.X.(*ast.Ident); ok && id.Name == pkg && !seen[se.Sel.Name] {
			seen[se.Sel.Name] = true
			p := env.fset.Position(se.Sel.Pos())
			out = append(out, selector{se.Sel.Name, p.Line, p.Column})
		}
		return true
	})
	return out
}

// imports reports whether main.go imports a package under that name.
func (env *hintEnv) imports(name string) bool {
	if env.file == nil {
		return false
	}
	for _, imp := range env.file.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if (imp.Name != nil && imp.Name.Name == name) || (imp.Name == nil && filepath.Base(p) == name) {
			return true
		}
	}
	return false
}

// declares reports whether main.go declares name at the top level (a declaration cell).
func (env *hintEnv) declares(name string) bool { return slices.Contains(env.declaredNames(), name) }

// declaredNames lists the names main.go declares: top-level functions, types, variables and
// constants, and the variables of func main.
func (env *hintEnv) declaredNames() []string {
	if env.file == nil {
		return nil
	}
	var names []string
	for _, d := range env.file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name != "main" && d.Name.Name != "init" {
				names = append(names, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.ValueSpec:
					for _, n := range s.Names {
						names = append(names, n.Name)
					}
				case *ast.TypeSpec:
					names = append(names, s.Name.Name)
				}
			}
		}
	}
	names = append(names, mainValues(env.file)...)
	return names
}

// mainValues lists the names func main declares in its own body (:= and var): the values a
// %% cell makes.
func mainValues(f *ast.File) []string {
	var names []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil || fd.Name.Name != "main" || fd.Body == nil {
			continue
		}
		for _, st := range fd.Body.List {
			switch st := st.(type) {
			case *ast.AssignStmt:
				if st.Tok == token.DEFINE {
					for _, l := range st.Lhs {
						if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
							names = append(names, id.Name)
						}
					}
				}
			case *ast.DeclStmt:
				if gd, ok := st.Decl.(*ast.GenDecl); ok {
					for _, s := range gd.Specs {
						if vs, ok := s.(*ast.ValueSpec); ok {
							for _, n := range vs.Names {
								names = append(names, n.Name)
							}
						}
					}
				}
			}
		}
	}
	return names
}

// callAt returns the first call of pkg.Something that starts on the given line of main.go.
func (env *hintEnv) callAt(line int, pkg string) *ast.CallExpr {
	if env.file == nil {
		return nil
	}
	var found *ast.CallExpr
	ast.Inspect(env.file, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		c, ok := n.(*ast.CallExpr)
		if !ok || env.fset.Position(c.Pos()).Line != line {
			return true
		}
		if se, ok := c.Fun.(*ast.SelectorExpr); ok {
			if id, ok := se.X.(*ast.Ident); ok && id.Name == pkg {
				found = c
				return false
			}
		}
		return true
	})
	return found
}

// ---- the packages' names

// packageNames returns the exported names of the course package or the standard-library
// package called name (nil when unknown).
func (env *hintEnv) packageNames(name string) *pkgNames {
	if p, ok := env.pkgs[name]; ok {
		return p
	}
	if env.pkgs == nil {
		env.pkgs = map[string]*pkgNames{}
	}
	var dir string
	if d, ok := coursePackages[name]; ok && env.Root != "" {
		dir = filepath.Join(env.Root, d)
	} else if env.GoRoot != "" && stdPackage(name) {
		dir = filepath.Join(env.GoRoot, "src", name)
	}
	var p *pkgNames
	if dir != "" {
		p = exportedNames(dir)
	}
	env.pkgs[name] = p
	return p
}

// stdPackage reports whether name is a standard-library package a cell may use by its name
// alone (goimports adds it): a one-element path.
func stdPackage(name string) bool {
	switch name {
	case "fmt", "math", "strings", "strconv", "os", "time", "sort", "slices", "maps", "errors", "image", "bytes", "io", "bufio", "unicode":
		return true
	}
	return false
}

// exportedNames parses the package in dir (its non-test files) and lists its exported names.
func exportedNames(dir string) *pkgNames {
	p := &pkgNames{Methods: map[string][]string{}}
	eachDecl(dir, func(d ast.Decl) {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				return
			}
			if d.Recv == nil {
				p.Members = append(p.Members, d.Name.Name)
				return
			}
			if t := receiverType(d.Recv); t != "" {
				p.Methods[t] = append(p.Methods[t], d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							p.Members = append(p.Members, n.Name)
						}
					}
				case *ast.TypeSpec:
					if s.Name.IsExported() {
						p.Members = append(p.Members, s.Name.Name)
					}
				}
			}
		}
	})
	if len(p.Members) == 0 {
		return nil
	}
	sort.Strings(p.Members)
	return p
}

// eachDecl calls fn for every top-level declaration of the non-test Go files in dir.
func eachDecl(dir string, fn func(ast.Decl)) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil || !goodBuildFile(src) {
			continue
		}
		af, err := parser.ParseFile(fset, f, src, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, d := range af.Decls {
			fn(d)
		}
	}
}

// goodBuildFile leaves out files built only for other systems or with ignore tags (a rough
// check: exact build constraints do not matter for names).
func goodBuildFile(src []byte) bool {
	return !bytes.Contains(src, []byte("//go:build ignore"))
}

func receiverType(r *ast.FieldList) string {
	if r == nil || len(r.List) == 0 {
		return ""
	}
	t := r.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// ---- names close to a misspelled one

// closest returns up to n candidates closest to name, all at the best distance found: the same
// letters in another case, else the smallest edit distance (at most a third of the name's
// length, at least 2), else the names that start like it.
func closest(name string, candidates []string, n int) []string {
	type scored struct {
		s string
		d int
	}
	var list []scored
	lower := strings.ToLower(name)
	limit := max(2, len([]rune(name))/3)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		switch d := editDistance(lower, lc); {
		case lc == lower:
			list = append(list, scored{c, -1})
		case d <= limit:
			list = append(list, scored{c, d})
		case len(lower) >= 3 && strings.HasPrefix(lc, lower):
			list = append(list, scored{c, limit + 1})
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].d != list[j].d {
			return list[i].d < list[j].d
		}
		return list[i].s < list[j].s
	})
	var out []string
	for _, s := range list {
		if s.d > list[0].d { // only the best: Dence gives Dense, not also Dice
			break
		}
		if !slices.Contains(out, s.s) {
			out = append(out, s.s)
		}
		if len(out) == n {
			break
		}
	}
	return out
}

// editDistance is the Levenshtein distance between a and b (in runes).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func qualify(pkg string, names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = pkg + "." + n
	}
	return strings.Join(q, " or ")
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(unicode.IsLetter(r) || r == '_' || (i > 0 && unicode.IsDigit(r))) {
			return false
		}
	}
	return true
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	}
	return "the function"
}

// unrunFits finds the statements that configure a training and never run it: a method chain on
// Fit(...) used as a statement that does not end in Done() or Memo(...) (model.Fit(train).Epochs(3)
// compiles, and does nothing). It returns hints for them, as compiler lines.
func unrunFits(mainGo []byte) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "main.go", mainGo, parser.SkipObjectResolution)
	if err != nil {
		return nil
	}
	var hints []string
	ast.Inspect(f, func(n ast.Node) bool {
		st, ok := n.(*ast.ExprStmt)
		if !ok {
			return true
		}
		call, ok := st.X.(*ast.CallExpr)
		if !ok {
			return true
		}
		last, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || last.Sel.Name == "Done" || last.Sel.Name == "Memo" {
			return true
		}
		for e := ast.Expr(call); ; {
			c, ok := e.(*ast.CallExpr)
			if !ok {
				break
			}
			se, ok := c.Fun.(*ast.SelectorExpr)
			if !ok {
				break
			}
			if se.Sel.Name == "Fit" && len(c.Args) == 1 {
				p := fset.Position(st.Pos())
				hints = append(hints, fmt.Sprintf("./main.go:%d:%d: hint: this Fit(...) is configured but never run, so nothing trains: end it with .Done() "+
					"(or .Memo(\"name\")), e.g. hist := nb.Must(model.Fit(train).Epochs(3).Done())", p.Line, p.Column))
				break
			}
			e = se.X
		}
		return true
	})
	return hints
}
