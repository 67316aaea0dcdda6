package viz

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Chart is one rendered chart: an echarts option for the live picture and a painter for the
// static PNG of the same data. Build one with a *Chart constructor (CurvesChart, LinesChart, ...);
// show it with [Chart.Show] or write it with [Chart.Save].
type Chart struct {
	// Title is shown above the chart and used for file names and the picture's alt text.
	Title string
	// Width and Height in pixels: the PNG's size and the live chart's height (and maximum width).
	Width, Height int

	// option is the echarts option (a JSON object); nil for charts that are pictures only.
	option map[string]any
	// paint draws the static picture on a canvas of Width×Height pixels.
	paint func(dc draw.Canvas) error
	// live is set for in-place updates during training: the echarts animation is turned off.
	live bool
	// fixedWidth keeps the live chart at least Width pixels wide (scrolling sideways in a
	// narrower output): for drawings whose node sizes do not scale with the chart (graphs).
	fixedWidth bool
}

// dpi of the static pictures: fonts given in points are 4/3 as many pixels.
const dpi = 96

// Option returns the echarts option of the chart as JSON ("null" for a picture-only chart).
func (c *Chart) Option() ([]byte, error) {
	if c.option == nil {
		return []byte("null"), nil
	}
	opt := c.option
	if c.live {
		opt = make(map[string]any, len(c.option)+1)
		for k, v := range c.option {
			opt[k] = v
		}
		opt["animation"] = false
	}
	b, err := json.Marshal(opt) // escapes <, > and & so it can sit inside a <script> element
	if err != nil {
		return nil, fmt.Errorf("viz: chart %q: encoding the echarts option: %w", c.Title, err)
	}
	return b, nil
}

// PNG draws the static picture of the chart: a PNG of exactly Width×Height pixels.
func (c *Chart) PNG() ([]byte, error) {
	if c.Width <= 0 || c.Height <= 0 {
		return nil, fmt.Errorf("viz: chart %q has size %dx%d pixels; give a positive size with viz.Size(width, height)", c.Title, c.Width, c.Height)
	}
	if c.paint == nil {
		return nil, fmt.Errorf("viz: chart %q has no static picture", c.Title)
	}
	canvas := vgimg.NewWith(
		vgimg.UseWH(vg.Length(c.Width)*vg.Inch/dpi, vg.Length(c.Height)*vg.Inch/dpi),
		vgimg.UseDPI(dpi),
		vgimg.UseBackgroundColor(color.White))
	if err := c.paint(draw.New(kernedCanvas{canvas})); err != nil {
		return nil, fmt.Errorf("viz: chart %q: drawing the static picture: %w", c.Title, err)
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("viz: chart %q: encoding the PNG: %w", c.Title, err)
	}
	return buf.Bytes(), nil
}

// fragment returns the chart's notebook HTML: a <div> holding the static picture, and a script
// that replaces it by the live echarts chart once window.__godlEcharts (see echartsLoader) and
// the element are in the page. id must be unique in the page.
func (c *Chart) fragment(id string, png []byte) (string, error) {
	option, err := c.Option()
	if err != nil {
		return "", err
	}
	alt := html.EscapeString(c.Title)
	if alt == "" {
		alt = "chart"
	}
	var b strings.Builder
	if c.fixedWidth {
		fmt.Fprintf(&b, `<div class="godl-chart" style="max-width:%dpx;overflow-x:auto">`, c.Width)
		fmt.Fprintf(&b, `<div data-godl-chart=%q style="width:100%%;min-width:%dpx">`, id, c.Width)
	} else {
		fmt.Fprintf(&b, `<div class="godl-chart" style="max-width:%dpx">`, c.Width)
		fmt.Fprintf(&b, `<div data-godl-chart=%q style="width:100%%">`, id)
	}
	fmt.Fprintf(&b, `<img src="data:image/png;base64,%s" alt=%q width="%d" height="%d" style="max-width:100%%;height:auto;display:block">`,
		base64.StdEncoding.EncodeToString(png), alt, c.Width, c.Height)
	b.WriteString(`</div>`)
	if c.option != nil {
		fmt.Fprintf(&b, "<script>\n%s</script>", chartScript(id, c.Height, string(option)))
	}
	b.WriteString(`</div>`)
	return b.String(), nil
}

// chartScript draws option into the element data-godl-chart=id, replacing its static picture.
// It finds the element next to the running script (so two views of one output both draw), or
// by attribute in front-ends that run scripts detached (classic Notebook), and polls every 50 ms
// for up to 30 s until the library is loaded and the element is attached and visible.
func chartScript(id string, height int, option string) string {
	return fmt.Sprintf(`(function(){
var id = %q, height = %d, option = %s;
var script = document.currentScript;
function element() {
  var sel = '[data-godl-chart="' + id + '"]';
  var el = script && script.parentNode ? script.parentNode.querySelector(sel) : null;
  return el || document.querySelector(sel);
}
function draw(tries) {
  var ec = window.__godlEcharts, el = element();
  if (!ec || !el || !el.isConnected || el.clientWidth === 0) {
    if (tries < 600) { setTimeout(function(){ draw(tries + 1); }, 50); }
    return;
  }
  if (el.getAttribute('data-godl-drawn')) { return; }
  el.setAttribute('data-godl-drawn', '1');
  el.innerHTML = '';
  el.style.height = height + 'px';
  var chart = ec.init(el, null, {renderer: 'canvas'});
  chart.setOption(option);
  if (window.ResizeObserver) { new ResizeObserver(function(){ chart.resize(); }).observe(el); }
}
draw(0);
})();
`, id, height, option)
}

// Page returns a standalone HTML page of the chart, with the echarts library inlined (works
// offline, from a file).
func (c *Chart) Page() (string, error) {
	png, err := c.PNG()
	if err != nil {
		return "", err
	}
	loader, err := echartsLoader()
	if err != nil {
		return "", err
	}
	frag, err := c.fragment("godl-chart-1", png)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title>\n%s</head>\n<body style=\"font-family:sans-serif\">\n%s\n</body></html>\n",
		html.EscapeString(c.Title), loader, frag), nil
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
