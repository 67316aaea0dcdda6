package main

import (
	"os"
	"testing"

	"github.com/godl-course/godl/viz/assets"
)

// TestEchartsJSIsWhereVizLooks checks that the file the kernel names in GODL_ECHARTS_JS (and
// doctor checks) is the one viz finds by itself, without GODL_ECHARTS_JS (package viz/assets,
// which viz uses and the kernel links without nn and GoMLX).
func TestEchartsJSIsWhereVizLooks(t *testing.T) {
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	want := assets.EchartsFile(root)
	if st, err := os.Stat(want); err != nil || st.IsDir() {
		t.Skipf("%s is not installed (npm ci)", want)
	}
	t.Setenv(assets.EchartsEnv, "")
	got, err := assets.EchartsPath()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("viz finds echarts at %q, but the kernel sets GODL_ECHARTS_JS=%s", got, want)
	}
}
