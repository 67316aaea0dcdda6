package datasets

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// decodedFiles lists the decoded-cache files (and anything else) in the cache folder of the test.
func decodedFiles(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, "decoded"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// fromSources loads MNIST without the decoded cache: the reference every cached load must equal.
func fromSources(t *testing.T) (train, test *Dataset) {
	t.Helper()
	t.Setenv(EnvDecodedCache, "off")
	train, test, err := MNIST()
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	t.Setenv(EnvDecodedCache, "")
	return train, test
}

func sameDataset(t *testing.T, what string, got, want *Dataset) {
	t.Helper()
	if got.Name != want.Name || !slices.Equal(got.Shape, want.Shape) || !slices.Equal(got.Classes, want.Classes) ||
		!slices.Equal(got.Labels, want.Labels) || len(got.X) != len(want.X) {
		t.Fatalf("%s: %s %v %d labels %d values, want %s %v %d labels %d values", what, got.Name, got.Shape, len(got.Labels), len(got.X),
			want.Name, want.Shape, len(want.Labels), len(want.X))
	}
	for i := range want.X {
		if math.Float32bits(got.X[i]) != math.Float32bits(want.X[i]) {
			t.Fatalf("%s: X[%d] = %v, want %v", what, i, got.X[i], want.X[i])
		}
	}
}

func TestDecodedCacheGivesBackTheSameData(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvCacheDir, root)
	t.Setenv(EnvRunLog, "")
	refTrain, refTest := fromSources(t)
	if files := decodedFiles(t, root); len(files) != 0 {
		t.Fatalf("GODL_DECODED_CACHE=off wrote %v", files)
	}

	// First load: from the sources, writes one file (no temporary file left).
	train, test, err := MNIST()
	if err != nil {
		t.Fatal(err)
	}
	if train.origin != nil {
		t.Error("first load came from a cache that did not exist")
	}
	files := decodedFiles(t, root)
	if len(files) != 1 || !strings.HasPrefix(files[0], "mnist-v") || !strings.HasSuffix(files[0], ".bin") {
		t.Fatalf("cache folder holds %v, want one mnist-v*.bin", files)
	}
	sameDataset(t, "first load", train, refTrain)

	// Second load: from the file, identical to the sources' values.
	train, test, err = MNIST()
	if err != nil {
		t.Fatal(err)
	}
	if train.origin == nil || test.origin == nil {
		t.Fatal("second load did not come from the decoded cache")
	}
	sameDataset(t, "cached train", train, refTrain)
	sameDataset(t, "cached test", test, refTest)

	// Copy-on-write: changing X in memory changes neither the file nor the next load.
	train.X[0], train.Labels[0] = 42, 7
	train2, _, err := MNIST()
	if err != nil {
		t.Fatal(err)
	}
	if train2.X[0] != refTrain.X[0] || train2.Labels[0] != refTrain.Labels[0] || train2.origin == nil {
		t.Errorf("a change in memory reached the file: X[0] = %v, want %v", train2.X[0], refTrain.X[0])
	}
}

func TestDecodedCacheRejectsDamagedFiles(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvCacheDir, root)
	t.Setenv(EnvRunLog, "")
	refTrain, _ := fromSources(t)
	if _, _, err := MNIST(); err != nil { // writes the file
		t.Fatal(err)
	}
	path := filepath.Join(root, "decoded", decodedFiles(t, root)[0])
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := fileHeader(t, good)
	for _, c := range []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"one value changed", func(b []byte) []byte { b[h.Sets[0].XOff+4*1000+2] ^= 0x40; return b }},
		{"one label changed", func(b []byte) []byte { b[h.Sets[1].LabelsOff+200] ^= 1; return b }},
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }},
		{"another file's header", func(b []byte) []byte { return []byte(strings.Replace(string(b), `"key":"`, `"key":"0`, 1)) }},
		{"not a cache file", func([]byte) []byte { return []byte("hello") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(path, c.damage(slices.Clone(good)), 0o600); err != nil {
				t.Fatal(err)
			}
			train, _, err := MNIST()
			if err != nil {
				t.Fatal(err)
			}
			if train.origin != nil {
				t.Fatal("a damaged file was used")
			}
			sameDataset(t, "load after damage", train, refTrain)
			// Replaced by a valid file: the same but for the header's creation time.
			again, _ := os.ReadFile(path)
			if len(again) != len(good) || !reflect.DeepEqual(fileHeader(t, again).Sets, h.Sets) ||
				!slices.Equal(again[h.Sets[0].LabelsOff:], good[h.Sets[0].LabelsOff:]) {
				t.Error("the damaged file was not replaced by a valid one")
			}
		})
	}
}

