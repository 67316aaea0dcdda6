package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/godl-course/godl/viz/assets"
)

const (
	// modulePath is this repository's Go module path; findRoot checks it to be sure it found
	// the right go.mod.
	modulePath = "github.com/godl-course/godl"

	// kernelName and displayName identify the kernelspec.
	defaultKernelName = "go-dl"
	displayName       = "Go (Deep Learning)"

	// cellLinkFlags shortens every cell's build: no symbol table, no DWARF (stack traces keep
	// function names and lines).
	cellLinkFlags = "-ldflags=-s -w"

	// noXLATag builds nn without go-xla (see nn/backend_xla.go).
	noXLATag = "-tags=noxla"
)

// findRoot walks up from dir to the go.mod of this module and returns its folder.
func findRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if path, err := modulePathOf(filepath.Join(d, "go.mod")); err == nil && path == modulePath {
			return d, nil
		}
		if parent := filepath.Dir(d); parent == d {
			break
		}
	}
	return "", fmt.Errorf("no go.mod of module %s found in %s or above: run this command from the repository root", modulePath, dir)
}

// binDir is where install puts GoNB, goimports, gopls and the kernel command itself.
func binDir(root string) string { return filepath.Join(root, ".bin") }

// goVersionOf returns the version ("go1.26.8") of the go command at goBin, ignoring GOTOOLCHAIN.
func goVersionOf(goBin string) (string, error) {
	cmd := exec.Command(goBin, "env", "GOVERSION")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s env GOVERSION: %w", goBin, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// versionLess compares Go release names such as "go1.9.2" < "go1.10" < "go1.10.1".
func versionLess(a, b string) bool {
	pa, pb := parseGoVersion(a), parseGoVersion(b)
	for i := range pa {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return false
}

func parseGoVersion(v string) [3]int {
	var out [3]int
	v = strings.TrimPrefix(v, "go")
	// Drop suffixes such as "rc1" or " X:simd".
	if i := strings.IndexFunc(v, func(r rune) bool { return r != '.' && (r < '0' || r > '9') }); i >= 0 {
		v = v[:i]
	}
	for i, p := range strings.SplitN(v, ".", 3) {
		_, _ = fmt.Sscanf(p, "%d", &out[i])
	}
	return out
}

// plugin is a PJRT plugin file found on this machine.
type plugin struct {
	Name string // "cpu", "cuda", ...: the part of pjrt_c_api_<name>_plugin.so
	Path string
}

// pluginDirs lists the folders searched for PJRT plugins, in order: PJRT_PLUGIN_LIBRARY_PATH,
// the project's own folder (<root>/.venv/pjrt, where setup links the plugin installed by pip),
// and go-xla's default install folders.
func pluginDirs(root string) []string {
	var dirs []string
	if p := os.Getenv("PJRT_PLUGIN_LIBRARY_PATH"); p != "" {
		dirs = append(dirs, filepath.SplitList(p)...)
	}
	dirs = append(dirs, filepath.Join(root, ".venv", "pjrt"))
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".local", "lib", "go-xla"))
	}
	dirs = append(dirs, "/usr/local/lib/go-xla")
	return dirs
}

// findPlugins returns the PJRT plugins (pjrt_c_api_<name>_plugin.so) in dirs, first found first.
func findPlugins(dirs []string) []plugin {
	var found []plugin
	seen := map[string]bool{}
	for _, d := range dirs {
		matches, _ := filepath.Glob(filepath.Join(d, "pjrt_c_api_*_plugin.so"))
		sort.Strings(matches)
		for _, m := range matches {
			name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), "pjrt_c_api_"), "_plugin.so")
			if seen[name] || strings.Contains(name, "_") { // versioned files: only their link counts
				continue
			}
			if fi, err := os.Stat(m); err != nil || fi.IsDir() { // broken link
				continue
			}
			seen[name] = true
			found = append(found, plugin{Name: name, Path: m})
		}
	}
	return found
}

// hasNVIDIAGPU tells whether the NVIDIA driver exposes a device.
func hasNVIDIAGPU() bool {
	_, err := os.Stat("/dev/nvidia0")
	return err == nil
}

// backendChoice is the GoMLX backend the kernel's cells use, and why.
type backendChoice struct {
	Backend   string // GOMLX_BACKEND value: "go", "xla:cpu", "xla:cuda"
	PluginDir string // folders of the PJRT plugins found (PJRT_PLUGIN_LIBRARY_PATH), "" if none
	Reason    string
}

