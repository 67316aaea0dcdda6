//go:build !linux

package main

import (
	"os"
	"path/filepath"
	"syscall"
)

// goplsShim becomes the real gopls (the parent-death signal that the Linux version sets has
// no portable equivalent).
func goplsShim(args []string) int {
	self, err := os.Executable()
	if err != nil {
		return 2
	}
	real := filepath.Join(filepath.Dir(self), "gopls")
	_ = syscall.Exec(real, append([]string{real}, args...), os.Environ())
	return 2
}
