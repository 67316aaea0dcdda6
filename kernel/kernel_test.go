package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVersionLess(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"go1.26.8", "go1.27.3", true},
		{"go1.27.3", "go1.27.3", false},
		{"go1.27.10", "go1.27.3", false},
		{"go1.27", "go1.27.3", true},
		{"go1.28rc1", "go1.27.3", false},
		{"go1.9.2", "go1.27.3", true},
		{"go1.27.3 X:simd", "go1.27.3", false},
	}
	for _, c := range cases {
		if got := versionLess(c.a, c.b); got != c.want {
			t.Errorf("versionLess(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestFindRoot(t *testing.T) {
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "kernel", "main.go")); err != nil {
		t.Errorf("findRoot(.) = %s, which does not hold kernel/main.go", root)
	}
	// A go.mod of another module is not ours.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := findRoot(other); err == nil || !strings.Contains(err.Error(), modulePath) {
		t.Errorf("findRoot in another module: err = %v, want one naming %s", err, modulePath)
	}
}

func touch(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x"), mode); err != nil {
		t.Fatal(err)
	}
}

func TestChooseBackend(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "")
	t.Setenv("HOME", t.TempDir())
	root := t.TempDir()

	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", "")
	if b := chooseBackend(root); b.Backend != "go" || b.PluginDir != "" {
		t.Errorf("no plugin: got %+v, want the go backend", b)
	}

	// A CPU plugin in the project's folder: the Go backend stays the default on a CPU, and the
	// plugin folder is passed on so that a notebook can switch to xla:cpu.
	dir := filepath.Join(root, ".venv", "pjrt")
	touch(t, filepath.Join(dir, "pjrt_c_api_cpu_plugin.so"), 0o644)
	if b := chooseBackend(root); b.Backend != "go" || b.PluginDir != dir || !strings.Contains(b.Reason, "xla:cpu") {
		t.Errorf("cpu plugin: got %+v, want go with the plugin folder %s", b, dir)
	}

	// A CUDA plugin without a GPU is not chosen (this machine has no /dev/nvidia0 in CI).
	touch(t, filepath.Join(dir, "pjrt_c_api_cuda_plugin.so"), 0o644)
	want := "go"
	if hasNVIDIAGPU() {
		want = "xla:cuda"
	}
	if b := chooseBackend(root); b.Backend != want {
		t.Errorf("cuda plugin: got %+v, want %s", b, want)
	}

	// Versioned files alone do not count (go-xla's installer links the unversioned name).
	other := t.TempDir()
	touch(t, filepath.Join(other, "pjrt_c_api_cpu_v0.1_plugin.so"), 0o644)
	if ps := findPlugins([]string{other}); len(ps) != 0 {
		t.Errorf("findPlugins(versioned only) = %v, want none", ps)
	}

	// The user's explicit choice wins, and keeps the plugin folder.
	t.Setenv("GOMLX_BACKEND", "xla:cpu")
	if b := chooseBackend(root); b.Backend != "xla:cpu" || b.PluginDir != dir {
		t.Errorf("GOMLX_BACKEND=xla:cpu: got %+v", b)
	}
}

