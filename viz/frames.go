package viz

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Frames shows charts as the steps of one demo: the page gets every frame at once and flips
// between them with echarts' timeline (◀ ▶, play/pause, a slider of the labels) with no kernel
// round trip, so the steps also play in an exported HTML file and after the kernel stopped. The
// static picture (GitHub, PDF) shows the frame chosen with viz.AtFrame (the first by default)
// and names it.
//
//	var steps []*viz.Chart
//	for _, lr := range []float64{0.001, 0.01, 0.1} {
//		steps = append(steps, nb.Must(viz.TrajectoriesChart(...)))
//	}
//	viz.Frames(steps, []string{"η=0.001", "η=0.01", "η=0.1"}, viz.AtFrame(-1))
//
// Frames of one demo should have the same kind of picture (the same series in the same order,
// the same axes); picture-only charts (images) are played as images.
func Frames(frames []*Chart, labels []string, options ...Option) (Files, error) {
	return show(FramesChart(frames, labels, options...))
}

// AtFrame chooses the frame that a frames chart shows first and in its static picture; a
// negative index counts from the end (-1: the last frame).
func AtFrame(i int) Option { return func(s *settings) { s.atFrame = &i } }

// PlayMillis sets the time each frame stays on screen when a frames chart plays (default 800).
func PlayMillis(ms int) Option { return func(s *settings) { s.playMillis = ms } }

// AutoPlay starts playing a frames chart as soon as it is drawn (it loops until paused).
func AutoPlay() Option { return func(s *settings) { s.autoPlay = true } }

// timelineBand is the height in pixels of the strip under the frames that holds the timeline
// (and, in the static picture, the frame's name).
const timelineBand = 56

// minFramesWidth is the narrowest frames chart, in pixels.
const minFramesWidth = 420

// FramesChart builds the chart that Frames shows: the echarts option {baseOption: {timeline,
// ...}, options: [frame 0, frame 1, ...]} whose timeline flips between the frames' own
// options, and the static picture of the chosen frame with its label under it.
func FramesChart(frames []*Chart, labels []string, options ...Option) (*Chart, error) {
	s := newSettings(options)
	if len(frames) == 0 {
		return nil, fmt.Errorf("viz: Frames got no frames; pass the charts of each step (one *viz.Chart per step)")
	}
	if len(labels) != len(frames) {
		return nil, fmt.Errorf("viz: Frames got %d frames and %d labels; give one label per frame (e.g. \"step 3\")", len(frames), len(labels))
	}
	for i, f := range frames {
		if f == nil {
			return nil, fmt.Errorf("viz: Frames: frame %d (%q) is nil; build each frame with a *Chart constructor and check its error", i, labels[i])
		}
	}
	at := 0
	if s.atFrame != nil {
		at = *s.atFrame
		if at < 0 {
			at += len(frames)
		}
		if at < 0 || at >= len(frames) {
			return nil, fmt.Errorf("viz: AtFrame(%d) is outside the %d frames; use 0..%d, or -1 for the last", *s.atFrame, len(frames), len(frames)-1)
		}
	}
	play := 800
	if s.playMillis > 0 {
		play = s.playMillis
	}
	w, h := 0, 0
	for _, f := range frames {
		w, h = max(w, f.Width), max(h, f.Height)
	}
	// The timeline needs room for its buttons and a few labels: a narrow picture is centred in
	// a wider chart.
	w = max(w, minFramesWidth)

	opts := make([]map[string]any, len(frames))
	for i, f := range frames {
		o, err := frameOption(f)
		if err != nil {
			return nil, fmt.Errorf("viz: Frames: frame %d (%q): %w", i, labels[i], err)
		}
		opts[i] = o
	}
	padSeries(opts)
	fixed := false
	for i, o := range opts {
		raiseBottoms(o, timelineBand)
		fixed = fixed || frames[i].fixedWidth
	}
	base := map[string]any{}
	for k, v := range opts[at] {
		base[k] = v
	}
	shareSeries(base, opts)
	base["timeline"] = map[string]any{
		"axisType":     "category",
		"data":         labels,
		"currentIndex": at,
		"autoPlay":     s.autoPlay,
		"loop":         true,
		"playInterval": play,
		"left":         50, "right": 50, "bottom": 8, "height": 40,
		"symbolSize":      10,
		"label":           map[string]any{"fontSize": 11},
		"checkpointStyle": map[string]any{"symbolSize": 14},
		"controlStyle":    map[string]any{"itemSize": 20, "itemGap": 12},
	}
	list := make([]any, len(opts))
	for i, o := range opts {
		list[i] = o
	}
	title := s.titleOr(frames[at].Title)
	chosen := frames[at]
	label := labels[at]
	c := &Chart{Title: title, Width: w, Height: h + timelineBand, fixedWidth: fixed,
		option: map[string]any{"baseOption": base, "options": list}}
	c.paint = func(dc draw.Canvas) error {
		px := vg.Inch / dpi
		body := dc
		body.Min.Y += vg.Length(timelineBand) * px
		body.Max.Y = body.Min.Y + vg.Length(chosen.Height)*px
		if margin := vg.Length(w-chosen.Width) * px / 2; margin > 0 {
			body.Min.X += margin
			body.Max.X = body.Min.X + vg.Length(chosen.Width)*px
		}
		if err := chosen.paint(body); err != nil {
			return err
		}
		sty := plot.New().Title.TextStyle
		sty.Font.Size = vg.Points(10)
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
		text := fmt.Sprintf("frame %d of %d: %s (the steps play in JupyterLab and in the HTML export)", at+1, len(frames), label)
		dc.FillText(sty, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Min.Y + vg.Length(timelineBand)*vg.Inch/dpi/2}, text)
		return nil
	}
	return c, nil
}

