//go:build unix

package datasets

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps the file at path into memory, copy-on-write: writes go to the process's own
// pages, never to the file. The mapping stays for the life of the process (the data sets' X
// point into it).
func mapFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	if size <= 0 || size != int64(int(size)) {
		return nil, fmt.Errorf("%s: size %d cannot be mapped", path, size)
	}
	return syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
}

func unmapFile(data []byte) { _ = syscall.Munmap(data) }
