package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const gb = 1 << 30

func TestParseMemSize(t *testing.T) {
	for in, want := range map[string]uint64{
		"300MB": 300 << 20, "300M": 300 << 20, "300mib": 300 << 20, "2GB": 2 * gb, "1.5G": 3 * gb / 2,
		" 4 GB ": 4 * gb, "50%": 8 * gb, "33554432": 32 << 20, "1TB": 1 << 40,
	} {
		got, off, err := parseMemSize(in, 16*gb)
		if err != nil || off || got != want {
			t.Errorf("parseMemSize(%q) = %d, %v, %v; want %d", in, got, off, err, want)
		}
	}
	for _, in := range []string{"off", "OFF", "none", "0", "unlimited"} {
		if _, off, err := parseMemSize(in, 16*gb); !off || err != nil {
			t.Errorf("parseMemSize(%q): off %v, %v", in, off, err)
		}
	}
	for _, in := range []string{"lots", "300XB", "-1GB", "150%", "0%", "1KB", "", "GB"} {
		if _, off, err := parseMemSize(in, 16*gb); err == nil || off {
			t.Errorf("parseMemSize(%q) accepted", in)
		}
	}
}

func TestCellMemoryLimit(t *testing.T) {
	l := cellMemoryLimit("", 20*gb, 0)
	if l.Bytes != 16*gb || !strings.Contains(l.From, "80% of the machine's memory") || l.Machine != "the machine has 20 GB" {
		t.Errorf("default: %+v", l)
	}
	l = cellMemoryLimit("", 64*gb, 8*gb)
	if l.Bytes != 8*gb*80/100 || !strings.Contains(l.From, "the container's memory") ||
		l.Machine != "the container may use 8 GB of the machine's 64 GB" {
		t.Errorf("in a container: %+v", l)
	}
	l = cellMemoryLimit("300MB", 20*gb, 0)
	if l.Bytes != 300<<20 || l.From != "GODL_CELL_MEMORY=300MB" {
		t.Errorf("GODL_CELL_MEMORY=300MB: %+v", l)
	}
	if l := cellMemoryLimit("off", 20*gb, 0); l.Bytes != 0 {
		t.Errorf("off: %+v", l)
	}
	l = cellMemoryLimit("a lot", 20*gb, 0)
	if l.Bytes != 16*gb || !strings.Contains(l.Warning, `GODL_CELL_MEMORY="a lot"`) || !strings.Contains(l.Warning, "8GB") {
		t.Errorf("a value that is not a size: %+v", l)
	}
	msg := memoryMessage(310<<20, cellMemoryLimit("300MB", 20*gb, 0))
	for _, want := range []string{"This cell used more than 310 MB of memory (limit: 300 MB, GODL_CELL_MEMORY=300MB; the machine has 20 GB)",
		"use smaller batches or fewer examples", "%env GODL_CELL_MEMORY="} {
		if !strings.Contains(msg, want) {
			t.Errorf("memory message %q lacks %q", msg, want)
		}
	}
}

func TestCgroupMemoryLimit(t *testing.T) {
	fs := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(fs, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// v2: the lowest memory.max of the cgroup and its ancestors.
	write("proc2", "0::/user.slice/app.scope\n")
	write("cg/user.slice/app.scope/memory.max", "max\n")
	write("cg/user.slice/memory.max", "4294967296\n")
	if got := cgroupMemoryLimit(filepath.Join(fs, "proc2"), filepath.Join(fs, "cg")); got != 4*gb {
		t.Errorf("v2: %d", got)
	}
	// v1: hierarchical_memory_limit, "unlimited" being a huge number.
	write("proc1", "4:memory:/docker/abc\n0::/\n")
	write("v1/memory/docker/abc/memory.stat", "cache 0\nhierarchical_memory_limit 2147483648\n")
	if got := cgroupMemoryLimit(filepath.Join(fs, "proc1"), filepath.Join(fs, "v1")); got != 2*gb {
		t.Errorf("v1: %d", got)
	}
	write("v1/memory/docker/abc/memory.stat", "hierarchical_memory_limit 9223372036854771712\n")
	if got := cgroupMemoryLimit(filepath.Join(fs, "proc1"), filepath.Join(fs, "v1")); got != 0 {
		t.Errorf("v1 unlimited: %d", got)
	}
}

func TestWrapsCell(t *testing.T) {
	if !cellLauncherSupported {
		t.Skip("no cell launcher on " + runtime.GOOS)
	}
	dir := "/tmp/gonb_abc"
	for _, c := range []struct {
		args, env string
		want      string
	}{
		{"build -o /tmp/gonb_abc/gonb_abc", "", "/tmp/gonb_abc/gonb_abc"},
		{"build -o gonb_abc -tags=x", "", "/tmp/gonb_abc/gonb_abc"},
		{"test -c -o /tmp/gonb_abc/gonb_abc", "", "/tmp/gonb_abc/gonb_abc"},
		{"build -o /tmp/gonb_abc/gonb_abc", "GONB_TMP_DIR=/tmp/gonb_other", ""},
		{"build -o /tmp/gonb_abc/gonb_abc", "GONB_TMP_DIR=", ""},
		{"build -o /tmp/gonb_abc/gonb_abc", "GODL_CELL_MEMORY=off", ""},
		{"build -o /tmp/gonb_abc/gonb_abc", "GODL_CELL_MEMORY=2GB", "/tmp/gonb_abc/gonb_abc"},
		{"build -o /home/u/jupyter_files/abc/gonb_cell.wasm", "GOOS=js GOARCH=wasm", ""},
		{"build -o /tmp/gonb_abc/gonb_abc", "GOARCH=wasm", ""},
		{"build .", "", ""},
		{"test -o /tmp/gonb_abc/x", "", ""},
		{"vet -o /tmp/gonb_abc/x", "", ""},
	} {
		env := append([]string{"GONB_TMP_DIR=" + dir}, strings.Fields(c.env)...)
		got, ok := wrapsCell(strings.Fields(c.args), env, dir)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("wrapsCell(%q, %q) = %q, %v; want %q", c.args, c.env, got, ok, c.want)
		}
	}
}