// frameOption returns a frame's echarts option as plain JSON values (so that the frames can be
// compared and padded); a picture-only chart becomes an image (echarts' graphic component).
func frameOption(f *Chart) (map[string]any, error) {
	if f.option == nil {
		if f.paint == nil {
			return nil, fmt.Errorf("the chart has neither an echarts option nor a picture")
		}
		png, err := f.PNG()
		if err != nil {
			return nil, err
		}
		return map[string]any{
			"graphic": []any{map[string]any{
				"type": "image", "left": "center", "top": 0,
				"style": map[string]any{"image": "data:image/png;base64," + base64.StdEncoding.EncodeToString(png),
					"width": f.Width, "height": f.Height},
			}},
		}, nil
	}
	b, err := json.Marshal(f.option)
	if err != nil {
		return nil, fmt.Errorf("encoding the echarts option: %w", err)
	}
	var o map[string]any
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, err
	}
	return o, nil
}

// padSeries gives every frame as many series as the frame with the most: echarts merges a
// frame's option into the one shown, series by index, so a series that a later frame lacks would
// stay on screen. The missing ones are empty series of the same type.
func padSeries(opts []map[string]any) {
	var types []string
	for _, o := range opts {
		series, _ := o["series"].([]any)
		for j, sr := range series {
			m, _ := sr.(map[string]any)
			t, _ := m["type"].(string)
			if j >= len(types) {
				types = append(types, t)
			} else if types[j] == "" {
				types[j] = t
			}
		}
	}
	if len(types) == 0 {
		return
	}
	for _, o := range opts {
		series, _ := o["series"].([]any)
		for j := len(series); j < len(types); j++ {
			series = append(series, map[string]any{"type": types[j], "data": []any{}})
		}
		o["series"] = series
	}
}

// shareSeries sends once a series that every frame has alike (a loss surface under the paths
// of each frame): the base option keeps it whole, and each frame only names its type, which
// echarts merges into the series shown, keeping its data.
func shareSeries(base map[string]any, opts []map[string]any) {
	if len(opts) < 2 {
		return
	}
	baseSeries, _ := base["series"].([]any)
	if len(baseSeries) == 0 {
		return
	}
	shared := make([]bool, len(baseSeries))
	for j := range baseSeries {
		first, _ := json.Marshal(baseSeries[j])
		shared[j] = true
		for _, o := range opts {
			series, _ := o["series"].([]any)
			if j >= len(series) {
				shared[j] = false
				break
			}
			b, _ := json.Marshal(series[j])
			if string(b) != string(first) {
				shared[j] = false
				break
			}
		}
	}
	// The base option is a copy: the frames' series lists change below.
	base["series"] = append([]any(nil), baseSeries...)
	for _, o := range opts {
		series := append([]any(nil), o["series"].([]any)...)
		for j, sh := range shared {
			if sh {
				m, _ := series[j].(map[string]any)
				series[j] = map[string]any{"type": m["type"]}
			}
		}
		o["series"] = series
	}
}

// raiseBottoms moves the components placed from the bottom of the chart (grids, visual maps,
// legends) up by px pixels, making room for the timeline. A component without a bottom gets
// echarts' default (grid: 60 px) plus px.
func raiseBottoms(o map[string]any, px int) {
	// Series placed by themselves in pixels (a graph's layout box).
	if series, ok := o["series"].([]any); ok {
		for _, sr := range series {
			if m, ok := sr.(map[string]any); ok {
				if b, ok := m["bottom"].(float64); ok {
					m["bottom"] = b + float64(px)
				}
			}
		}
	}
	for _, key := range []string{"grid", "visualMap", "legend"} {
		var items []any
		switch v := o[key].(type) {
		case []any:
			items = v
		case map[string]any:
			items = []any{v}
		case nil:
			if key == "grid" {
				o["grid"] = map[string]any{"bottom": 60 + px}
			}
			continue
		}
		for _, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				continue
			}
			if m["top"] == "bottom" { // a legend under the chart: above the timeline instead
				delete(m, "top")
				m["bottom"] = px
				continue
			}
			switch b := m["bottom"].(type) {
			case float64:
				m["bottom"] = b + float64(px)
			case string:
				if n, err := strconv.ParseFloat(strings.TrimSuffix(b, "px"), 64); err == nil {
					m["bottom"] = n + float64(px)
				}
			case nil:
				if key == "grid" {
					if _, top := m["top"]; !top || m["height"] == nil {
						m["bottom"] = 60 + px
					}
				}
			}
		}
	}
}
