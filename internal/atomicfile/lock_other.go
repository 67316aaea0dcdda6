//go:build !unix || solaris || aix

package atomicfile

import (
	"fmt"
	"sync"
	"time"
)

// dirLock is a writer's lock on a versioned folder. Without flock it only excludes the
// writers of this process (Windows, Solaris, AIX); temporary folders are then removed only
// once older than StaleAfter.
type dirLock struct {
	mu        *sync.Mutex
	exclusive bool
}

var (
	locksMu sync.Mutex
	locks   = map[string]*sync.Mutex{}
)

func lockDir(dir string, timeout time.Duration) (*dirLock, error) {
	locksMu.Lock()
	mu := locks[dir]
	if mu == nil {
		mu = &sync.Mutex{}
		locks[dir] = mu
	}
	locksMu.Unlock()
	deadline := time.Now().Add(timeout)
	for !mu.TryLock() {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s: another save into this folder has been running for more than %v: wait for it to finish", dir, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return &dirLock{mu: mu}, nil
}

func (l *dirLock) unlock() { l.mu.Unlock() }
