package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// cellLauncherSupported: the watchdog reads /proc.
const cellLauncherSupported = true

// runCell runs a cell's program (see cellmem.go) with args, under the memory limit, and returns
// the exit status to give GoNB; a program killed by a signal is mirrored by the same signal.
func runCell(program string, args []string) int {
	// A killed kernel takes its running cell with it: GoNB's death sends the launcher SIGTERM,
	// which ends the program (below).
	parent := os.Getppid()
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
	if os.Getppid() != parent {
		return 1
	}
	total, container := machineMemory()
	l := cellMemoryLimit(os.Getenv(cellMemoryEnv), total, container)
	if l.Warning != "" {
		fmt.Fprintln(os.Stderr, l.Warning)
	}
	cmd := exec.Command(program, args...)
	cmd.Args[0] = os.Args[0] // the program sees the name GoNB started it with
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set && l.Bytes > 0 {
		// The collector keeps the heap under 90% of the limit while there is garbage to collect.
		cmd.Env = append(cmd.Env, fmt.Sprintf("GOMEMLIMIT=%dMiB", l.Bytes/10*9>>20))
	}
	// The program dies with its launcher (GoNB kills the launcher when an interrupt is not
	// enough); the parent-death signal belongs to the thread that started it: keep that thread.
	runtime.LockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}

	var cg *cellCgroup
	if l.Bytes > 0 {
		cg = newCellCgroup("/proc/self/cgroup", "/sys/fs/cgroup", l.Bytes)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	cmd, cg, err := startInCgroup(cmd, cg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kernel: starting the cell's program %s: %v\n", program, err)
		return 1
	}
	if cg != nil {
		defer cg.remove()
	}
	go func() {
		for s := range sigs {
			if s == syscall.SIGTERM && os.Getppid() != parent {
				_ = cmd.Process.Kill() // GoNB is gone
				continue
			}
			_ = cmd.Process.Signal(s)
		}
	}()
	var w *watchdog
	if l.Bytes > 0 {
		w = watch(cmd.Process, l.Bytes)
	}
	_ = cmd.Wait()
	signal.Stop(sigs)
	var peak uint64
	killed := false
	if w != nil {
		peak, killed = w.stop()
	}
	if cg != nil {
		if n := cg.oomKills(); n > 0 {
			killed = true
			peak = max(peak, cg.peak())
		}
	}
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case killed:
		fmt.Fprint(os.Stderr, memoryMessage(peak, l))
		return 1
	case ws.Signaled() && ws.Signal() == syscall.SIGKILL:
		fmt.Fprint(os.Stderr, killedMessage(peak, l))
	}
	if ws.Signaled() {
		sig := ws.Signal()
		signal.Reset(sig)
		_ = syscall.Kill(os.Getpid(), sig)
		time.Sleep(100 * time.Millisecond) // a signal whose default action is not to end the process
		return 128 + int(sig)
	}
	return ws.ExitStatus()
}

// startInCgroup starts cmd inside cg (nil: none); when the system refuses (no permission to move
// a process there, a kernel older than 5.7), cg is removed and cmd starts without it, under the
// watchdog alone. It returns the command started and the cgroup it runs in.
func startInCgroup(cmd *exec.Cmd, cg *cellCgroup) (*exec.Cmd, *cellCgroup, error) {
	if cg == nil {
		return cmd, nil, cmd.Start()
	}
	cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, cg.fd
	if err := cmd.Start(); err == nil {
		return cmd, cg, nil
	}
	cg.remove()
	cmd = rebuild(cmd)
	return cmd, nil, cmd.Start()
}

// rebuild returns a new, unstarted copy of cmd without the cgroup.
func rebuild(cmd *exec.Cmd) *exec.Cmd {
	c := exec.Command(cmd.Path)
	c.Args, c.Env, c.Stdin, c.Stdout, c.Stderr = cmd.Args, cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return c
}

// watchdog samples a process's resident memory and kills it above a limit.
type watchdog struct {
	done   chan struct{}
	ended  chan struct{}
	peak   atomic.Uint64
	killed atomic.Bool
}

// watch starts the watchdog of p: it reads /proc/<pid>/status every 50 ms, every 10 ms once the
// program uses more than half of the limit.
func watch(p *os.Process, limit uint64) *watchdog {
	w := &watchdog{done: make(chan struct{}), ended: make(chan struct{})}
	status := "/proc/" + strconv.Itoa(p.Pid) + "/status"
	go func() {
		defer close(w.ended)
		for {
			rss, hwm, ok := readRSS(status)
			if ok {
				if hwm > w.peak.Load() {
					w.peak.Store(hwm)
				}
				if rss > limit {
					w.peak.Store(max(w.peak.Load(), rss))
					w.killed.Store(true)
					_ = p.Kill()
					return
				}
			}
			wait := 50 * time.Millisecond
			if rss > limit/2 {
				wait = 10 * time.Millisecond
			}
			select {
			case <-w.done:
				return
			case <-time.After(wait):
			}
		}
	}()
	return w
}

