package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Every cell runs under a memory limit, so that a cell that allocates more than the machine has
// is stopped with a message that says so, instead of being killed by the system with nothing in
// the notebook (or taking the kernel, Jupyter and the other students' work with it).
//
// GoNB runs the program it built for a cell (internal/goexec: State.Execute runs
// State.BinaryPath()); the go shim builds that program (buildWithHints), so after a successful
// build it moves the program aside (<program>.godl-cell) and puts in its place a link to this
// command, which GoNB then starts as the cell: invoked under that name, the command runs the
// cell's program (runCell, cellmem_linux.go) with
//   - GOMEMLIMIT, so that the Go garbage collector works harder before the limit is reached;
//   - a cgroup v2 with memory.max, when the kernel may create one next to its own (a desktop
//     session with systemd's delegation); the system then stops the cell at the limit itself;
//   - and in every case a watchdog that reads the program's resident memory (VmRSS) 20 to 100
//     times a second and kills it above the limit,
// and says, when the cell was stopped for its memory, how much it used, the limit and the
// machine's memory, and what to do. Interrupts reach the cell's program as before; the exit
// status and signal are passed back to GoNB.
//
// The limit is GODL_CELL_MEMORY ("8GB", "500MB", "50%" of the memory the kernel may use, "off"),
// by default 80% of the machine's memory or of the container's limit when lower. The notebook
// changes it with `%env GODL_CELL_MEMORY=4GB`.

const (
	// cellMemoryEnv sets the memory limit of each cell.
	cellMemoryEnv = "GODL_CELL_MEMORY"
	// defaultCellMemoryPercent of the machine's (or container's) memory is the default limit.
	defaultCellMemoryPercent = 80
	// cellProgramSuffix is appended to the name of the program GoNB built for a cell; the name
	// itself then links to the kernel command, which runs the program under the limit.
	cellProgramSuffix = ".godl-cell"
)

// memLimit is the memory limit of a cell and where it comes from, in words for the messages.
type memLimit struct {
	Bytes   uint64 // 0: no limit
	From    string // "80% of the machine's memory", "GODL_CELL_MEMORY=300MB", ...
	Machine string // "the machine has 23.4 GB", "the container may use 8 GB of the machine's 64 GB"
	Warning string // a GODL_CELL_MEMORY that could not be read, explained
}

// cellMemoryLimit computes the limit from the value of GODL_CELL_MEMORY and the memory the
// kernel may use: total (the machine's) and container (a cgroup's limit, 0 when none).
func cellMemoryLimit(setting string, total, container uint64) memLimit {
	avail, machine := total, "the machine has "+formatBytes(total)
	what := "the machine's memory"
	if container > 0 && (total == 0 || container < total) {
		avail = container
		machine = "the container may use " + formatBytes(container) + " of the machine's " + formatBytes(total)
		what = "the container's memory"
	}
	if total == 0 {
		machine = "the machine's memory is unknown"
	}
	l := memLimit{Machine: machine}
	setting = strings.TrimSpace(setting)
	if setting != "" {
		n, off, err := parseMemSize(setting, avail)
		switch {
		case err == nil && off:
			l.From = cellMemoryEnv + "=" + setting
			return l
		case err == nil:
			l.Bytes, l.From = n, cellMemoryEnv+"="+setting
			return l
		default:
			l.Warning = fmt.Sprintf("kernel: %s=%q: %v; write a size such as 8GB or 500MB, a share of the memory such as 50%%, or off. Using the default, %d%% of %s.",
				cellMemoryEnv, setting, err, defaultCellMemoryPercent, what)
		}
	}
	if avail == 0 {
		l.From = "no limit: the machine's memory is unknown"
		return l
	}
	l.Bytes = avail * defaultCellMemoryPercent / 100
	l.From = fmt.Sprintf("%d%% of %s; %s sets it", defaultCellMemoryPercent, what, cellMemoryEnv)
	return l
}

// parseMemSize reads a memory size: "8GB", "8G", "8GiB", "1.5GB", "500MB", "300M", "1048576" (bytes),
// "50%" (of avail); "off", "none", "unlimited" or "0" mean no limit. Units are powers of 1024.
func parseMemSize(s string, avail uint64) (n uint64, off bool, err error) {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	switch t {
	case "off", "none", "unlimited", "no", "0":
		return 0, true, nil
	case "":
		return 0, false, errors.New("empty")
	}
	if p, ok := strings.CutSuffix(t, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 || f > 100 {
			return 0, false, errors.New("a share of the memory is a percentage between 0 and 100")
		}
		if avail == 0 {
			return 0, false, errors.New("the machine's memory is unknown, so a percentage cannot be used")
		}
		return uint64(float64(avail) * f / 100), false, nil
	}
	num := strings.TrimRightFunc(t, func(r rune) bool { return r >= 'a' && r <= 'z' })
	unit := t[len(num):]
	if num == "" {
		return 0, false, errors.New("not a size")
	}
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
		"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
		"g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
		"t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40,
	}[unit]
	if mult == 0 {
		return 0, false, fmt.Errorf("unknown unit %q", unit)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false, errors.New("not a size")
	}
	v := f * mult
	if v < 16<<20 {
		return 0, false, errors.New("too small: a Go program needs more than 16 MB")
	}
	if v >= math.MaxUint64/2 {
		return 0, true, nil
	}
	return uint64(v), false, nil
}

