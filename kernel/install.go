package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/godl-course/godl/internal/atomicfile"
)

// installOptions are install's flags.
type installOptions struct {
	User      bool   // ~/.local/share/jupyter (or $JUPYTER_DATA_DIR): the default
	SysPrefix bool   // the project's virtual environment (<root>/.venv) or $VIRTUAL_ENV
	Prefix    string // <prefix>/share/jupyter, like `jupyter kernelspec install --prefix`
	Name      string
	NoWarm    bool
	Backend   string // forces GOMLX_BACKEND in the kernelspec ("go", "xla:cpu", "xla:cuda")
}

func parseInstallFlags(args []string) (installOptions, error) {
	var o installOptions
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&o.User, "user", false, "install for the current user (default)")
	fs.BoolVar(&o.SysPrefix, "sys-prefix", false, "install into the project's virtual environment .venv (or $VIRTUAL_ENV)")
	fs.StringVar(&o.Prefix, "prefix", "", "install into `DIR`/share/jupyter/kernels")
	fs.StringVar(&o.Name, "name", defaultKernelName, "kernelspec name")
	fs.BoolVar(&o.NoWarm, "no-warm", false, "skip warming the Go build cache")
	fs.StringVar(&o.Backend, "backend", "", "default backend of the cells: go, xla:cpu or xla:cuda (default: chosen from the plugins found)")
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("%v (flags: --user | --sys-prefix | --prefix DIR, --name NAME, --backend B, --no-warm)", err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	n := 0
	for _, b := range []bool{o.User, o.SysPrefix, o.Prefix != ""} {
		if b {
			n++
		}
	}
	if n > 1 {
		return o, errors.New("choose one of --user, --sys-prefix and --prefix DIR")
	}
	if b := o.Backend; b != "" && b != "go" && !strings.HasPrefix(b, "xla:") {
		return o, fmt.Errorf("--backend %q: use go, xla:cpu or xla:cuda", b)
	}
	if o.Name == "" || strings.ContainsAny(o.Name, `/\ `) {
		return o, fmt.Errorf("--name %q: a kernelspec name is letters, digits, '-', '_' or '.'", o.Name)
	}
	return o, nil
}

// kernelsDir is the folder that holds kernelspecs for the chosen target.
func (o installOptions) kernelsDir(root string) (string, error) {
	switch {
	case o.Prefix != "":
		p, err := filepath.Abs(o.Prefix)
		if err != nil {
			return "", err
		}
		return filepath.Join(p, "share", "jupyter", "kernels"), nil
	case o.SysPrefix:
		venv := os.Getenv("VIRTUAL_ENV")
		if venv == "" {
			venv = filepath.Join(root, ".venv")
		}
		if _, err := os.Stat(filepath.Join(venv, "bin", "python")); err != nil {
			return "", fmt.Errorf("--sys-prefix: no virtual environment at %s: run `make setup` first, or use --user", venv)
		}
		return filepath.Join(venv, "share", "jupyter", "kernels"), nil
	default:
		return userKernelsDir()
	}
}

// userKernelsDir is Jupyter's per-user data folder, as `jupyter --data-dir` says on Linux.
func userKernelsDir() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return filepath.Join(d, "kernels"), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "jupyter", "kernels"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no home folder for --user: %w (use --prefix DIR)", err)
	}
	return filepath.Join(home, ".local", "share", "jupyter", "kernels"), nil
}

// kernelSpec is Jupyter's kernel.json.
type kernelSpec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env"`
	Metadata      map[string]any    `json:"metadata,omitempty"`
}

// makeKernelSpec builds the kernelspec for the module at root.
func makeKernelSpec(root string, env map[string]string) kernelSpec {
	return kernelSpec{
		Argv: []string{filepath.Join(binDir(root), "godl-kernel"), "run",
			"--root", root, "--connection-file", "{connection_file}"},
		DisplayName:   displayName,
		Language:      "go",
		InterruptMode: "signal",
		Env:           env,
		Metadata:      map[string]any{"godl": map[string]any{"root": root, "gonb": "v0.11.5"}},
	}
}

// writeKernelSpec writes <dir>/<name>/kernel.json and the logos; it returns the spec folder.
func writeKernelSpec(kernelsDir, name string, spec kernelSpec) (string, error) {
	dir := filepath.Join(kernelsDir, name)
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating the kernelspec folder: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "kernel.json"), append(data, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("writing the kernelspec: %w", err)
	}
	for _, size := range []int{32, 64} {
		if err := atomicfile.WriteFile(filepath.Join(dir, fmt.Sprintf("logo-%dx%d.png", size, size)), logoPNG(size), 0o644); err != nil {
			return "", fmt.Errorf("writing the kernelspec's logo: %w", err)
		}
	}
	return dir, nil
}

// goCmd runs the go command in dir with extra environment entries, streaming its output to w.
func goCmd(goBin, dir string, env map[string]string, w io.Writer, args ...string) error {
	cmd := exec.Command(goBin, args...)
	cmd.Dir = dir
	cmd.Env = mergeEnv(os.Environ(), env)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s (in %s): %w", strings.Join(args, " "), dir, err)
	}
	return nil
}

