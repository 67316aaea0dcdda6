package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

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
// itself when `go list` finds every import of the cell in the build list already (an answer kept
// for the next cells with the same imports and module files), and hands everything else to the
// real go, with only its -tags edited for the backend (shimEnv, shimArgs).
//
// GoNB v0.11.5 runs `go get` before every build (internal/goexec/execcode.go, State.AutoGet;
// `%noautoget` would turn it off for new imports too). Canary:
// test_canary_gonb_runs_go_get_before_every_cell (kernel/tests/test_canary.py); when it fails,
// goShim's answer to a plain `go get` (isPlainGet, importsProvided) can go. The shim stays for
// shimEnv and shimArgs (noxla in or out of -tags for the backend) and the build (hints,
// the cell's memory limit).

const (
	// shimDirName is the folder, inside <root>/.bin, that holds the `go` link.
	shimDirName = "shim"
	// realGoEnv names the real go command for the shim.
	realGoEnv = "GODL_REAL_GO"
)

func shimDir(root string) string { return filepath.Join(binDir(root), shimDirName) }

// installShim links <root>/.bin/shim/go, gopls and goimports to the kernel command.
func installShim(root string) error {
	dir := shimDir(root)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"go", "gopls", "goimports"} {
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

// siblingTool is the real program behind a shim link: the tool name that install put next to the
// kernel command (<root>/.bin/godl-kernel -> <root>/.bin/name).
func siblingTool(name string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(self), name), nil
}

// goShim runs as `go`: it returns only when it answered the command itself.
func goShim(args []string) int {
	realGo := os.Getenv(realGoEnv)
	if realGo == "" {
		fmt.Fprintf(os.Stderr, "go (Go (Deep Learning) kernel shim): %s is not set; run the real go command directly\n", realGoEnv)
		return 2
	}
	env := shimEnv(os.Environ())
	args = shimArgs(args, env)
	if isPlainGet(args) {
		if ok, _ := importsProvided(".", os.Getenv("GODL_ROOT")); ok {
			return 0
		}
	}
	if isCellBuild(args) {
		return buildWithHints(realGo, args, env)
	}
	if dir, err := os.Getwd(); err == nil {
		if out, ok := wrapsCell(args, env, dir); ok { // a test cell: `go test -c -o ...`
			prepareCellOutput(out)
			return runAndWrap(realGo, args, env, out)
		}
	}
	err := syscall.Exec(realGo, append([]string{realGo}, args...), env)
	fmt.Fprintf(os.Stderr, "go shim: running %s: %v\n", realGo, err)
	return 2
}

// noXLA is the build tag that builds nn without go-xla (noXLATag is the flag that sets it).
const noXLA = "noxla"

// usesXLA tells whether env selects a backend that links XLA (GOMLX_BACKEND=xla:cpu, xla:cuda,
// auto, ...).
func usesXLA(env []string) bool {
	backend := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOMLX_BACKEND="); ok {
			backend = v
		}
	}
	return linksXLA(backend)
}

// linksXLA tells whether cells on backend need go-xla linked: the XLA backends, and "auto"
// (nn's choice between the Go backend and XLA CPU by the length of each training run).
func linksXLA(backend string) bool {
	backend = strings.TrimSpace(backend)
	return strings.HasPrefix(backend, "xla") || backend == "auto"
}

// shimEnv returns env for the real go: when a notebook switched to XLA
// (`%env GOMLX_BACKEND=xla:cpu`), the tag noxla that the kernelspec puts in GOFLAGS is taken out
// of its -tags list (the user's other tags stay, in their order) so that the cell links go-xla,
// and its CGO_ENABLED=0 becomes 1.
func shimEnv(env []string) []string {
	if !usesXLA(env) {
		return env
	}
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOFLAGS="); ok {
			kv = "GOFLAGS=" + editGoFlagsTags(v, func(tags []string) []string { return withoutTag(tags, noXLA) })
		}
		if kv == "CGO_ENABLED=0" { // the kernelspec's setting for the Go backend: go-xla needs cgo
			kv = "CGO_ENABLED=1"
		}
		out = append(out, kv)
	}
	return out
}

