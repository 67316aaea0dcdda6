package viz

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// EchartsEnv names the environment variable holding the absolute path of echarts.min.js.
// The course kernel sets it; it is looked at before any other place.
const EchartsEnv = "GODL_ECHARTS_JS"

// echartsRelPath is where `npm ci` at the module root puts the library.
var echartsRelPath = filepath.Join("node_modules", "echarts", "dist", "echarts.min.js")

// EchartsPath returns the path of echarts.min.js: $GODL_ECHARTS_JS when set, else
// node_modules/echarts/dist/echarts.min.js in the first folder above this package's source or
// above the working directory that has it. The error says what to run when it is not found.
func EchartsPath() (string, error) {
	if p := os.Getenv(EchartsEnv); p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return "", fmt.Errorf("viz: $%s=%q is not a readable echarts.min.js file; run `make setup` at the repository root (it runs `npm ci`), or unset %s", EchartsEnv, p, EchartsEnv)
		}
		return p, nil
	}
	var starts []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, dir := range starts {
		for {
			p := filepath.Join(dir, echartsRelPath)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", fmt.Errorf("viz: the echarts library (%s) was not found above %s, and $%s is not set: run `make setup` at the repository root (it runs `npm ci` to install echarts from package.json)",
		echartsRelPath, strings.Join(starts, " or "), EchartsEnv)
}

var (
	echartsMu   sync.Mutex
	echartsJS   []byte
	echartsFrom string
)

// echartsScript returns the content of echarts.min.js (read once per process).
func echartsScript() ([]byte, error) {
	path, err := EchartsPath()
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
