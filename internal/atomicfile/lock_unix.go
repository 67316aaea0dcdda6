//go:build unix && !solaris && !aix

package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// dirLock is a writer's lock on a versioned folder.
type dirLock struct {
	f         *os.File
	exclusive bool // excludes the writers of every process (not only of this one)
}

// lockDir takes the exclusive flock of dir/.lock, waiting at most timeout. The lock goes with
// the process: a killed writer leaves no stale lock behind.
func lockDir(dir string, timeout time.Duration) (*dirLock, error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot lock %s: %w", dir, err)
	}
	// A blocking flock (the kernel wakes the waiters as soon as the lock is free: writers take
	// turns) in a goroutine, so that a writer stuck elsewhere makes this one fail after timeout
	// rather than hang the cell; that goroutine then releases the lock when it gets it.
	done := make(chan error, 1)
	go func() {
		for {
			err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
			if !errors.Is(err, syscall.EINTR) {
				done <- err
				return
			}
		}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("cannot lock %s: %w", path, err)
		}
		return &dirLock{f: f, exclusive: true}, nil
	case <-timer.C:
		go func() {
			if err := <-done; err == nil {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			}
			_ = f.Close()
		}()
		return nil, fmt.Errorf("%s: another program has been saving into this folder for more than %v (it holds the lock %s): wait for it to finish, or stop it (e.g. restart the other notebook's kernel)",
			dir, timeout, path)
	}
}

func (l *dirLock) unlock() {
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	_ = l.f.Close()
}