// shimArgs edits the -tags flags of a go command line (`-tags=a,b`, `-tags a,b`), which replace
// GOFLAGS' -tags for that command: under XLA noxla is taken out; under the Go backend, when
// GOFLAGS (env, already through shimEnv) has noxla, it is added to the command's own list, so
// that a notebook's `%goflags -tags=mytag` does not silently link go-xla. Other tags keep their
// order; nothing else changes.
func shimArgs(args, env []string) []string {
	if len(args) == 0 || !slices.Contains([]string{"build", "test", "run", "vet", "install", "list", "get"}, args[0]) {
		return args
	}
	var edit func([]string) []string
	if usesXLA(env) {
		edit = func(tags []string) []string { return withoutTag(tags, noXLA) }
	} else if slices.Contains(goFlagsTags(env), noXLA) {
		edit = func(tags []string) []string { return withTag(tags, noXLA) }
	} else {
		return args
	}
	out := slices.Clone(args)
	for i := 1; i < len(out); i++ {
		a := out[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			if out[0] == "test" {
				continue // go test takes flags after its packages too
			}
			break // packages (and, for go run, the program's own arguments)
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case name == "tags" && hasValue:
			out[i] = a[:len(a)-len(value)] + joinTags(edit(splitTags(value)))
		case name == "tags" && i+1 < len(out):
			out[i+1] = joinTags(edit(splitTags(out[i+1])))
			i++
		case !hasValue && valueFlags[name]:
			i++ // the flag's value, in the next argument
		}
	}
	return out
}

// valueFlags are the go command's build and test flags that take a value, which may be the next
// argument (`-o file`); the others are booleans.
var valueFlags = map[string]bool{
	"C": true, "o": true, "p": true, "asmflags": true, "buildmode": true, "buildvcs": true, "compiler": true,
	"gccgoflags": true, "gcflags": true, "installsuffix": true, "ldflags": true, "mod": true, "modfile": true,
	"overlay": true, "pgo": true, "pkgdir": true, "toolexec": true, "exec": true, "coverpkg": true,
	"covermode": true, "f": true, "run": true, "skip": true, "bench": true, "benchtime": true, "count": true,
	"cpu": true, "parallel": true, "timeout": true, "list": true, "shuffle": true, "fuzz": true, "fuzztime": true,
	"fuzzminimizetime": true, "coverprofile": true, "cpuprofile": true, "memprofile": true,
	"memprofilerate": true, "blockprofile": true, "blockprofilerate": true, "mutexprofile": true,
	"mutexprofilefraction": true, "outputdir": true, "trace": true, "vet": true,
}

// splitTags splits a -tags value: a comma-separated list (or, the form older Go releases used and
// the go command still reads, a space-separated one).
func splitTags(list string) []string {
	sep := func(r rune) bool { return r == ',' }
	if !strings.Contains(list, ",") {
		sep = func(r rune) bool { return r == ' ' || r == '\t' }
	}
	return strings.FieldsFunc(list, sep)
}

func joinTags(tags []string) string { return strings.Join(tags, ",") }

func withoutTag(tags []string, tag string) []string {
	return slices.DeleteFunc(slices.Clone(tags), func(t string) bool { return t == tag })
}

func withTag(tags []string, tag string) []string {
	if slices.Contains(tags, tag) {
		return tags
	}
	return append(slices.Clone(tags), tag)
}

// goFlagsTags returns the tags of the -tags flag of env's GOFLAGS.
func goFlagsTags(env []string) []string {
	var tags []string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOFLAGS="); ok {
			fields, err := splitGoFlags(v)
			if err != nil {
				return nil
			}
			tags = nil
			for _, f := range fields {
				if list, ok := tagsValue(f.value); ok {
					tags = splitTags(list)
				}
			}
		}
	}
	return tags
}

// tagsValue returns the list of a "-tags=LIST" (or "--tags=LIST") flag.
func tagsValue(flag string) (string, bool) {
	for _, p := range []string{"-tags=", "--tags="} {
		if v, ok := strings.CutPrefix(flag, p); ok {
			return v, true
		}
	}
	return "", false
}

// editGoFlagsTags applies edit to the list of every -tags flag of a GOFLAGS value and leaves the
// other flags as they were written (quotes included). A -tags flag left with no tag is dropped.
// A value the go command could not read either is returned unchanged.
func editGoFlagsTags(goflags string, edit func([]string) []string) string {
	fields, err := splitGoFlags(goflags)
	if err != nil {
		return goflags
	}
	var out []string
	for _, f := range fields {
		list, ok := tagsValue(f.value)
		if !ok {
			out = append(out, f.raw)
			continue
		}
		tags := edit(splitTags(list))
		if len(tags) == 0 {
			continue
		}
		out = append(out, "-tags="+joinTags(tags))
	}
	return strings.Join(out, " ")
}

