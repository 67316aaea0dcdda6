package viz

import (
	"math"
	"strings"
	"testing"
)

func TestTrajectoriesSurfaceAndPaths(t *testing.T) {
	bowl := func(x, y float64) float64 { return x*x + y*y }
	path := Series{Name: "SGD", X: []float64{0.8, 0.4, 0.2, 0.1}, Y: []float64{-0.6, -0.3, -0.15, -0.075}}
	c, err := TrajectoriesChart(bowl, []Series{path}, Range(-1, 1, -1, 1))
	if err != nil {
		t.Fatal(err)
	}
	surf, err := sampleSurface(bowl, surfaceGrid, -1, 1, -1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(surf.levels) != surfaceLevels {
		t.Fatalf("%d levels, want %d", len(surf.levels), surfaceLevels)
	}
	// Level lines of x²+y²: every point within the interpolation error (h²/4·f″ = 3·10⁻⁴ for the
	// grid step h = 2/80) of its level; levels of radius < 0.95 are single closed circles.
	lines := surf.contours()
	closed := 0
	for _, line := range lines {
		f0 := bowl(line[0].X, line[0].Y)
		for _, p := range line {
			if math.Abs(bowl(p.X, p.Y)-f0) > 1e-3 {
				t.Fatalf("contour point (%g, %g): f = %g, but the line starts at level %g", p.X, p.Y, bowl(p.X, p.Y), f0)
			}
		}
		if line[0] == line[len(line)-1] && len(line) > 20 {
			closed++
		}
	}
	inner := 0
	for _, l := range surf.levels {
		if math.Sqrt(l) < 0.95 {
			inner++
		}
	}
	if closed < inner {
		t.Errorf("%d closed level lines, want the %d circles inside the window", closed, inner)
	}
	// The minimum is in the lowest band, the corners in the highest.
	n := surf.n
	if b := surf.band[(n/2)*n+n/2]; b != 0 {
		t.Errorf("centre in band %d, want 0", b)
	}
	if b := surf.band[0]; b != len(surf.levels) {
		t.Errorf("corner in band %d, want %d", b, len(surf.levels))
	}

	series := seriesOf(t, optionOf(t, c))
	last := series[len(series)-1]
	if last["type"] != "line" || last["name"] != "SGD" {
		t.Fatalf("last series %v %v, want the SGD path", last["type"], last["name"])
	}
	data := last["data"].([]any)
	if len(data) != 4 || data[0].(map[string]any)["symbol"] != "circle" || data[3].(map[string]any)["symbol"] != "diamond" {
		t.Errorf("path data %v, want 4 points from a circle to a diamond", data)
	}
	if v := data[1].(map[string]any)["value"].([]any); v[0].(float64) != 0.4 || v[1].(float64) != -0.3 {
		t.Errorf("second point %v, want (0.4, -0.3)", v)
	}
	cells := 0
	for _, s := range series {
		if s["type"] == "scatter" {
			cells += len(s["data"].([]any))
		}
	}
	if cells != n*n {
		t.Errorf("%d surface cells, want %d", cells, n*n)
	}

	png, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, png, c.Width, c.Height)
	if k := countNear(img, surfaceColors[0], 2); k < 300 {
		t.Errorf("%d pixels of the lowest band's colour, want ≥ 300", k)
	}
	if k := countNear(img, surfaceColors[len(surfaceColors)-1], 2); k < 300 {
		t.Errorf("%d pixels of the highest band's colour, want ≥ 300", k)
	}
	if k := countNear(img, mustHex(palette[0]), 30); k < 100 {
		t.Errorf("%d pixels of the path's colour, want ≥ 100", k)
	}

	// Default window: the paths' extent plus 15%.
	c, err = TrajectoriesChart(bowl, []Series{{Name: "p", X: []float64{0, 1}, Y: []float64{0, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	opt := optionOf(t, c)
	xa, ya := opt["xAxis"].([]any)[0].(map[string]any), opt["yAxis"].([]any)[0].(map[string]any)
	if xa["min"] != -0.15 || xa["max"] != 1.15 || ya["min"] != -0.3 || ya["max"] != 2.3 {
		t.Errorf("window x [%v, %v] y [%v, %v], want [-0.15, 1.15] and [-0.3, 2.3]", xa["min"], xa["max"], ya["min"], ya["max"])
	}
	if _, err := TrajectoriesChart(bowl, nil); err == nil || !strings.Contains(err.Error(), "viz.Range") {
		t.Errorf("no paths and no range: %v", err)
	}
	if _, err := TrajectoriesChart(nil, []Series{path}); err == nil {
		t.Error("nil f gave no error")
	}
	nan := func(x, y float64) float64 { return math.NaN() }
	if _, err := TrajectoriesChart(nan, []Series{path}); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN surface: %v", err)
	}
}

func TestTrajectoriesCutADivergingPathAtTheWindow(t *testing.T) {
	f := func(x, y float64) float64 { return x*x + y*y }
	diverging := Series{Name: "SGD lr=1.1", X: []float64{1, -1.1, 1.21, -1.331, 1e6}, Y: []float64{0, 0, 0, 0, 0}}
	c, err := TrajectoriesChart(f, []Series{diverging}, Range(-2, 2, -2, 2))
	if err != nil {
		t.Fatal(err)
	}
	opt, err := c.Option()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(opt), "SGD lr=1.1 (leaves the window at step 4)") {
		t.Errorf("the diverging path is not named as leaving the window")
	}
	if strings.Contains(string(opt), "1000000") || strings.Contains(string(opt), "1e+06") {
		t.Errorf("the point outside the window is still drawn")
	}
	if diverging.X[4] != 1e6 || diverging.Name != "SGD lr=1.1" {
		t.Errorf("the caller's series was modified: %+v", diverging)
	}
}
