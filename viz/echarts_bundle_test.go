package viz

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"image"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/nn/scratch"
	"github.com/godl-course/godl/tensor"
	"github.com/godl-course/godl/viz/assets"
)

// echartsModules is viz/assets/echarts-bundle.json: the parts of echarts the course's bundle is
// built from (scripts/echarts-bundle.mjs): at the top level what viz's charts use, in Extra what
// lecture demos use.
type echartsModules struct {
	Series     map[string]string `json:"series"`     // series[].type -> echarts/charts module
	Components map[string]string `json:"components"` // option key -> echarts/components module
	Features   map[string]string `json:"features"`   // series option key -> echarts/features module
	Renderers  []string          `json:"renderers"`
	Extra      *echartsModules   `json:"extra"`
}

func readEchartsModules(t *testing.T) echartsModules {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("assets", "echarts-bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m echartsModules
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("assets/echarts-bundle.json: %v", err)
	}
	return m
}

// all merges the top level and Extra: everything in the bundle.
func (m echartsModules) all() echartsModules {
	out := echartsModules{Series: maps.Clone(m.Series), Components: maps.Clone(m.Components), Features: maps.Clone(m.Features),
		Renderers: slices.Clone(m.Renderers)}
	if m.Extra != nil {
		for _, p := range [][2]map[string]string{{out.Series, m.Extra.Series}, {out.Components, m.Extra.Components}, {out.Features, m.Extra.Features}} {
			for k, v := range p[1] {
				p[0][k] = v
			}
		}
		out.Renderers = append(out.Renderers, m.Extra.Renderers...)
	}
	return out
}

// plainOptionKeys are top-level keys of an echarts option that need no component module.
var plainOptionKeys = map[string]bool{
	"animation": true, "animationDuration": true, "animationDurationUpdate": true, "animationEasing": true,
	"animationEasingUpdate": true, "animationThreshold": true, "animationDelay": true, "animationDelayUpdate": true,
	"backgroundColor": true, "color": true, "textStyle": true, "useUTC": true, "darkMode": true,
	"stateAnimation": true, "hoverLayerThreshold": true, "blendMode": true, "series": true,
	"baseOption": true, "options": true, "media": true, // timeline and media queries
}

// featureTriggers are the option keys (component.key) that need a module of echarts/features
// (echarts 6: lib/export/features.js; the whole echarts.min.js has every one). Without it echarts
// ignores the key, silently in its production build.
var featureTriggers = map[string]string{
	"grid.containLabel": "LegacyGridContainLabel",
	"xAxis.breaks":      "AxisBreak", "yAxis.breaks": "AxisBreak", "singleAxis.breaks": "AxisBreak",
	"xAxis.jitter": "ScatterJitter", "yAxis.jitter": "ScatterJitter", "singleAxis.jitter": "ScatterJitter",
	"series.labelLayout": "LabelLayout", "series.universalTransition": "UniversalTransition",
}

