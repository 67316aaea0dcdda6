package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestMNISTOffline loads MNIST from the Go module cache (no network is used: the GoMNIST module
// is a dependency of this package) and checks the counts, the checksums (verified inside MNIST)
// and values known from the original data set.
func TestMNISTOffline(t *testing.T) {
	t.Setenv(EnvMNISTDir, "")
	t0 := time.Now()
	train, test, err := MNIST()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("MNIST loaded in %v: %v / %v", time.Since(t0), train, test)
	if train.Len() != 60000 || test.Len() != 10000 {
		t.Fatalf("got %d train and %d test examples, want 60000 and 10000", train.Len(), test.Len())
	}
	if err := train.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := train.Shape; len(got) != 3 || got[0] != 28 || got[1] != 28 || got[2] != 1 {
		t.Fatalf("Shape = %v, want [28 28 1]", got)
	}
	// The first training digit is a 5, the first test digit a 7 (LeCun's files).
	if train.Labels[0] != 5 || test.Labels[0] != 7 {
		t.Errorf("first labels %d, %d; want 5, 7", train.Labels[0], test.Labels[0])
	}
	// Class counts of the training set as published: 5923 zeros ... 5949 nines.
	want := []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}
	got := make([]int, 10)
	for _, l := range train.Labels {
		got[l]++
	}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("class %d: %d examples, want %d", k, got[k], want[k])
		}
	}
	// Pixels are byte/255: min 0, max 1, and the mean of the training set is 0.1307 (the value
	// every MNIST tutorial normalizes with), σ = 0.3081.
	n := ComputeNormalization(train)
	if d := n.Mean[0] - 0.1307; d > 1e-4 || d < -1e-4 {
		t.Errorf("training mean %v, want 0.1307", n.Mean[0])
	}
	if d := n.Std[0] - 0.3081; d > 1e-4 || d < -1e-4 {
		t.Errorf("training σ %v, want 0.3081", n.Std[0])
	}
}

// TestMNISTChecksums checks the files in the module cache against the SHA-256 of the gzip files
// published with the original data set.
func TestMNISTChecksums(t *testing.T) {
	var dir string
	for _, d := range mnistDirs() {
		if mnistSet.hasIDXFiles(d) {
			dir = d
			break
		}
	}
	if dir == "" {
		t.Fatalf("GoMNIST data not found in the module caches %v", moduleCaches())
	}
	for _, f := range mnistSet.files {
		got, err := SHA256File(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		if got != f.fileSHA256 {
			t.Errorf("%s: SHA-256 %s, want %s", f.name, got, f.fileSHA256)
		}
	}
}

func TestMNISTOverrideDir(t *testing.T) {
	dir := t.TempDir()
	// A folder with small files in the real format is used instead of the module.
	writeIDXSet(t, dir, 5, 3)
	t.Setenv(EnvMNISTDir, dir)
	_, _, err := MNIST()
	// The content checksums of the real MNIST do not match the small files.
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("MNIST with a folder of other files: err = %v, want a checksum FormatError", err)
	}
	// An override folder without the files says which files to put where.
	empty := t.TempDir()
	t.Setenv(EnvMNISTDir, empty)
	_, _, err = MNIST()
	var me *MissingDataError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v, want MissingDataError", err)
	}
	t.Log(err)
}

// TestFashionMNIST runs where the Debian package dataset-fashion-mnist is installed.
func TestFashionMNIST(t *testing.T) {
	if _, err := os.Stat(filepath.Join(FashionMNISTSystemDir, "train-images-idx3-ubyte.gz")); err != nil {
		t.Skipf("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist): %v", err)
	}
	t.Setenv(EnvFashionMNISTDir, "")
	train, test, err := FashionMNIST()
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 60000 || test.Len() != 10000 || len(train.Classes) != 10 {
		t.Fatalf("got %v / %v", train, test)
	}
	// Fashion-MNIST is balanced: 6000 training and 1000 test images per class.
	counts := make([]int, 10)
	for _, l := range test.Labels {
		counts[l]++
	}
	for k, c := range counts {
		if c != 1000 {
			t.Errorf("test class %d (%s): %d images, want 1000", k, test.Classes[k], c)
		}
	}
	// The first training image is an ankle boot (label 9), the first test image too.
	if train.Labels[0] != 9 || test.Labels[0] != 9 {
		t.Errorf("first labels %d, %d; want 9 (Ankle boot)", train.Labels[0], test.Labels[0])
	}
}
