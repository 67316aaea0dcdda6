package viz

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/godl-course/godl/viz/assets"
)

var packedRE = regexp.MustCompile(`var packed = "([A-Za-z0-9+/=]*)";`)

// unpackLoader returns the JavaScript source that the loader script in html unpacks (gunzip of
// base64), or "" when html holds no loader.
func unpackLoader(t *testing.T, html string) string {
	t.Helper()
	m := packedRE.FindStringSubmatch(html)
	if m == nil {
		return ""
	}
	gz, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatalf("the loader's payload is not base64: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatalf("the loader's payload is not gzip: %v", err)
	}
	src, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("the loader's payload does not unpack: %v", err)
	}
	return string(src)
}

func TestEchartsPathAndLoader(t *testing.T) {
	path := fakeEcharts(t)
	got, err := assets.EchartsPath()
	if err != nil || got != path {
		t.Fatalf("assets.EchartsPath() = %q, %v; want %q", got, err, path)
	}
	loader, err := echartsLoader()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loader, "<script>\n") || strings.Count(loader, "</script") != 1 || strings.Contains(loader, "<!--") {
		t.Error("the loader must be one script element, with no </script or <!-- inside")
	}
	if !strings.Contains(loader, "if (window.__godlEcharts || window.__godlEchartsLoading) { return; }") {
		t.Error("the loader does not skip an already loaded library")
	}
	src := unpackLoader(t, loader)
	js, _ := os.ReadFile(path)
	if src != echartsSource(js) || !strings.Contains(src, "if (window.__godlEcharts) { return; }") ||
		!strings.Contains(src, "var define = undefined;") {
		t.Errorf("the loader does not carry the library wrapped in echartsSource: %.200q", src)
	}
	if again, _ := echartsLoader(); again != loader {
		t.Error("the loader is not the same bytes each time")
	}
	if strings.Contains(loader, "http://") || strings.Contains(loader, "https://") || strings.Contains(loader, "eval(") {
		t.Error("the loader refers to the network or uses eval")
	}

	t.Setenv(assets.EchartsEnv, filepath.Join(t.TempDir(), "missing.js"))
	if _, err := assets.EchartsPath(); err == nil || !strings.Contains(err.Error(), "make setup") || !strings.Contains(err.Error(), "missing.js") {
		t.Errorf("missing $%s file: error %v", assets.EchartsEnv, err)
	}
	small := filepath.Join(t.TempDir(), "echarts.min.js")
	if err := os.WriteFile(small, []byte("not it"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(assets.EchartsEnv, small)
	if _, err := echartsLoader(); err == nil || !strings.Contains(err.Error(), "does not look like the echarts library") {
		t.Errorf("wrong file: error %v", err)
	}
}

// TestLoaderWithRealEchartsInNode runs the loader's script, built from the course's echarts bundle
// and from the whole echarts.min.js, in Node (which has atob, Blob, Response and
// DecompressionStream, as browsers do) with an AMD `define` present (as in classic Notebook and
// nbconvert pages): the library must land in window.__godlEcharts, not register an AMD module, and
// not create a global `echarts`; a second copy of the output must keep the first library.
func TestLoaderWithRealEchartsInNode(t *testing.T) {
	t.Setenv(assets.EchartsEnv, "")
	bundle, err := assets.EchartsPath()
	if err != nil {
		t.Skipf("the echarts bundle is not built (run `make setup`): %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	prog := `const vm = require('vm');
const fs = require('fs');
let amdCalls = 0, scripts = 0;
const window = {};
const parent = {appendChild(s) { scripts++; vm.runInContext(s.text, ctx); }, removeChild() {}};
const ctx = {window, define: function(){ amdCalls++; }, console, atob, Blob, Response, DecompressionStream,
  Uint8Array, navigator: {userAgent: 'node'}, document: {createElement: () => ({}), head: parent, documentElement: {style: {}}}};
ctx.define.amd = {};
ctx.globalThis = ctx; ctx.self = ctx;
vm.createContext(ctx);
const src = fs.readFileSync(process.argv[2], 'utf8');
vm.runInContext(src, ctx);
vm.runInContext(src, ctx); // a second view of the output while the first unpacks
const t0 = Date.now();
(function wait() {
  if (!window.__godlEcharts && Date.now() - t0 < 10000) { setTimeout(wait, 10); return; }
  const ec = window.__godlEcharts;
  vm.runInContext(src, ctx); // sent again: must keep the first library
  setTimeout(() => console.log(JSON.stringify({init: typeof (ec && ec.init), version: ec && ec.version, amd: amdCalls,
    global: typeof ctx.echarts, same: window.__godlEcharts === ec, scripts})), 50);
})();
`
	dir := t.TempDir()
	progPath := filepath.Join(dir, "check.js")
	if err := os.WriteFile(progPath, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	libs := map[string]string{"bundle": bundle}
	root := filepath.Join(filepath.Dir(bundle), "..", "..", "..") // node_modules/.cache/godl
	if full := filepath.Join(root, "node_modules", "echarts", "dist", "echarts.min.js"); fileExists(full) {
		libs["echarts.min.js"] = full
	}
	for name, lib := range libs {
		t.Run(name, func(t *testing.T) {
			t.Setenv(assets.EchartsEnv, lib)
			start := time.Now()
			loader, err := echartsLoader()
			if err != nil {
				t.Fatal(err)
			}
			js, _ := os.ReadFile(lib)
			t.Logf("%s: %d bytes, loader %d bytes (%.0f%%), packed in %v", filepath.Base(lib), len(js), len(loader),
				100*float64(len(loader))/float64(len(js)), time.Since(start).Round(time.Millisecond))
			if len(loader) > len(js)/2 {
				t.Errorf("the loader (%d bytes) is not much smaller than the library (%d bytes)", len(loader), len(js))
			}
			script := filepath.Join(dir, name+".js")
			body := strings.TrimSuffix(strings.TrimPrefix(loader, "<script>\n"), "</script>\n")
			if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(node, progPath, script).CombinedOutput()
			if err != nil {
				t.Fatalf("node: %v\n%s", err, out)
			}
			want := `{"init":"function","version":"6.1.0","amd":0,"global":"undefined","same":true,"scripts":1}`
			if strings.TrimSpace(string(out)) != want {
				t.Errorf("node says %s, want %s", out, want)
			}
		})
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