// everyChart builds one chart of each kind viz makes, with small inputs, and the variants whose
// options differ (log axis, per step, the live curves): live charts (with an echarts option) and
// picture-only ones. The keys start with the constructor's name.
func everyChart(t *testing.T) (live, pictures map[string]*Chart) {
	t.Helper()
	live, pictures = map[string]*Chart{}, map[string]*Chart{}
	add := func(m map[string]*Chart, name string, c *Chart, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m[name] = c
	}
	h := &nn.History{}
	for i := range 6 {
		h.Steps = append(h.Steps, nn.Record{Epoch: i/3 + 1, Step: i + 1, Loss: 2 / float64(i+1),
			Metrics: map[string]float64{"accuracy": float64(i) / 6}, ValLoss: math.NaN()})
	}
	for e := range 2 {
		h.Epochs = append(h.Epochs, nn.Record{Epoch: e + 1, Step: 3 * (e + 1), Loss: 1 / float64(e+1), ValLoss: 1.2 / float64(e+1),
			Metrics: map[string]float64{"accuracy": 0.5}, ValMetrics: map[string]float64{"accuracy": 0.4}})
	}
	c, err := CurvesChart(h)
	add(live, "CurvesChart", c, err)
	c, err = CurvesChart(h, PerStep(), LogY())
	add(live, "CurvesChart/PerStep,LogY", c, err)
	c, err = curvesChart(h, newSettings(nil))
	if err == nil {
		c.live = true // what LiveCurves shows during training
	}
	add(live, "CurvesChart/live", c, err)

	c, err = BarsChart([]string{"a", "b"}, []float64{1, 2})
	add(live, "BarsChart", c, err)
	c, err = GradientNormsChart(map[string]float64{"dense_1": 0.1, "dense_2": 0.001})
	add(live, "GradientNormsChart", c, err)

	points := &datasets.Dataset{Name: "halves", Shape: []int{2}, X: []float32{-1, -1, -1, 1, 1, -1, 1, 1},
		Labels: []int{0, 0, 1, 1}, Classes: []string{"left", "right"}}
	c, err = DecisionBoundaryChart(points, func(p *tensor.Tensor) []int {
		out := make([]int, p.Len())
		for i := range out {
			if p.At(i, 0) > 0 {
				out[i] = 1
			}
		}
		return out
	})
	add(live, "DecisionBoundaryChart", c, err)

	a, b := scratch.NewValue(2).Named("a"), scratch.NewValue(-3).Named("b")
	L := a.Mul(b).Tanh().Named("L")
	L.Backward()
	c, err = ComputationGraphChart(L)
	add(live, "ComputationGraphChart", c, err)

	c, err = HistogramsChart([]string{"w1", "w2"}, []*tensor.Tensor{tensor.New([]float64{-1, 1, 0, 0.5}), tensor.New([]float64{0.1, -0.1})})
	add(live, "HistogramsChart", c, err)

	sr := Series{Name: "s", X: []float64{1, 2, 3}, Y: []float64{3, 1, 2}}
	c, err = LinesChart([]Series{sr})
	add(live, "LinesChart", c, err)
	c, err = LinesChart([]Series{sr}, LogY())
	add(live, "LinesChart/LogY", c, err)
	c, err = FuncChart(math.Sin, 0, 3)
	add(live, "FuncChart", c, err)
	c, err = FuncsChart(map[string]func(float64) float64{"sin": math.Sin, "cos": math.Cos}, 0, 3)
	add(live, "FuncsChart", c, err)
	c, err = ScheduleChart(func(step int) float64 { return 1 / float64(step+1) }, 10)
	add(live, "ScheduleChart", c, err)

	c, err = ConfusionChart([]int{0, 1, 1}, []int{0, 1, 0}, Classes("a", "b"))
	add(live, "ConfusionChart", c, err)
	c, err = ConfusionChart([]int{0, 1, 1}, []int{0, 1, 0}, Normalized())
	add(live, "ConfusionChart/Normalized", c, err)
	c, err = MatrixGridChart([]MatrixPanel{{Name: "x", Values: [][]float64{{1, -2}, {3, math.NaN()}}, Marks: []MatrixMark{{Row: 0, Col: 0, Rows: 2}}},
		{Name: "y", Values: [][]float64{{4}}}}, Title("a\nb"))
	add(live, "MatrixGridChart", c, err)

	c, err = ScatterChart(tensor.New([]float64{0, 0, 1, 1, 2, 0}, 3, 2), []int{0, 1, 1})
	add(live, "ScatterChart", c, err)
	c, err = TrajectoriesChart(func(x, y float64) float64 { return x*x + y*y },
		[]Series{{Name: "SGD", X: []float64{0.8, 0.4, 0.2}, Y: []float64{-0.6, -0.3, -0.15}}}, Range(-1, 1, -1, 1))
	add(live, "TrajectoriesChart", c, err)

	// Picture-only charts.
	images := &datasets.Dataset{Name: "tiny", Shape: []int{2, 2, 1}, X: []float32{0, 1, 1, 0, 1, 0, 0, 1},
		Labels: []int{0, 1}, Classes: []string{"x", "y"}, TargetShape: []int{2, 2, 1}, Targets: []float32{0, 1, 1, 0, 1, 0, 0, 1}}
	c, err = ImagesChart(tensor.Zeros(2, 2, 2, 1), nil)
	add(pictures, "ImagesChart", c, err)
	c, err = PicturesChart([]image.Image{image.NewGray(image.Rect(0, 0, 2, 2))}, nil)
	add(pictures, "PicturesChart", c, err)
	c, err = SamplesChart(images, 2)
	add(pictures, "SamplesChart", c, err)
	c, err = PredictionsChart(images, []int{0, 0}, 2)
	add(pictures, "PredictionsChart", c, err)
	c, err = FiltersChart(tensor.Zeros(2, 2, 1, 2))
	add(pictures, "FiltersChart", c, err)
	c, err = ActivationMapsChart(tensor.Zeros(2, 2, 3))
	add(pictures, "ActivationMapsChart", c, err)
	c, err = LayerMapsChart([]nn.Activation{{Layer: "conv2d_1", Value: tensor.Zeros(1, 2, 2, 3)}}, 0)
	add(pictures, "LayerMapsChart", c, err)
	c, err = SegmentationChart(images, nil, 1)
	add(pictures, "SegmentationChart", c, err)
	c, err = BeforeAfterChart(images, tensor.FromFloat32(images.Targets, 2, 2, 2, 1), 1)
	add(pictures, "BeforeAfterChart", c, err)
	c, err = AugmentationsChart(images, datasets.Augmentation{FlipH: true}, 1, 1)
	add(pictures, "AugmentationsChart", c, err)
	c, err = BoxesChart(tensor.Zeros(2, 2, 1), []nn.Box{{X1: 0, Y1: 0, X2: 1, Y2: 2, Score: 0.9}})
	add(pictures, "BoxesChart", c, err)
	c, err = DetectionsChart(&datasets.DetectionSet{Dataset: images, Boxes: [][]nn.Box{{{X1: 0, Y1: 0, X2: 1, Y2: 1}}, {}}}, [][]nn.Box{{{X1: 0, Y1: 0, X2: 1, Y2: 2, Score: 0.9}}}, 1)
	add(pictures, "DetectionsChart", c, err)
	line, err := LinesChart([]Series{sr})
	if err != nil {
		t.Fatal(err)
	}
	picture, err := ImagesChart(tensor.Zeros(1, 2, 2, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err = FramesChart([]*Chart{line, picture}, []string{"a line", "a picture"})
	add(live, "FramesChart", c, err)
	return live, pictures
}

// chartConstructors lists the exported functions of package viz that return (*Chart, error).
func chartConstructors(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !fn.Name.IsExported() || fn.Type.Results == nil || len(fn.Type.Results.List) != 2 {
				continue
			}
			if star, ok := fn.Type.Results.List[0].Type.(*ast.StarExpr); ok {
				if id, ok := star.X.(*ast.Ident); ok && id.Name == "Chart" {
					names = append(names, fn.Name.Name)
				}
			}
		}
	}
	slices.Sort(names)
	return names
}

