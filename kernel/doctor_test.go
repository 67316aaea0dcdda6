package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataChecksReportTheLoadersFolders: doctor reports the folder datasets.MNIST and
// datasets.FashionMNIST read, here the override folders, and says where files are missing.
func TestDataChecksReportTheLoadersFolders(t *testing.T) {
	full, empty := t.TempDir(), t.TempDir()
	for _, name := range []string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte"} {
		touch(t, filepath.Join(full, name), 0o644)
	}
	t.Setenv("GODL_MNIST_DIR", full)
	t.Setenv("GODL_FASHION_MNIST_DIR", empty)
	byName := map[string]check{}
	for _, c := range dataChecks() {
		byName[c.Name] = c
	}
	if c := byName["mnist"]; !c.OK || c.Detail != full {
		t.Errorf("mnist with $GODL_MNIST_DIR=%s holding the files: %+v", full, c)
	}
	c := byName["fashion"]
	if c.OK || c.Fatal || !strings.Contains(c.Detail, empty) || !strings.Contains(c.Detail, "GODL_FASHION_MNIST_DIR") || c.Fix == "" {
		t.Errorf("fashion with an empty $GODL_FASHION_MNIST_DIR=%s: %+v, want a warning naming the folder", empty, c)
	}
}

func TestCheckWriteIndentsLongDetails(t *testing.T) {
	var out bytes.Buffer
	check{Name: "mnist", Detail: "first\nsecond", Fix: "do it"}.write(&out)
	want := "WARN mnist        first\n                  second\n                  fix: do it\n"
	if out.String() != want {
		t.Errorf("write:\n%q\nwant\n%q", out.String(), want)
	}
}
