//go:build linux

package datasets

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// limitAddressSpace lowers the soft RLIMIT_AS of this process to its current virtual size plus
// extra bytes, so that a huge allocation fails ("fatal error: out of memory") instead of taking
// the machine's memory; the returned function restores the previous limit.
func limitAddressSpace(tb testing.TB, extra uint64) (restore func()) {
	tb.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &old); err != nil {
		tb.Skipf("getrlimit: %v", err)
	}
	vm, err := virtualSize()
	if err != nil {
		tb.Skipf("virtual size of the process: %v", err)
	}
	lim := old
	lim.Cur = min(vm+extra, old.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
		tb.Skipf("setrlimit: %v", err)
	}
	return func() { syscall.Setrlimit(syscall.RLIMIT_AS, &old) }
}

// virtualSize returns the VmSize of this process, in bytes.
func virtualSize() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmSize:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, os.ErrNotExist
}
