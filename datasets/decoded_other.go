//go:build !unix

package datasets

import "os"

// mapFile reads the file at path (no mmap on this system: a copy in memory).
func mapFile(path string) ([]byte, error) { return os.ReadFile(path) }

func unmapFile([]byte) {}
