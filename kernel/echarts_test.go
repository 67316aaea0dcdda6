package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// TestEchartsCheck: doctor names the fix when the echarts package or the course's bundle is
// missing, or when the bundle is older than its list.
func TestEchartsCheck(t *testing.T) {
	root := t.TempDir()
	write := func(rel, content string) string {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	expect := func(what string, ok bool, detail, fix string) {
		t.Helper()
		c := echartsCheck(root)
		if c.OK != ok || c.Fatal || !strings.Contains(c.Detail, detail) || !strings.Contains(c.Fix, fix) {
			t.Errorf("%s: got %+v, want OK=%v, detail with %q, fix with %q", what, c, ok, detail, fix)
		}
	}
	expect("nothing installed", false, "echarts is not installed", "npm ci && node scripts/echarts-bundle.mjs")
	write("node_modules/echarts/package.json", `{"version": "6.1.0"}`)
	expect("no bundle", false, "echarts.custom.min.js is missing", "make setup (or: node scripts/echarts-bundle.mjs)")
	list := write(assets.EchartsListRelPath, "{}")
	write(assets.EchartsScriptRelPath, "//")
	bundle := write("node_modules/.cache/godl/echarts.custom.min.js", "/*! godl echarts bundle */")
	if bundle != assets.EchartsFile(root) {
		t.Fatalf("the bundle is at %s, not %s", assets.EchartsFile(root), bundle)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(bundle, old, old); err != nil {
		t.Fatal(err)
	}
	expect("stale bundle", false, "is older than "+assets.EchartsListRelPath, "node scripts/echarts-bundle.mjs")
	if err := os.Chtimes(list, old.Add(-time.Hour), old.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(root, assets.EchartsScriptRelPath), old, old); err != nil {
		t.Fatal(err)
	}
	expect("bundle up to date", true, bundle, "")
}