func TestKernelEnv(t *testing.T) {
	goBin, err := lookGo()
	if err != nil {
		t.Skip(err)
	}
	root := t.TempDir()
	writeGoMod(t, root, "go 1.21.0\n\ntoolchain go1.999.0\n") // newer than any installed Go
	env, err := kernelEnv(root, goBin, backendChoice{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	if env["GOMLX_BACKEND"] != "go" || env["GOMLX_NO_AUTO_INSTALL"] != "1" || env["GOEXPERIMENT"] != "simd" {
		t.Errorf("env = %v", env)
	}
	if env["GOFLAGS"] != "'-ldflags=-s -w' -tags=noxla" || env["CGO_ENABLED"] != "0" {
		t.Errorf("GOFLAGS, CGO_ENABLED for the go backend = %q, %q", env["GOFLAGS"], env["CGO_ENABLED"])
	}
	if _, ok := env["PJRT_PLUGIN_LIBRARY_PATH"]; ok {
		t.Errorf("PJRT_PLUGIN_LIBRARY_PATH set for the go backend")
	}
	if env["GOTOOLCHAIN"] != "go1.999.0" {
		t.Errorf("go.mod's toolchain go1.999.0 is newer than the installed Go: GOTOOLCHAIN = %q", env["GOTOOLCHAIN"])
	}
	// A toolchain older than the installed Go is not forced, unless the go found is a fetched
	// toolchain itself.
	writeGoMod(t, root, "go 1.21.0\n\ntoolchain go1.21.0\n")
	env, err = kernelEnv(root, goBin, backendChoice{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	fetched := strings.Contains(filepath.ToSlash(goBin), "/golang.org/toolchain@")
	if got, ok := env["GOTOOLCHAIN"]; ok != fetched || (ok && got != "go1.21.0") {
		t.Errorf("toolchain go1.21.0 with %s (fetched: %v): GOTOOLCHAIN = %q", goBin, fetched, got)
	}
	// The repository's own go.mod: GOTOOLCHAIN, when set, is its toolchain line.
	repo, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	want, err := goToolchain(repo)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := goVersionOf(goBin)
	env, err = kernelEnv(repo, goBin, backendChoice{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	if (versionLess(v, want) || fetched) != (env["GOTOOLCHAIN"] == want) {
		t.Errorf("installed %s, go.mod's toolchain %s: GOTOOLCHAIN = %q", v, want, env["GOTOOLCHAIN"])
	}
	// Without go.mod there is no Go release to give the cells.
	if _, err := kernelEnv(t.TempDir(), goBin, backendChoice{Backend: "go"}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("kernelEnv without go.mod: err = %v, want one wrapping fs.ErrNotExist", err)
	}

	env, err = kernelEnv(root, goBin, backendChoice{Backend: "xla:cpu", PluginDir: "/p"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(env["GOFLAGS"], "noxla") || env["PJRT_PLUGIN_LIBRARY_PATH"] != "/p" || env["CGO_ENABLED"] != "" {
		t.Errorf("xla env = %v: want XLA linked (cgo), and the plugin folder set", env)
	}
	env, err = kernelEnv(root, goBin, backendChoice{Backend: "auto", PluginDir: "/p"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(env["GOFLAGS"], "noxla") || env["CGO_ENABLED"] != "" || env["GOMLX_BACKEND"] != "auto" {
		t.Errorf("auto env = %v: want XLA linked (cgo)", env)
	}
}

func TestParseInstallFlags(t *testing.T) {
	o, err := parseInstallFlags(nil)
	if err != nil || o.Name != "go-dl" || o.Prefix != "" || o.SysPrefix {
		t.Errorf("defaults: %+v, %v", o, err)
	}
	if _, err := parseInstallFlags([]string{"--user", "--prefix", "/x"}); err == nil {
		t.Error("--user with --prefix accepted")
	}
	if _, err := parseInstallFlags([]string{"--backend", "tpu"}); err == nil {
		t.Error("--backend tpu accepted")
	}
	if o, err := parseInstallFlags([]string{"--backend", "xla:cpu"}); err != nil || o.Backend != "xla:cpu" {
		t.Errorf("--backend xla:cpu: %+v %v", o, err)
	}
	if _, err := parseInstallFlags([]string{"--name", "a/b"}); err == nil {
		t.Error("a name with a slash accepted")
	}
	if _, err := parseInstallFlags([]string{"--bogus"}); err == nil || !strings.Contains(err.Error(), "--sys-prefix") {
		t.Errorf("unknown flag: err = %v, want the list of flags", err)
	}
	o, err = parseInstallFlags([]string{"--prefix", "rel"})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := o.kernelsDir("/root-of-repo")
	if err != nil || !filepath.IsAbs(dir) || !strings.HasSuffix(dir, filepath.Join("rel", "share", "jupyter", "kernels")) {
		t.Errorf("--prefix rel: %q, %v", dir, err)
	}
	t.Setenv("JUPYTER_DATA_DIR", "/jd")
	if dir, _ := (installOptions{}).kernelsDir("/r"); dir != "/jd/kernels" {
		t.Errorf("--user with JUPYTER_DATA_DIR: %q", dir)
	}
	t.Setenv("VIRTUAL_ENV", "")
	if _, err := (installOptions{SysPrefix: true}).kernelsDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "make setup") {
		t.Errorf("--sys-prefix without a venv: err = %v", err)
	}
}

func TestWriteKernelSpecIsIdempotent(t *testing.T) {
	kdir := t.TempDir()
	spec := makeKernelSpec("/repo", map[string]string{"GOMLX_BACKEND": "go"})
	var first []byte
	for i := 0; i < 2; i++ {
		dir, err := writeKernelSpec(kdir, "go-dl", spec)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = data
		} else if !bytes.Equal(first, data) {
			t.Errorf("second install changed kernel.json")
		}
	}
	var got kernelSpec
	if err := json.Unmarshal(first, &got); err != nil {
		t.Fatal(err)
	}
	if got.DisplayName != "Go (Deep Learning)" || got.Language != "go" || got.InterruptMode != "signal" {
		t.Errorf("spec = %+v", got)
	}
	wantArgv := []string{"/repo/.bin/godl-kernel", "run", "--root", "/repo", "--connection-file", "{connection_file}"}
	if strings.Join(got.Argv, " ") != strings.Join(wantArgv, " ") {
		t.Errorf("argv = %q, want %q", got.Argv, wantArgv)
	}
	// No temp files left behind, logos present and real PNGs of the right size.
	entries, _ := os.ReadDir(filepath.Join(kdir, "go-dl"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "kernel.json,logo-32x32.png,logo-64x64.png" {
		t.Errorf("files = %v", names)
	}
	for _, size := range []int{32, 64} {
		f, err := os.Open(filepath.Join(kdir, "go-dl", filepathLogo(size)))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		_ = f.Close()
		if err != nil || img.Bounds().Dx() != size || img.Bounds().Dy() != size {
			t.Errorf("logo %d: %v %v", size, err, img.Bounds())
			continue
		}
		// Some pixels are Go cyan (the neurons), some transparent.
		var cyan, clear int
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				r, g, b, a := img.At(x, y).RGBA()
				switch {
				case a == 0:
					clear++
				case r>>8 == 0x00 && g>>8 == 0xAD && b>>8 == 0xD8:
					cyan++
				}
			}
		}
		if cyan < size*size/20 || clear < size*size/4 {
			t.Errorf("logo %d: %d cyan and %d transparent pixels", size, cyan, clear)
		}
	}
}

func filepathLogo(size int) string { return fmt.Sprintf("logo-%dx%d.png", size, size) }

func TestWarmProgramImportsExistingPackages(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module "+modulePath+"\n\ngo 1.27.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	touch(t, filepath.Join(root, "nn", "nn.go"), 0o644)
	touch(t, filepath.Join(root, "viz", "viz_test.go"), 0o644) // tests only: not importable code
	dir, err := warmProgram(root)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	main, _ := os.ReadFile(filepath.Join(dir, "main.go"))
	if !strings.Contains(string(main), `_ "`+modulePath+`/nn"`) || strings.Contains(string(main), "/viz") || strings.Contains(string(main), "/datasets") {
		t.Errorf("main.go:\n%s", main)
	}
	work, _ := os.ReadFile(filepath.Join(dir, "go.work"))
	if !strings.Contains(string(work), "go 1.27.0") || !strings.Contains(string(work), root) {
		t.Errorf("go.work:\n%s", work)
	}
}

func TestRuntimeProblems(t *testing.T) {
	goBin, err := lookGo()
	if err != nil {
		t.Skip(err)
	}
	t.Setenv("PATH", filepath.Dir(goBin))
	root := t.TempDir() // no go.mod, no tools
	ps := runtimeProblems(root, map[string]string{})
	text := ""
	for _, p := range ps {
		text += p.String() + "\n"
	}
	for _, want := range []string{"not at " + root, "gonb is missing", "goimports is missing", "make setup"} {
		if !strings.Contains(text, want) {
			t.Errorf("problems do not mention %q:\n%s", want, text)
		}
	}
	// With everything in place there is no problem.
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module "+modulePath+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	touch(t, filepath.Join(binDir(root), "gonb"), 0o755)
	touch(t, filepath.Join(binDir(root), "goimports"), 0o755)
	if ps := runtimeProblems(root, map[string]string{}); len(ps) != 0 {
		t.Errorf("complete layout: problems %v", ps)
	}
	// Without go on PATH.
	t.Setenv("PATH", t.TempDir())
	ps = runtimeProblems(root, map[string]string{})
	if len(ps) != 1 || !strings.Contains(ps[0].What, "go command is not on the kernel's PATH") {
		t.Errorf("no go: %v", ps)
	}
}

func TestDoctorReportsMissingPieces(t *testing.T) {
	root := t.TempDir()
	writeGoMod(t, root, "go 1.27.0\n\ntoolchain "+repoToolchain(t)+"\n") // as installed: no download
	t.Setenv("GOMLX_BACKEND", "")
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", "")
	// A fake jupyter that knows no kernelspec.
	fake := filepath.Join(t.TempDir(), "jupyter")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho '{\"kernelspecs\": {}}'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	checks := runChecks(doctorEnv{Root: root, KernelName: "go-dl", Jupyter: fake})
	byName := map[string]check{}
	var out bytes.Buffer
	for _, c := range checks {
		byName[c.Name] = c
		c.write(&out)
	}
	for _, name := range []string{"gonb", "goimports", "godl-kernel", "kernelspec"} {
		c := byName[name]
		if c.OK || !c.Fatal || c.Fix == "" {
			t.Errorf("%s: %+v, want a FAIL with a fix", name, c)
		}
	}
	if c := byName["gopls"]; c.OK || c.Fatal {
		t.Errorf("gopls missing should warn, not fail: %+v", c)
	}
	if c := byName["backend"]; !c.OK || !strings.HasPrefix(c.Detail, "go:") {
		t.Errorf("backend: %+v", c)
	}
	if !strings.Contains(out.String(), "FAIL gonb") || !strings.Contains(out.String(), "fix: go run ./kernel install") {
		t.Errorf("report:\n%s", out.String())
	}
}