var (
	kernelBinOnce sync.Once
	kernelBinPath string
	kernelBinErr  error
)

// kernelBinary builds this command once for the tests that run it.
func kernelBinary(t *testing.T) string {
	t.Helper()
	goBin, err := lookGo()
	if err != nil {
		t.Skip(err)
	}
	kernelBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "godl-kernel-test-")
		if err != nil {
			kernelBinErr = err
			return
		}
		kernelBinPath = filepath.Join(dir, "godl-kernel")
		out, err := exec.Command(goBin, "build", "-o", kernelBinPath, ".").CombinedOutput()
		if err != nil {
			kernelBinErr = &exec.ExitError{Stderr: out}
		}
	})
	if kernelBinErr != nil {
		t.Fatalf("building the kernel command: %v", kernelBinErr)
	}
	return kernelBinPath
}

// cellProgramFor builds src as a cell's program in a folder like GoNB's and wraps it as the shim
// does; it returns the path GoNB runs.
func cellProgramFor(t *testing.T, src string) string {
	t.Helper()
	if !cellLauncherSupported {
		t.Skip("no cell launcher on " + runtime.GOOS)
	}
	kernel := kernelBinary(t)
	goBin, _ := lookGo()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module gonb_test\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "gonb_test")
	build := exec.Command(goBin, "build", "-o", out, ".")
	build.Dir, build.Env = dir, append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	if err := wrapCellProgram(out, kernel); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCellLauncherStopsACellOverItsLimit: a cell that keeps allocating is stopped soon after its
// limit with the message, instead of growing until the system kills it (or the kernel).
func TestCellLauncherStopsACellOverItsLimit(t *testing.T) {
	hog := cellProgramFor(t, `package main

import "fmt"

func main() {
	var keep [][]byte
	for i := 0; i < 64; i++ { // up to 4 GB, 64 MB at a time
		b := make([]byte, 64<<20)
		for j := range b {
			b[j] = 1
		}
		keep = append(keep, b)
		fmt.Println((i+1)*64, "MB")
	}
	fmt.Println("allocated all")
}
`)
	cmd := exec.Command(hog)
	cmd.Env = append(os.Environ(), "GODL_CELL_MEMORY=200MB")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("exit: %v, want exit status 1", err)
	}
	if strings.Contains(stdout.String(), "allocated all") {
		t.Fatal("the cell ran to its end: no limit")
	}
	lines := strings.Fields(stdout.String())
	if len(lines) > 2*8 { // at most 512 MB printed: stopped within a few steps of 200 MB
		t.Errorf("stopped late: %s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "This cell used more than") ||
		!strings.Contains(stderr.String(), "(limit: 200 MB, GODL_CELL_MEMORY=200MB; the") ||
		!strings.Contains(stderr.String(), "use smaller batches or fewer examples") {
		t.Errorf("message: %q", stderr.String())
	}
}

// TestCellLauncherIsTransparent: arguments, input, output, exit status, interrupts and the
// signal that ends a program pass through the launcher; GOMEMLIMIT is set from the limit.
func TestCellLauncherIsTransparent(t *testing.T) {
	prog := cellProgramFor(t, `package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	switch os.Args[1] {
	case "echo":
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		fmt.Println(strings.Join(os.Args[2:], "+"), strings.TrimSpace(line), os.Getenv("GOMEMLIMIT"))
		fmt.Fprintln(os.Stderr, "to stderr")
		os.Exit(3)
	case "interrupt":
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt)
		fmt.Println("ready")
		<-c
		fmt.Println("interrupted")
	case "term":
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		select {}
	}
}
`)
	cmd := exec.Command(prog, "echo", "a", "b")
	cmd.Env = append(os.Environ(), "GODL_CELL_MEMORY=1GB", "GOMEMLIMIT=")
	cmd.Env = slicesDeleteEnv(cmd.Env, "GOMEMLIMIT")
	cmd.Stdin = strings.NewReader("typed\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Errorf("exit: %v, want exit status 3", err)
	}
	if got := stdout.String(); got != "a+b typed 921MiB\n" || stderr.String() != "to stderr\n" {
		t.Errorf("stdout %q, stderr %q", got, stderr.String())
	}

	cmd = exec.Command(prog, "interrupt")
	stdout.Reset()
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && !strings.Contains(stdout.String(), "ready"); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil || !strings.Contains(stdout.String(), "interrupted") {
		t.Errorf("interrupt: %v, %q", err, stdout.String())
	}

	err = exec.Command(prog, "term").Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Errorf("a program ended by SIGTERM: %v", err)
	}
}