// TestEchartsBundleHasEverythingTheChartsUse checks, for every chart viz makes, that each series
// type, component and feature of its echarts option is in viz/assets/echarts-bundle.json, the
// list the course's echarts bundle is built from: a series type left out of the bundle is not
// drawn at all (the production build of echarts does not even warn).
// The top level of the list is exactly what the charts use (each module there is used by some
// chart; the rest goes in "extra").
func TestEchartsBundleHasEverythingTheChartsUse(t *testing.T) {
	listed := readEchartsModules(t)
	mods := listed.all()
	live, pictures := everyChart(t)

	// Every chart constructor is covered.
	covered := map[string]bool{}
	for name := range live {
		covered[strings.SplitN(name, "/", 2)[0]] = true
	}
	for name := range pictures {
		covered[strings.SplitN(name, "/", 2)[0]] = true
	}
	for _, name := range chartConstructors(t) {
		if !covered[name] {
			t.Errorf("viz.%s is not in everyChart (echarts_bundle_test.go): add it, so that its echarts option is checked against the bundle", name)
		}
	}

	used := map[string]bool{} // modules used
	for name, c := range pictures {
		if c.option != nil {
			t.Errorf("%s has an echarts option: move it to the live charts of everyChart", name)
		}
	}
	for name, c := range live {
		b, err := c.Option()
		if err != nil {
			t.Fatal(err)
		}
		var whole map[string]any
		if err := json.Unmarshal(b, &whole); err != nil || whole == nil {
			t.Fatalf("%s: option %s: %v", name, b, err)
		}
		// A frames chart (echarts' timeline) is {baseOption, options: [...]}: each is an option.
		opts := []map[string]any{whole}
		if base, ok := whole["baseOption"].(map[string]any); ok {
			opts = []map[string]any{base}
			frames, _ := whole["options"].([]any)
			if len(frames) == 0 {
				t.Errorf("%s: baseOption without options (the frames)", name)
			}
			for _, f := range frames {
				opts = append(opts, f.(map[string]any))
			}
		}
		for _, opt := range opts {
			checkOption(t, name, opt, mods, used)
		}
	}
	// The charts draw on a canvas (chartScript).
	if strings.Contains(chartScript("x", 1, "{}"), "renderer: 'canvas'") && !slices.Contains(mods.Renderers, "CanvasRenderer") {
		t.Error("the charts use the canvas renderer, but assets/echarts-bundle.json has no CanvasRenderer")
	}
	var usedList []string
	for _, m := range slices.Concat(mapValues(listed.Series), mapValues(listed.Components), mapValues(listed.Features)) {
		if used[m] {
			usedList = append(usedList, m)
		} else {
			t.Errorf("assets/echarts-bundle.json lists %s at its top level (what viz's charts use), but no chart uses it: move it to \"extra\" (lecture demos) or drop it", m)
		}
	}
	slices.Sort(usedList)
	var extra []string
	if listed.Extra != nil {
		extra = slices.Concat(mapValues(listed.Extra.Series), mapValues(listed.Extra.Components), mapValues(listed.Extra.Features))
		slices.Sort(extra)
	}
	t.Logf("%d live and %d picture-only charts; modules used: %s; extra (lecture demos): %s",
		len(live), len(pictures), strings.Join(slices.Compact(usedList), " "), strings.Join(slices.Compact(extra), " "))
}