// chooseBackend picks the backend cells use by default. XLA CUDA where its PJRT plugin and an
// NVIDIA GPU are present; otherwise the pure-Go backend, also when the XLA CPU plugin is
// installed: on a laptop-size CPU the Go backend builds cells about 4x faster (no cgo linking,
// the sub-second cells of the README) and trains MLPs faster, while XLA CPU wins on CNNs
// (bench/xla: LeNet 2x on 2 cores), so notebooks switch with `%env GOMLX_BACKEND=xla:cpu`,
// which works because the plugin folder is always passed on. Never a plugin download. An
// explicit GOMLX_BACKEND in the environment wins.
func chooseBackend(root string) backendChoice {
	plugins := findPlugins(pluginDirs(root))
	var dirs []string
	byName := map[string]plugin{}
	for _, p := range plugins {
		byName[p.Name] = p
		if d := filepath.Dir(p.Path); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	pluginDir := strings.Join(dirs, string(os.PathListSeparator))
	if b := os.Getenv("GOMLX_BACKEND"); b != "" {
		if p := os.Getenv("PJRT_PLUGIN_LIBRARY_PATH"); p != "" {
			pluginDir = p
		}
		return backendChoice{Backend: b, PluginDir: pluginDir, Reason: "GOMLX_BACKEND is set in the environment"}
	}
	if p, ok := byName["cuda"]; ok && hasNVIDIAGPU() {
		return backendChoice{Backend: "xla:cuda", PluginDir: pluginDir,
			Reason: "CUDA PJRT plugin " + p.Path + " and an NVIDIA GPU found"}
	}
	if p, ok := byName["cpu"]; ok {
		return backendChoice{Backend: "go", PluginDir: pluginDir,
			Reason: "pure-Go backend, the faster default on a CPU; XLA CPU plugin found at " + p.Path +
				": a notebook switches with %env GOMLX_BACKEND=auto (XLA CPU for the long training runs, bench/train) or xla:cpu"}
	}
	return backendChoice{Backend: "go",
		Reason: "pure-Go backend: no PJRT plugin found (looked in " + strings.Join(pluginDirs(root), ", ") + "; scripts/xla.sh installs one)"}
}

// kernelEnv is the environment that the kernel's cells run with: it goes in the kernelspec's
// "env" and `run` applies it again (without overriding what the user set) for frontends that
// ignore the kernelspec's env.
func kernelEnv(root, goBin string, b backendChoice) (map[string]string, error) {
	env := map[string]string{
		"GOEXPERIMENT":          "simd",
		"GOMLX_BACKEND":         b.Backend,
		"GOMLX_NO_AUTO_INSTALL": "1",
		"GODL_ROOT":             root,
		"GODL_ECHARTS_JS":       assets.EchartsFile(root),
	}
	flags := "'" + cellLinkFlags + "'"
	if !linksXLA(b.Backend) {
		// Without XLA, cells need not link go-xla's cgo code: about 4x faster builds (NOTES.md).
		// The go shim drops the tag when a notebook switches GOMLX_BACKEND to XLA.
		flags += " " + noXLATag
		// Nor any cgo: the go command then skips asking cgo and the C compiler for their
		// versions on every build, and the linker runtime/cgo (about 0.08 s of a warm cell).
		// The go shim sets CGO_ENABLED=1 again for XLA, which needs it.
		env["CGO_ENABLED"] = "0"
	}
	env["GOFLAGS"] = flags
	if b.PluginDir != "" {
		env["PJRT_PLUGIN_LIBRARY_PATH"] = b.PluginDir
	}
	toolchain, err := goToolchain(root)
	if err != nil {
		return nil, err
	}
	v, err := goVersionOf(goBin)
	if err != nil {
		return nil, err
	}
	// Older installed Go releases fetch go.mod's toolchain from the module proxy once when
	// GOTOOLCHAIN names it. Under `go run` with GOTOOLCHAIN, the go found is the fetched toolchain
	// itself (in the module cache): the Go that Jupyter will find on PATH is then the older one.
	if versionLess(v, toolchain) || strings.Contains(filepath.ToSlash(goBin), "/golang.org/toolchain@") {
		env["GOTOOLCHAIN"] = toolchain
	}
	return env, nil
}

// envKeys returns the keys of env sorted, for stable output.
func envKeys(env map[string]string) []string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// lookGo finds the go command: on PATH, else in the usual install folders.
func lookGo() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return filepath.Abs(p)
	}
	for _, p := range []string{filepath.Join(runtime.GOROOT(), "bin", "go"), "/usr/local/go/bin/go", "/usr/lib/go/bin/go"} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("the go command is not on PATH nor in /usr/local/go/bin: install Go 1.26 or newer (https://go.dev/doc/install) and add it to PATH")
}

// rootAndGo finds the repository root from the working folder and the go command.
func rootAndGo() (root, goBin string, err error) {
	if root, err = findRoot("."); err != nil {
		return "", "", err
	}
	goBin, err = lookGo()
	return root, goBin, err
}

// cmdEnv prints the cells' environment in shell syntax (`eval "$(go run ./kernel env)"`).
func cmdEnv(args []string, w io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("env takes no arguments, got %q", args)
	}
	root, goBin, err := rootAndGo()
	if err != nil {
		return err
	}
	env, err := kernelEnv(root, goBin, chooseBackend(root))
	if err != nil {
		return err
	}
	for _, k := range envKeys(env) {
		fmt.Fprintf(w, "export %s=%s\n", k, shellQuote(env[k]))
	}
	return nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
