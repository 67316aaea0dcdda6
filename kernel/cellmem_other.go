//go:build !linux

package main

// cellLauncherSupported: the watchdog reads /proc, which only Linux has; elsewhere cells run as
// GoNB starts them.
const cellLauncherSupported = false

func runCell(program string, args []string) int { return 1 }