// goFlagsField is one flag of GOFLAGS: as written, and its value without the quotes.
type goFlagsField struct{ raw, value string }

// splitGoFlags splits GOFLAGS as the go command does (cmd/internal/quoted): fields separated by
// spaces, a field may be quoted whole with ' or ".
func splitGoFlags(s string) ([]goFlagsField, error) {
	var out []goFlagsField
	for {
		s = strings.TrimLeft(s, " \t\n\r")
		if s == "" {
			return out, nil
		}
		if q := s[0]; q == '\'' || q == '"' {
			end := strings.IndexByte(s[1:], q)
			if end < 0 {
				return nil, fmt.Errorf("unterminated %c string", q)
			}
			out = append(out, goFlagsField{raw: s[:end+2], value: s[1 : end+1]})
			s = s[end+2:]
			continue
		}
		end := strings.IndexAny(s, " \t\n\r")
		if end < 0 {
			end = len(s)
		}
		out = append(out, goFlagsField{raw: s[:end], value: s[:end]})
		s = s[end:]
	}
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

// importsOKFile, in the cell's folder, records the last set of imports (and module files) for
// which every import was found in the build list, so that the next cells with the same imports
// skip even `go list`. A failed build removes it (buildWithHints).
const importsOKFile = ".godl-imports-ok"

// importsProvided tells whether `go get` has nothing to do for the Go files in dir: the go
// command itself (`go list -e -find`, with the cell's go.mod and go.work) finds every import in
// the standard library or in a module of the build list. A package of a module that no module
// requires (one nested in a required module's folder, say) or a path that is neither is not
// provided, and GoNB's `go get` then runs as usual. root is the course repository (GODL_ROOT).
func importsProvided(dir, root string) (bool, error) {
	if root == "" {
		return false, errors.New("GODL_ROOT is not set")
	}
	realGo := os.Getenv(realGoEnv)
	if realGo == "" {
		return false, errors.New(realGoEnv + " is not set")
	}
	imports, err := cellImports(dir)
	if err != nil {
		return false, err
	}
	env := shimEnv(os.Environ())
	key := importsKey(dir, root, realGo, imports, env)
	if b, err := os.ReadFile(filepath.Join(dir, importsOKFile)); err == nil && string(b) == key {
		return true, nil
	}
	if len(imports) > 0 {
		ok, err := goListProvides(realGo, dir, imports, env)
		if !ok || err != nil {
			return false, err
		}
	}
	_ = atomicfile.WriteFile(filepath.Join(dir, importsOKFile), []byte(key), 0o600)
	return true, nil
}

// cellImports returns the sorted, distinct import paths of the Go files in dir, without "C" (cgo's
// pseudo-package); an error when dir holds no Go file or an import the go command could not be
// asked about.
func cellImports(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Go file in %s", dir)
	}
	var imports []string
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			return nil, err
		}
		for _, imp := range af.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return nil, err
			}
			if p == "C" {
				continue
			}
			if err := module.CheckImportPath(p); err != nil || strings.Contains(p, "...") {
				return nil, fmt.Errorf("import %q: %v", p, err)
			}
			imports = append(imports, p)
		}
	}
	slices.Sort(imports)
	return slices.Compact(imports), nil
}

// goListProvides asks the go command where each import comes from.
func goListProvides(realGo, dir string, imports, env []string) (bool, error) {
	cmd := exec.Command(realGo, append([]string{"list", "-e", "-find", "-json=ImportPath,Standard,Module,Error"}, imports...)...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return false, fmt.Errorf("go list: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	found := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Standard   bool
			Module     *struct{ Path string }
			Error      *struct{ Err string }
		}
		if err := dec.Decode(&p); err != nil {
			return false, fmt.Errorf("go list output: %w", err)
		}
		if p.Error != nil {
			return false, fmt.Errorf("%s: %s", p.ImportPath, p.Error.Err)
		}
		if !p.Standard && p.Module == nil {
			return false, fmt.Errorf("%s: neither in the standard library nor in a module", p.ImportPath)
		}
		found++
	}
	if found != len(imports) {
		return false, fmt.Errorf("go list answered for %d of %d imports", found, len(imports))
	}
	return true, nil
}

