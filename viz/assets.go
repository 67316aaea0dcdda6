package viz

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/godl-course/godl/viz/assets"
)

var (
	echartsMu     sync.Mutex
	echartsJS     []byte
	echartsFrom   string
	echartsLoaded string // echartsLoader's result for echartsFrom
)

// echartsScript returns the content of the echarts library (read once per process): the course's
// bundle, or the file $GODL_ECHARTS_JS names.
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
		return nil, fmt.Errorf("viz: reading the echarts library %s: %w; run `make setup` to rebuild it", path, err)
	}
	if !bytes.Contains(js, []byte("echarts")) || len(js) < 100_000 {
		return nil, fmt.Errorf("viz: %s (%d bytes) does not look like the echarts library; run `make setup` to rebuild it", path, len(js))
	}
	echartsJS, echartsFrom, echartsLoaded = js, path, ""
	return js, nil
}

// echartsLoader returns a <script> element that defines window.__godlEcharts from the echarts
// library, unless the page already has it (or is unpacking it).
//
// The library travels gzip-compressed and base64-encoded (about a third of its size: every
// executed notebook carries it once) and is unpacked in the page by DecompressionStream
// (Chromium 80+, Firefox 113+, Safari 16.4+; without it the charts keep their static pictures),
// then run as a script element appended to the page: the same permission as the outputs' own
// inline scripts, no eval.
//
// The unpacked source (echartsSource) runs the library with local `exports`, `module` and
// `define`: echarts.min.js's UMD header first looks for CommonJS `exports`/`module`, then for AMD
// `define`, then writes `globalThis.echarts`; the course's bundle is CommonJS. So no AMD module
// is registered (classic Notebook and nbconvert pages have `define`) and no global is needed (VS
// Code may delete `window.echarts`); the library object is kept in window.__godlEcharts.
func echartsLoader() (string, error) {
	js, err := echartsScript()
	if err != nil {
		return "", err
	}
	echartsMu.Lock()
	defer echartsMu.Unlock()
	if echartsLoaded != "" && bytes.Equal(js, echartsJS) {
		return echartsLoaded, nil
	}
	packed, err := gzipBase64(echartsSource(js))
	if err != nil {
		return "", err
	}
	loader := fmt.Sprintf(loaderScript, packed)
	if bytes.Equal(js, echartsJS) {
		echartsLoaded = loader
	}
	return loader, nil
}

// echartsSource wraps the library so that it runs with local CommonJS `exports` and `module`
// (see echartsLoader) and keeps its API in window.__godlEcharts.
func echartsSource(js []byte) string {
	var b strings.Builder
	b.Grow(len(js) + 256)
	b.WriteString("(function(){\nif (window.__godlEcharts) { return; }\nvar exports = {}; var module = {exports: exports}; var define = undefined;\n")
	b.Write(js)
	b.WriteString("\n;window.__godlEcharts = module.exports.init ? module.exports : exports;\n})();\n")
	return b.String()
}

// gzipBase64 compresses s (best compression; no name, no time: the same bytes every time) and
// encodes it in standard base64, which needs no escaping in HTML, JSON or JavaScript.
func gzipBase64(s string) (string, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := zw.Write([]byte(s)); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// loaderScript unpacks the library (%s: gzip, base64) and runs it once per page. A failure
// leaves the static pictures in place and says so on the console, as a warning.
const loaderScript = `<script>
(function(){
if (window.__godlEcharts || window.__godlEchartsLoading) { return; }
if (typeof DecompressionStream !== 'function' || typeof Response !== 'function') {
  console.warn('godl: this browser has no DecompressionStream: the charts stay static pictures');
  return;
}
window.__godlEchartsLoading = true;
var packed = "%s";
var bin = atob(packed), bytes = new Uint8Array(bin.length);
for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(function(src) {
  var s = document.createElement('script'), parent = document.head || document.documentElement;
  s.text = src;
  parent.appendChild(s);
  parent.removeChild(s);
}).catch(function(e) {
  window.__godlEchartsLoading = false;
  console.warn('godl: could not unpack the echarts library (the charts stay static pictures): ' + e);
});
})();
</script>
`
