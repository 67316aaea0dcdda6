//go:build !linux

package main

import (
	"os"
	"syscall"
)

// goplsShim becomes the real gopls (the parent-death signal that the Linux version sets has
// no portable equivalent).
func goplsShim(args []string) int {
	real, err := siblingTool("gopls")
	if err != nil {
		return 2
	}
	_ = syscall.Exec(real, append([]string{real}, args...), os.Environ())
	return 2
}
