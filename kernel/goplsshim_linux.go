package main

import (
	"fmt"
	"os"
	"syscall"
)

// goplsShim runs as `gopls` (a link in <root>/.bin/shim, first on GoNB's PATH): it asks the
// kernel to send it SIGTERM when its parent, GoNB, dies, then becomes the real gopls. GoNB
// stops gopls when it shuts down cleanly, but a kernel that is killed (a forced restart, a
// crashed server) would otherwise leave one gopls process behind each time.
//
// GoNB v0.11.5 starts gopls with Setpgid (internal/goexec/goplsclient/exec_unix.go) as a
// `gopls -listen` daemon without idle timeout, so Jupyter's SIGKILL to the kernel's process group
// misses it. Canary: test_canary_gonb_gopls_outlives_a_killed_gonb (kernel/tests/test_canary.py);
// when it fails, delete goplsShim, goplsshim_other.go, the gopls link in installShim and the
// "gopls" case in main.go.
func goplsShim(args []string) int {
	real, err := siblingTool("gopls")
	if err != nil {
		fmt.Fprintf(os.Stderr, "gopls shim: %v\n", err)
		return 2
	}
	const prSetPdeathsig = 1
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetPdeathsig, uintptr(syscall.SIGTERM), 0); errno != 0 {
		fmt.Fprintf(os.Stderr, "gopls shim: prctl: %v\n", errno)
	}
	err = syscall.Exec(real, append([]string{real}, args...), os.Environ())
	fmt.Fprintf(os.Stderr, "gopls shim: running %s: %v\n", real, err)
	return 2
}
