package viz

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godl-course/godl/viz/assets"
)

// decodePNG decodes b and checks its size.
func decodePNG(t *testing.T, b []byte, w, h int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if got := img.Bounds().Size(); got.X != w || got.Y != h {
		t.Fatalf("PNG is %dx%d pixels, want %dx%d", got.X, got.Y, w, h)
	}
	return img
}

// countNear counts the pixels of img within tol (per channel, 0-255) of c.
func countNear(img image.Image, c color.NRGBA, tol int) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if abs(int(p.R)-int(c.R)) <= tol && abs(int(p.G)-int(c.G)) <= tol && abs(int(p.B)-int(c.B)) <= tol {
				n++
			}
		}
	}
	return n
}

// nonWhite counts the pixels that are not (almost) white.
func nonWhite(img image.Image) int {
	return img.Bounds().Dx()*img.Bounds().Dy() - countNear(img, color.NRGBA{255, 255, 255, 255}, 8)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// optionOf decodes the chart's echarts option.
func optionOf(t *testing.T, c *Chart) map[string]any {
	t.Helper()
	b, err := c.Option()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("option is not JSON: %v\n%s", err, b)
	}
	return m
}

// seriesOf returns option["series"] as a list of objects.
func seriesOf(t *testing.T, opt map[string]any) []map[string]any {
	t.Helper()
	raw, ok := opt["series"].([]any)
	if !ok {
		t.Fatalf("option has no series list: %v", opt["series"])
	}
	out := make([]map[string]any, len(raw))
	for i, s := range raw {
		out[i] = s.(map[string]any)
	}
	return out
}

// pointsOf returns the [x, y] pairs of a line series.
func pointsOf(t *testing.T, s map[string]any) [][2]float64 {
	t.Helper()
	var out [][2]float64
	for _, d := range s["data"].([]any) {
		v := d.(map[string]any)["value"].([]any)
		out = append(out, [2]float64{v[0].(float64), v[1].(float64)})
	}
	return out
}

// fakeEcharts writes a stand-in for echarts.min.js (same UMD header, > 100 kB) and points
// $GODL_ECHARTS_JS at it.
func fakeEcharts(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "echarts.min.js")
	js := `!function(t,e){"object"==typeof exports&&"undefined"!=typeof module?e(exports):"function"==typeof define&&define.amd?define(["exports"],e):e((t="undefined"!=typeof globalThis?globalThis:t||self).echarts={})}(this,function(t){t.init=function(){return {setOption:function(){}}};t.version="fake";var s="</script><!--";` +
		"/*" + strings.Repeat("echarts padding ", 8000) + "*/});"
	if err := os.WriteFile(path, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(assets.EchartsEnv, path)
	return path
}