func slicesDeleteEnv(env []string, key string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// TestGoShimWrapsCellPrograms: through the shim, a cell's `go build -o` leaves the launcher at
// the program's path; the next build replaces it without writing through the link into the
// kernel command.
func TestGoShimWrapsCellPrograms(t *testing.T) {
	if !cellLauncherSupported {
		t.Skip("no cell launcher on " + runtime.GOOS)
	}
	kernel := kernelBinary(t)
	goBin, _ := lookGo()
	before, err := os.ReadFile(kernel)
	if err != nil {
		t.Fatal(err)
	}
	shim := filepath.Join(t.TempDir(), "go")
	if err := os.Symlink(kernel, shim); err != nil {
		t.Fatal(err)
	}
	cell := t.TempDir()
	for name, src := range map[string]string{
		"main.go": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"cell ran\") }\n",
		"go.mod":  "module gonb_x\n\ngo 1.22\n",
	} {
		if err := os.WriteFile(filepath.Join(cell, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(cell, "gonb_x")
	for i := range 2 {
		cmd := exec.Command(shim, "build", "-o", out)
		cmd.Dir = cell
		cmd.Env = append(os.Environ(), realGoEnv+"="+goBin, "GOFLAGS=", "GOWORK=off", "GONB_TMP_DIR="+cell)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %d: %v\n%s", i, err, b)
		}
		if target, err := os.Readlink(out); err != nil || target != kernel {
			t.Fatalf("build %d: %s is not the launcher: %q, %v", i, out, target, err)
		}
		b, err := exec.Command(out).CombinedOutput()
		if err != nil || string(b) != "cell ran\n" {
			t.Errorf("run %d: %v %q", i, err, b)
		}
	}
	after, _ := os.ReadFile(kernel)
	if !bytes.Equal(before, after) {
		t.Fatal("the second build wrote into the kernel command through the link")
	}
	// With the limit off, the program is GoNB's own again.
	cmd := exec.Command(shim, "build", "-o", out)
	cmd.Dir = cell
	cmd.Env = append(os.Environ(), realGoEnv+"="+goBin, "GOFLAGS=", "GOWORK=off", "GONB_TMP_DIR="+cell, "GODL_CELL_MEMORY=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	if fi, err := os.Lstat(out); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("GODL_CELL_MEMORY=off: %s is not the program itself (%v)", out, err)
	}
}

// TestCellCgroup: the cell's cgroup is made next to the kernel's own when the parent hands the
// memory controller to its children, with memory.max; a folder that is not a cgroup (this fake
// tree) is refused by the system at start, and the program then starts without it.
func TestCellCgroup(t *testing.T) {
	if !cellLauncherSupported {
		t.Skip("no cell launcher on " + runtime.GOOS)
	}
	fs := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(fs, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	proc := filepath.Join(fs, "proc-cgroup")
	root := filepath.Join(fs, "cg")
	write("proc-cgroup", "0::/user.slice/app.slice/term.scope\n")
	write("cg/cgroup.controllers", "cpu memory pids\n")
	write("cg/user.slice/app.slice/cgroup.subtree_control", "cpu pids\n")
	if cg := newCellCgroup(proc, root, 300<<20); cg != nil {
		t.Fatal("made a cgroup under a parent without the memory controller")
	}
	write("cg/user.slice/app.slice/cgroup.subtree_control", "cpu memory pids\n")
	cg := newCellCgroup(proc, root, 300<<20)
	if cg == nil {
		t.Fatal("no cgroup")
	}
	if filepath.Dir(cg.dir) != filepath.Join(root, "user.slice/app.slice") {
		t.Errorf("cgroup at %s, want next to the kernel's", cg.dir)
	}
	if b, _ := os.ReadFile(filepath.Join(cg.dir, "memory.max")); string(b) != "314572800" {
		t.Errorf("memory.max = %q", b)
	}
	cmd := exec.Command("/bin/sh", "-c", "exit 0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd, got, err := startInCgroup(cmd, cg)
	if err != nil || got != nil {
		t.Fatalf("start: %v, cgroup %v; want a start without the cgroup", err, got)
	}
	if err := cmd.Wait(); err != nil {
		t.Error(err)
	}
	if cg.fd != -1 { // (a real cgroup's folder is removed too; rmdir cannot remove this fake one)
		t.Errorf("the refused cgroup %s is still open", cg.dir)
	}
	// A container's own root cgroup has no parent to make a sibling in.
	write("proc-cgroup", "0::/\n")
	if cg := newCellCgroup(proc, root, 300<<20); cg != nil {
		t.Error("made a cgroup outside the container's root")
	}
}