// importsKey sums up what the answer of goListProvides depends on: the imports, the go command
// and its settings, and the module files of the cell and of every module its go.work uses.
func importsKey(dir, root, realGo string, imports, env []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%q\x00", realGo, imports)
	for _, kv := range env {
		for _, k := range []string{"GOFLAGS=", "GOTOOLCHAIN=", "GOWORK=", "GOPROXY=", "GONOSUMDB=", "GOPRIVATE=", "GOEXPERIMENT="} {
			if strings.HasPrefix(kv, k) {
				fmt.Fprintf(h, "%s\x00", kv)
			}
		}
	}
	modDirs := []string{dir, root}
	if wb, err := os.ReadFile(filepath.Join(dir, "go.work")); err == nil {
		if wf, err := modfile.ParseWork("go.work", wb, nil); err == nil {
			for _, u := range wf.Use {
				p := u.Path
				if !filepath.IsAbs(p) {
					p = filepath.Join(dir, p)
				}
				modDirs = append(modDirs, p)
			}
		}
	}
	for _, d := range modDirs {
		for _, name := range []string{"go.mod", "go.sum", "go.work", "go.work.sum"} {
			b, _ := os.ReadFile(filepath.Join(d, name))
			fmt.Fprintf(h, "%s\x00%d\x00", filepath.Join(d, name), len(b))
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
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
func buildWithHints(realGo string, args, env []string) int {
	dir, _ := os.Getwd()
	out, wrap := wrapsCell(args, env, dir)
	if wrap {
		prepareCellOutput(out)
	}
	cmd := exec.Command(realGo, args...)
	cmd.Env = env
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	err := cmd.Run()
	mainGo, _ := os.ReadFile("main.go")
	if err == nil {
		if hints := unrunFits(mainGo); len(hints) > 0 {
			// Valid Go that cannot be what the student meant: stop before running it.
			fmt.Fprintln(os.Stderr, strings.Join(hints, "\n"))
			return 1
		}
		recordValues(mainGo)
		if wrap {
			wrapOrWarn(out)
		}
		_, _ = os.Stdout.Write(output.Bytes())
		return 0
	}
	// The build may have failed for want of a module that importsProvided took as provided (a
	// module file changed in a way its key does not see): the next `go get` asks the go command.
	_ = os.Remove(importsOKFile)
	code := 1
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		fmt.Fprintf(&output, "go shim: running %s: %v\n", realGo, err)
	}
	he := &hintEnv{Main: mainGo, Root: os.Getenv("GODL_ROOT"), GoRoot: goRootOf(realGo), Earlier: earlierValues()}
	if hints := compileHints(output.String(), he); len(hints) > 0 {
		fmt.Fprintln(os.Stderr, strings.Join(hints, "\n"))
	}
	_, _ = os.Stderr.Write(output.Bytes())
	return code
}

// prepareCellOutput removes, before a cell's build, what the previous cell's wrapCellProgram
// left at out: the go command must write a new program there, not through the link to the kernel
// command (its fallback copy follows links).
func prepareCellOutput(out string) {
	if fi, err := os.Lstat(out); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		_ = os.Remove(out)
	}
	_ = os.Remove(out + cellProgramSuffix)
}

// wrapOrWarn puts the memory-limited launcher in front of the cell's program at out; when it
// cannot, the cell runs as GoNB starts it, without the limit, and the cell says so.
func wrapOrWarn(out string) {
	self, err := os.Executable()
	if err == nil {
		err = wrapCellProgram(out, self)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "kernel: this cell runs without its memory limit (%s): %v\n", cellMemoryEnv, err)
	}
}

// runAndWrap runs a go command that builds a cell's program at out (a test cell's `go test -c`)
// and, when it succeeds, wraps the program.
func runAndWrap(realGo string, args, env []string, out string) int {
	cmd := exec.Command(realGo, args...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		fmt.Fprintf(os.Stderr, "go shim: running %s: %v\n", realGo, err)
		return 1
	}
	if _, err := os.Lstat(out); err == nil { // go test -c writes nothing for a package without tests
		wrapOrWarn(out)
	}
	return 0
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