func fileHeader(t *testing.T, b []byte) decodedHeader {
	t.Helper()
	var h decodedHeader
	if err := json.Unmarshal(b[12:12+binary.LittleEndian.Uint32(b[8:12])], &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestNormalizeFromTheDecodedCache(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvCacheDir, root)
	t.Setenv(EnvRunLog, "")
	refTrain, refTest := fromSources(t)
	refNorm, err := Normalize(refTrain, refTest) // the usual computation, on heap copies
	if err != nil {
		t.Fatal(err)
	}
	// Independent check of μ: the mean of all training pixels, summed in float64 here.
	var sum float64
	for _, v := range refTrain.Pixels(refTrain.Len()).X {
		sum += float64(v)
	}
	if mu := sum / float64(len(refTrain.X)); math.Abs(mu-float64(refNorm.Mean[0])) > 1e-6 {
		t.Fatalf("reference μ = %v, direct mean %v", refNorm.Mean[0], mu)
	}

	if _, _, err := MNIST(); err != nil { // raw file
		t.Fatal(err)
	}
	for i, want := range []int{2, 2} { // first: computed, then written; second: from the file
		train, test, err := MNIST()
		if err != nil {
			t.Fatal(err)
		}
		n, err := Normalize(train, test)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(n.Mean, refNorm.Mean) || !slices.Equal(n.Std, refNorm.Std) ||
			!slices.Equal(train.Norm.Mean, refNorm.Mean) || !slices.Equal(test.Norm.Std, refNorm.Std) {
			t.Fatalf("run %d: normalization %v %v, want %v %v", i, n.Mean, n.Std, refNorm.Mean, refNorm.Std)
		}
		sameDataset(t, "normalized train", train, refTrain)
		sameDataset(t, "normalized test", test, refTest)
		if files := decodedFiles(t, root); len(files) != want {
			t.Fatalf("run %d: cache holds %v, want %d files", i, files, want)
		}
		if _, err := Normalize(train, test); err == nil {
			t.Fatal("normalizing twice is not refused")
		}
	}

	// The second run took the normalized file: a valid file with other values is what it gives.
	nfile := ""
	for _, f := range decodedFiles(t, root) {
		if b, _ := os.ReadFile(filepath.Join(root, "decoded", f)); fileHeader(t, b).Norm != nil {
			nfile = f
		}
	}
	train, test, _ := MNIST()
	fake := []*Dataset{{Name: train.Name, Shape: train.Shape, Labels: train.Labels, X: make([]float32, len(train.X))},
		{Name: test.Name, Shape: test.Shape, Labels: test.Labels, X: make([]float32, len(test.X))}}
	if err := mnistSet.writeDecoded(mnistSet.normalizedKey([]string{"mnist-train", "mnist-test"}), fake, &Normalization{Mean: []float32{0.5}, Std: []float32{2}}); err != nil {
		t.Fatal(err)
	}
	if files := decodedFiles(t, root); !slices.Contains(files, nfile) || len(files) != 2 {
		t.Fatalf("the normalized file is not %s: %v", nfile, files)
	}
	n, err := Normalize(train, test)
	if err != nil || n.Mean[0] != 0.5 || n.Std[0] != 2 || train.X[300] != 0 || test.X[300] != 0 {
		t.Fatalf("Normalize did not take the normalized file: %v %v", n, err)
	}
	if err := os.Remove(filepath.Join(root, "decoded", nfile)); err != nil {
		t.Fatal(err)
	}

	// A set changed after loading is not the cached one: normalized from its own values.
	train, test, err = MNIST()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 784 {
		train.X[i] = 1
	}
	want := ComputeNormalization(&Dataset{Shape: train.Shape, X: slices.Clone(train.X)})
	n, err = Normalize(train, test)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(n.Mean, want.Mean) || !slices.Equal(n.Std, want.Std) || slices.Equal(n.Mean, refNorm.Mean) {
		t.Errorf("a changed training set got μ %v σ %v, want %v %v", n.Mean, n.Std, want.Mean, want.Std)
	}
	// Sets in another order are another file (μ, σ come from the first set).
	train, test, _ = MNIST()
	n, err = Normalize(test, train)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(n.Mean, refNorm.Mean) {
		t.Error("Normalize(test, train) used the training set's statistics")
	}
	if files := decodedFiles(t, root); len(files) != 2 {
		t.Errorf("cache holds %v, want 2 files (raw, Normalize(test, train))", files)
	}

	// readonly: used, never written.
	if err := os.RemoveAll(filepath.Join(root, "decoded")); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvDecodedCache, "readonly")
	if _, _, err := MNIST(); err != nil {
		t.Fatal(err)
	}
	if files := decodedFiles(t, root); len(files) != 0 {
		t.Errorf("readonly wrote %v", files)
	}
}

