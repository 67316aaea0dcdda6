package viz

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/godl-course/godl/viz/assets"
)

var (
	echartsMu   sync.Mutex
	echartsJS   []byte
	echartsFrom string
)

// echartsScript returns the content of echarts.min.js (read once per process).
func echartsScript() ([]byte, error) {
	path, err := assets.EchartsPath()
	if err != nil {
		return nil, err
	}
	echartsMu.Lock()
	defer echartsMu.Unlock()
	if echartsJS != nil && echartsFrom == path {
		return echartsJS, nil
	}
	js, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("viz: reading the echarts library %s: %w; run `make setup` to reinstall it", path, err)
	}
	if !bytes.Contains(js, []byte("echarts")) || len(js) < 100_000 {
		return nil, fmt.Errorf("viz: %s (%d bytes) does not look like echarts.min.js; run `make setup` to reinstall it", path, len(js))
	}
	echartsJS, echartsFrom = js, path
	return js, nil
}

// echartsLoader returns a <script> element that defines window.__godlEcharts from the echarts
// library, unless the page already has it.
//
// The UMD header of echarts.min.js first looks for CommonJS `exports`/`module`, then for AMD
// `define`, then writes `globalThis.echarts`. Local `exports` and `module` make it take the
// first branch in every front-end: no AMD module is registered (classic Notebook and nbconvert
// pages have `define`), no global is needed (VS Code may delete `window.echarts`); the library
// object is kept in window.__godlEcharts.
func echartsLoader() (string, error) {
	js, err := echartsScript()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(js) + 512)
	b.WriteString("<script>\n(function(){\nif (window.__godlEcharts) { return; }\nvar exports = {}; var module = {exports: exports}; var define = undefined;\n")
	b.WriteString(escapeScript(string(js)))
	b.WriteString("\n;window.__godlEcharts = module.exports.init ? module.exports : exports;\n})();\n</script>\n")
	return b.String(), nil
}

// escapeScript makes JavaScript source safe to place inside an HTML <script> element.
func escapeScript(js string) string {
	js = strings.ReplaceAll(js, "</script", `<\/script`)
	js = strings.ReplaceAll(js, "</SCRIPT", `<\/SCRIPT`)
	return strings.ReplaceAll(js, "<!--", `<\!--`)
}