// formatBytes writes n as "2.5 GB" (or "300 MB" below 1 GB), in powers of 1024 like parseMemSize.
func formatBytes(n uint64) string {
	if n < 1<<30 {
		return fmt.Sprintf("%d MB", (n+1<<19)>>20)
	}
	s := strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + " GB"
}

// memoryMessage is what a cell stopped at the limit shows (its stderr, in the cell's output).
func memoryMessage(used uint64, l memLimit) string {
	return fmt.Sprintf("\nThis cell used more than %s of memory (limit: %s, %s; %s), so the kernel stopped it: "+
		"use smaller batches or fewer examples, or keep fewer large values alive at once. "+
		"The kernel keeps running: change the cell and run it again (`%%env %s=...` changes the limit).\n",
		formatBytes(max(used, l.Bytes)), formatBytes(l.Bytes), l.From, l.Machine, cellMemoryEnv)
}

// killedMessage is what a cell killed by SIGKILL from outside the kernel shows: most often the
// system's out-of-memory killer.
func killedMessage(peak uint64, l memLimit) string {
	limit := "no limit"
	if l.Bytes > 0 {
		limit = "limit: " + formatBytes(l.Bytes) + ", " + l.From
	}
	return fmt.Sprintf("\nThis cell was killed from outside the kernel (SIGKILL) after using up to %s of memory (%s; %s). "+
		"When the machine runs short of memory the system kills the largest program: use smaller batches or fewer "+
		"examples, and close the notebooks you do not use. The kernel keeps running.\n",
		formatBytes(peak), limit, l.Machine)
}

// cellOutput returns the -o file of a go build / go test -c command line, "" when there is none.
func cellOutput(args []string) string {
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case name == "o" && hasValue:
			return value
		case name == "o" && i+1 < len(args):
			return args[i+1]
		case !hasValue && valueFlags[name]:
			i++
		}
	}
	return ""
}

// gonbTmpDirEnv is GoNB's folder for the kernel session (GoNB sets it in its own environment).
const gonbTmpDirEnv = "GONB_TMP_DIR"

// wrapsCell tells whether the program that `go` args builds, in the working folder dir with
// environment env, is a cell's program that GoNB will run: built by GoNB in its folder for the
// kernel session ($GONB_TMP_DIR, dir) into that folder, for this machine (not WebAssembly), with
// the limit not turned off.
func wrapsCell(args, env []string, dir string) (string, bool) {
	if !cellLauncherSupported || len(args) == 0 {
		return "", false
	}
	switch {
	case args[0] == "build":
	case args[0] == "test" && slices.Contains(args[1:], "-c"):
	default:
		return "", false
	}
	out := cellOutput(args)
	if out == "" {
		return "", false
	}
	if !filepath.IsAbs(out) {
		out = filepath.Join(dir, out)
	}
	if filepath.Dir(out) != filepath.Clean(dir) {
		return "", false
	}
	gonbDir := ""
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case k == "GOOS" && v != "" && v != "linux",
			k == "GOARCH" && v == "wasm",
			k == cellMemoryEnv && isOff(v):
			return "", false
		case k == gonbTmpDirEnv:
			gonbDir = v
		}
	}
	if gonbDir == "" || filepath.Clean(gonbDir) != filepath.Clean(dir) {
		return "", false // not GoNB building a cell (a `!go build` of the student's, say)
	}
	return out, true
}

func isOff(v string) bool {
	_, off, err := parseMemSize(v, 1)
	return err == nil && off
}

// wrapCellProgram moves the program GoNB built at out to out+cellProgramSuffix and links out to
// the kernel command (self), which runs it under the memory limit (runCell).
func wrapCellProgram(out, self string) error {
	fi, err := os.Lstat(out)
	if err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("the cell's program %s: %v", out, err)
	}
	if err := os.Rename(out, out+cellProgramSuffix); err != nil {
		return err
	}
	tmp := out + ".godl-link"
	_ = os.Remove(tmp)
	if err := os.Symlink(self, tmp); err != nil {
		_ = os.Rename(out+cellProgramSuffix, out)
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		_ = os.Remove(tmp)
		_ = os.Rename(out+cellProgramSuffix, out)
		return err
	}
	return nil
}

// cellProgram returns the program a cell launcher (argv0, as GoNB started it) runs, "" when
// argv0 is not a cell launcher.
func cellProgram(argv0 string) string {
	if !cellLauncherSupported || !filepath.IsAbs(argv0) || filepath.Base(argv0) == "godl-kernel" {
		return ""
	}
	p := argv0 + cellProgramSuffix
	if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	return p
}
