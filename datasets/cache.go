package datasets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/godl-course/godl/internal/privdir"
)

// EnvCacheDir names the environment variable that sets the cache folder of all data sets.
const EnvCacheDir = "GODL_DATA"

// CacheDir is the folder where data sets are downloaded and extracted: $GODL_DATA when set,
// else <os.UserCacheDir()>/godl/datasets (~/.cache/godl/datasets on Linux), else (neither $HOME
// nor $XDG_CACHE_HOME set) <os.TempDir()>/godl-<uid>/datasets, in a folder of the current user
// created with mode 0700. Each data set has its own sub-folder (cifar-10, gtsrb, ...).
//
// The temporary folder is shared by all users, so another one could create godl-<uid> first and
// put files in it: an existing godl-<uid> that is not a folder of the current user, or that
// other users may write in, is not used. The loaders then refuse to load from the cache with an
// error saying what to do, and CacheDir returns a new private folder of this process instead
// (os.MkdirTemp), so that what is written there (sample data) cannot be tampered with either.
func CacheDir() string {
	d, err := cacheRoot()
	if err == nil {
		return d
	}
	return processCacheDir(d)
}

// cacheRoot returns the cache folder as [CacheDir] finds it, with the error that makes the
// per-user temporary folder unusable.
func cacheRoot() (string, error) {
	if d := os.Getenv(EnvCacheDir); d != "" {
		return d, nil
	}
	if d, err := os.UserCacheDir(); err == nil && d != "" {
		return filepath.Join(d, "godl", "datasets"), nil
	}
	dir, err := privateTempDir()
	return filepath.Join(dir, "datasets"), err
}

// defaultDir returns the folder a loader reads when its options give no Dir: $env when set,
// else the sub-folder sub... of the cache folder, which must then be usable (see [CacheDir]).
func defaultDir(env string, sub ...string) (string, error) {
	if d := os.Getenv(env); d != "" {
		return d, nil
	}
	root, err := cacheRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{root}, sub...)...), nil
}

// privateTempDir returns <os.TempDir()>/godl-<uid> (internal/privdir: created with mode 0700,
// refused when it is a link or another user's, or others may write in it).
func privateTempDir() (string, error) {
	dir, err := privdir.Root()
	var unsafe *privdir.UnsafeError
	switch {
	case errors.As(err, &unsafe):
		return dir, fmt.Errorf("datasets: the data cache folder %s (used because neither $XDG_CACHE_HOME nor $HOME is set) %s: other users may have put files in it, so it is not used; set $%s to a folder of yours (e.g. export %s=$PWD/data) or set $HOME, or remove %s if you trust nothing in it",
			dir, unsafe.Why, EnvCacheDir, EnvCacheDir, dir)
	case err != nil:
		return dir, fmt.Errorf("datasets: %v; set $%s to a folder of yours (e.g. export %s=$PWD/data)", err, EnvCacheDir, EnvCacheDir)
	}
	return dir, nil
}

var processCache struct {
	sync.Mutex
	dir string
}

// processCacheDir returns a private folder of this process (os.MkdirTemp, mode 0700), made on
// the first call; unsafe, the unusable cache folder, is returned only if none can be made.
func processCacheDir(unsafe string) string {
	processCache.Lock()
	defer processCache.Unlock()
	if processCache.dir == "" {
		tmp, err := os.MkdirTemp("", "godl-datasets-")
		if err != nil {
			return unsafe
		}
		processCache.dir = filepath.Join(tmp, "datasets")
	}
	return processCache.dir
}

// fileExists reports whether path is an existing regular file.
func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// dirExists reports whether path is an existing folder.
func dirExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