func TestComputeNormalizationChannels(t *testing.T) {
	// Two 1×2 images with 3 channels, by hand: channel 0 holds 1, 3, 5, 7 (μ 4, σ √5),
	// channel 1 is constant (σ → 1), channel 2 holds −1, 1, −1, 1 (μ 0, σ 1).
	d := &Dataset{Shape: []int{1, 2, 3}, X: []float32{1, 2, -1, 3, 2, 1, 5, 2, -1, 7, 2, 1}}
	n := ComputeNormalization(d)
	want := Normalization{Mean: []float32{4, 2, 0}, Std: []float32{float32(math.Sqrt(5)), 1, 1}}
	for k := range 3 {
		if math.Abs(float64(n.Mean[k]-want.Mean[k])) > 1e-6 || math.Abs(float64(n.Std[k]-want.Std[k])) > 1e-6 {
			t.Fatalf("channel %d: μ %v σ %v, want %v %v", k, n.Mean[k], n.Std[k], want.Mean[k], want.Std[k])
		}
	}
	// One channel, a length that is no multiple of the unrolling nor of a chunk.
	x := make([]float32, 3*(1<<16)+7)
	var s, s2 float64
	for i := range x {
		x[i] = float32(i%13) * 0.25
		s += float64(x[i])
	}
	mu := s / float64(len(x))
	for _, v := range x {
		s2 += (float64(v) - mu) * (float64(v) - mu)
	}
	n = ComputeNormalization(&Dataset{Shape: []int{len(x)}, X: x})
	if math.Abs(float64(n.Mean[0])-mu) > 1e-6 || math.Abs(float64(n.Std[0])-math.Sqrt(s2/float64(len(x)))) > 1e-6 {
		t.Errorf("μ %v σ %v, want %v %v", n.Mean[0], n.Std[0], mu, math.Sqrt(s2/float64(len(x))))
	}
	n.Apply(x)
	if math.Abs(float64(x[0])-(0-mu)/math.Sqrt(s2/float64(len(x)))) > 1e-5 || math.Abs(float64(x[len(x)-1])-(float64(((len(x)-1)%13))*0.25-mu)/math.Sqrt(s2/float64(len(x)))) > 1e-5 {
		t.Errorf("Apply: x[0] = %v, x[last] = %v", x[0], x[len(x)-1])
	}
}