// mergeEnv returns base with the entries of env replacing or adding variables.
func mergeEnv(base []string, env map[string]string) []string {
	out := make([]string, 0, len(base)+len(env))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := env[k]; !ok {
			out = append(out, kv)
		}
	}
	for _, k := range envKeys(env) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// buildTools builds GoNB, goimports and gopls (pinned in go.mod's tool block) and this command
// into <root>/.bin.
func buildTools(goBin, root string, env map[string]string, w io.Writer) error {
	bin := binDir(root)
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	// The tools are ordinary programs: none of the cells' flags (simd, noxla, stripped links).
	toolEnv := map[string]string{"GOFLAGS": "", "GOEXPERIMENT": ""}
	if v, ok := env["GOTOOLCHAIN"]; ok {
		toolEnv["GOTOOLCHAIN"] = v
	}
	if err := goCmd(goBin, root, toolEnv, w, "build", "-o", bin+string(filepath.Separator), "tool"); err != nil {
		return fmt.Errorf("building GoNB, goimports and gopls: %w", err)
	}
	if err := goCmd(goBin, root, toolEnv, w, "build", "-o", filepath.Join(bin, "godl-kernel"), "./kernel"); err != nil {
		return fmt.Errorf("building the kernel command: %w", err)
	}
	return installShim(root)
}

// projectPackages are the packages a notebook uses without an import line.
var projectPackages = []string{"nn", "viz", "datasets", "tensor", "nb", "nn/scratch", "viz/demo"}

// warmProgram is a program in GoNB's layout (a module of its own plus a go.work that uses this
// repository) that imports the project's packages; building it with the cells' environment
// fills the Go build cache with exactly what the first cell needs.
func warmProgram(root string) (dir string, err error) {
	goVer, err := goDirective(root)
	if err != nil {
		return "", err
	}
	dir, err = os.MkdirTemp("", "godl-warm-")
	if err != nil {
		return "", err
	}
	var imports strings.Builder
	for _, p := range projectPackages {
		if hasGoFiles(filepath.Join(root, p)) {
			fmt.Fprintf(&imports, "\t_ %q\n", modulePath+"/"+p)
		}
	}
	files := map[string]string{
		"go.mod":  fmt.Sprintf("module godl_warm\n\ngo %s\n", goVer),
		"go.work": fmt.Sprintf("go %s\n\nuse (\n\t.\n\t%s\n)\n", goVer, root),
		"main.go": "package main\n\nimport (\n" + imports.String() + ")\n\nfunc main() {}\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func hasGoFiles(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range m {
		if !strings.HasSuffix(f, "_test.go") {
			return true
		}
	}
	return false
}

// warmCache builds the warm program with the cells' environment.
func warmCache(goBin, root string, env map[string]string, w io.Writer) error {
	dir, err := warmProgram(root)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := goCmd(goBin, dir, env, w, "build", "-o", filepath.Join(dir, "warm"), "."); err != nil {
		return fmt.Errorf("warming the Go build cache: %w", err)
	}
	return nil
}

func cmdInstall(args []string, w io.Writer) error {
	opts, err := parseInstallFlags(args)
	if err != nil {
		return err
	}
	root, goBin, err := rootAndGo()
	if err != nil {
		return err
	}
	if opts.Backend != "" {
		if err := os.Setenv("GOMLX_BACKEND", opts.Backend); err != nil {
			return err
		}
	}
	choice := chooseBackend(root)
	env, err := kernelEnv(root, goBin, choice)
	if err != nil {
		return err
	}
	kdir, err := opts.kernelsDir(root)
	if err != nil {
		return err
	}

	start := time.Now()
	fmt.Fprintf(w, "Building GoNB, goimports, gopls and godl-kernel into %s ...\n", binDir(root))
	if err := buildTools(goBin, root, env, w); err != nil {
		return err
	}
	fmt.Fprintf(w, "  done in %.1fs\n", time.Since(start).Seconds())

	dir, err := writeKernelSpec(kdir, opts.Name, makeKernelSpec(root, env))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Kernelspec %q (%s) written to %s\n", opts.Name, displayName, dir)
	fmt.Fprintf(w, "Backend: %s (%s)\n", choice.Backend, choice.Reason)

	if !opts.NoWarm {
		start = time.Now()
		fmt.Fprintf(w, "Warming the Go build cache for nn, viz and datasets (a minute the first time) ...\n")
		if err := warmCache(goBin, root, env, w); err != nil {
			return err
		}
		if choice.PluginDir != "" && strings.Contains(env["GOFLAGS"], noXLATag) {
			// A PJRT plugin is there: notebooks may switch to XLA, whose cells link go-xla.
			xlaEnv := maps.Clone(env)
			xlaEnv["GOFLAGS"] = strings.TrimSpace(strings.ReplaceAll(env["GOFLAGS"], noXLATag, ""))
			xlaEnv["CGO_ENABLED"] = "1" // as the go shim sets it for XLA (shimEnv)
			if err := warmCache(goBin, root, xlaEnv, w); err != nil {
				return err
			}
		}
		fmt.Fprintf(w, "  done in %.1fs\n", time.Since(start).Seconds())
	}
	fmt.Fprintf(w, "Installed. Check with: go run ./kernel doctor\n")
	return nil
}
