package datasets

import (
	"os"
	"path/filepath"
)

// EnvCacheDir names the environment variable that sets the cache folder of all data sets.
const EnvCacheDir = "GODL_DATA"

// CacheDir is the folder where data sets are downloaded and extracted: $GODL_DATA when set,
// else <os.UserCacheDir()>/godl/datasets (~/.cache/godl/datasets on Linux), else
// <os.TempDir()>/godl-datasets. Each data set has its own sub-folder (cifar-10, gtsrb, ...).
func CacheDir() string {
	if d := os.Getenv(EnvCacheDir); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil && d != "" {
		return filepath.Join(d, "godl", "datasets")
	}
	return filepath.Join(os.TempDir(), "godl-datasets")
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