// checkOption marks the modules that one echarts option uses, and reports the parts that are
// not in the bundle.
func checkOption(t *testing.T, name string, opt map[string]any, mods echartsModules, used map[string]bool) {
	t.Helper()
	for key := range opt {
		switch mod, ok := mods.Components[key]; {
		case ok:
			used[mod] = true
		case !plainOptionKeys[key]:
			t.Errorf("%s: option key %q is neither a component in assets/echarts-bundle.json nor a plain option key (plainOptionKeys)", name, key)
		}
	}
	var series []any
	switch s := opt["series"].(type) {
	case []any:
		series = s
	case map[string]any:
		series = []any{s}
	}
	if len(series) == 0 && opt["graphic"] == nil {
		t.Errorf("%s: option without series", name)
	}
	for _, s := range series {
		s := s.(map[string]any)
		typ, _ := s["type"].(string)
		if mod, ok := mods.Series[typ]; ok {
			used[mod] = true
		} else {
			t.Errorf("%s: series type %q is not in assets/echarts-bundle.json (series): add it, with its module of echarts/charts", name, typ)
		}
		for key := range s {
			if strings.HasPrefix(key, "mark") {
				if mod, ok := mods.Components[key]; ok {
					used[mod] = true
				} else {
					t.Errorf("%s: series key %q is not in assets/echarts-bundle.json (components)", name, key)
				}
			}
		}
	}
	// Keys inside components and series that need a feature module (grid.containLabel).
	for key, v := range opt {
		var items []any
		switch v := v.(type) {
		case []any:
			items = v
		case map[string]any:
			items = []any{v}
		}
		for _, item := range items {
			item, _ := item.(map[string]any)
			for sub := range item {
				path := key + "." + sub
				if mod, ok := mods.Features[path]; ok {
					used[mod] = true
				} else if mod, ok := featureTriggers[path]; ok {
					t.Errorf("%s: %s needs %s of echarts/features, which is not in assets/echarts-bundle.json (features: %q: %q)", name, path, mod, path, mod)
				}
			}
		}
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestEchartsBundleListAndBuild checks the list against the installed echarts package (each
// module name is one of its exports), and that the built bundle (make setup) is built from the
// list as it is now.
func TestEchartsBundleListAndBuild(t *testing.T) {
	mods := readEchartsModules(t).all()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	if _, err := os.Stat(assets.EchartsPackageFile(root)); err != nil {
		t.Skipf("echarts is not installed (npm ci, make setup): %v", err)
	}
	// echarts' ESM entry points, read by Node as the bundler does.
	prog := `Promise.all(['charts', 'components', 'features', 'renderers'].map(m => import('echarts/' + m)))
  .then(ms => console.log(JSON.stringify(ms.map(m => Object.keys(m)))))`
	cmd := exec.Command(node, "--input-type=module", "-e", prog)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var exports [4][]string
	if err := json.Unmarshal(out, &exports); err != nil {
		t.Fatalf("node: %v: %s", err, out)
	}
	for i, group := range []struct {
		name  string
		names []string
	}{{"echarts/charts", mapValues(mods.Series)}, {"echarts/components", mapValues(mods.Components)},
		{"echarts/features", mapValues(mods.Features)}, {"echarts/renderers", mods.Renderers}} {
		for _, n := range group.names {
			if !slices.Contains(exports[i], n) {
				t.Errorf("assets/echarts-bundle.json: %s has no export %q", group.name, n)
			}
		}
	}

	bundle := assets.EchartsFile(root)
	head := make([]byte, 2048)
	f, err := os.Open(bundle)
	if err != nil {
		t.Skipf("the bundle is not built (make setup): %v", err)
	}
	n, _ := f.Read(head)
	f.Close()
	m := regexp.MustCompile(`^/\*! godl echarts bundle \w+: .*? build of (.*?) \| (.*?) \| (.*?); made by`).FindSubmatch(head[:n])
	if m == nil {
		t.Fatalf("%s does not start with the banner of scripts/echarts-bundle.mjs: %.120q", bundle, head[:n])
	}
	fields := func(s []byte) []string { f := strings.Fields(string(s)); slices.Sort(f); return f }
	dedup := func(xs []string) []string { xs = slices.Clone(xs); slices.Sort(xs); return slices.Compact(xs) }
	var seriesTypes []string // the banner names the series types
	for typ := range mods.Series {
		seriesTypes = append(seriesTypes, typ)
	}
	want := [3][]string{dedup(seriesTypes), dedup(mapValues(mods.Components)), dedup(slices.Concat(mapValues(mods.Features), mods.Renderers))}
	for i := range 3 {
		if got := fields(m[i+1]); !slices.Equal(got, want[i]) {
			t.Errorf("%s is out of date (built from %v, the list has %v): run `make setup` (or node %s)", bundle, got, want[i], assets.EchartsScriptRelPath)
		}
	}
}