// stop ends the watchdog and returns the largest resident memory it saw and whether it killed
// the program.
func (w *watchdog) stop() (peak uint64, killed bool) {
	close(w.done)
	<-w.ended
	return w.peak.Load(), w.killed.Load()
}

// readRSS reads VmRSS and VmHWM (its peak) from a /proc/<pid>/status file, in bytes.
func readRSS(status string) (rss, hwm uint64, ok bool) {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0, 0, false
	}
	return statusField(b, "VmRSS:"), statusField(b, "VmHWM:"), bytes.Contains(b, []byte("VmRSS:"))
}

// statusField reads a "Name:   1234 kB" line of /proc/<pid>/status (or /proc/meminfo) in bytes.
func statusField(b []byte, name string) uint64 {
	i := bytes.Index(b, []byte(name))
	if i < 0 {
		return 0
	}
	line := b[i+len(name):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	f := strings.Fields(string(line))
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseUint(f[0], 10, 64)
	if len(f) > 1 && strings.EqualFold(f[1], "kB") {
		n <<= 10
	}
	return n
}

// machineMemory returns the machine's memory (MemTotal) and the limit of the cgroup the kernel
// runs in (a container's), 0 when there is none.
func machineMemory() (total, container uint64) {
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		total = statusField(b, "MemTotal:")
	}
	return total, cgroupMemoryLimit("/proc/self/cgroup", "/sys/fs/cgroup")
}

// cgroupMemoryLimit returns the lowest memory limit of the process's cgroup and its ancestors
// (cgroup v2 memory.max, or v1's hierarchical_memory_limit), 0 when there is none.
func cgroupMemoryLimit(procCgroup, fsRoot string) uint64 {
	b, err := os.ReadFile(procCgroup)
	if err != nil {
		return 0
	}
	var limit uint64
	lower := func(n uint64) {
		if n > 0 && n < 1<<60 && (limit == 0 || n < limit) {
			limit = n
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "": // v2
			for d := filepath.Join(fsRoot, parts[2]); strings.HasPrefix(d, fsRoot); d = filepath.Dir(d) {
				if v, err := os.ReadFile(filepath.Join(d, "memory.max")); err == nil {
					if n, err := strconv.ParseUint(strings.TrimSpace(string(v)), 10, 64); err == nil {
						lower(n)
					}
				}
				if d == fsRoot {
					break
				}
			}
		case strings.Contains(","+parts[1]+",", ",memory,"): // v1
			for _, d := range []string{filepath.Join(fsRoot, "memory", parts[2]), filepath.Join(fsRoot, "memory")} {
				if v, err := os.ReadFile(filepath.Join(d, "memory.stat")); err == nil {
					lower(statusField(v, "hierarchical_memory_limit"))
					break
				}
			}
		}
	}
	return limit
}

// cellCgroup is a cgroup v2 made for one cell, next to the kernel's own, with memory.max.
type cellCgroup struct {
	dir string
	fd  int
}

// newCellCgroup creates the cell's cgroup, or returns nil when the kernel cannot (cgroup v1, no
// permission, no memory controller for its siblings, a container's root cgroup).
// procCgroup is /proc/self/cgroup, fsRoot the cgroup v2 file system (/sys/fs/cgroup).
func newCellCgroup(procCgroup, fsRoot string, limit uint64) *cellCgroup {
	if _, err := os.Stat(filepath.Join(fsRoot, "cgroup.controllers")); err != nil {
		return nil
	}
	b, err := os.ReadFile(procCgroup)
	if err != nil {
		return nil
	}
	own := ""
	for _, ln := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(ln, "0::"); ok {
			own = p
		}
	}
	if own == "" || own == "/" {
		return nil
	}
	parent := filepath.Join(fsRoot, filepath.Dir(own))
	if sc, err := os.ReadFile(filepath.Join(parent, "cgroup.subtree_control")); err != nil ||
		!strings.Contains(" "+strings.TrimSpace(string(sc))+" ", " memory ") {
		return nil
	}
	dir := filepath.Join(parent, fmt.Sprintf("godl-cell-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil
	}
	cg := &cellCgroup{dir: dir, fd: -1}
	if os.WriteFile(filepath.Join(dir, "memory.max"), []byte(strconv.FormatUint(limit, 10)), 0o644) != nil {
		cg.remove()
		return nil
	}
	_ = os.WriteFile(filepath.Join(dir, "memory.swap.max"), []byte("0"), 0o644)
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		cg.remove()
		return nil
	}
	cg.fd = fd
	return cg
}

func (c *cellCgroup) oomKills() uint64 {
	b, _ := os.ReadFile(filepath.Join(c.dir, "memory.events"))
	for _, ln := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(ln, "oom_kill "); ok {
			n, _ := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

func (c *cellCgroup) peak() uint64 {
	b, _ := os.ReadFile(filepath.Join(c.dir, "memory.peak"))
	n, _ := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	return n
}

// remove deletes the cgroup (empty once the program ended).
func (c *cellCgroup) remove() {
	if c.fd >= 0 {
		_ = syscall.Close(c.fd)
		c.fd = -1
	}
	for range 20 {
		if err := os.Remove(c.dir); err == nil || os.IsNotExist(err) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
