package viz

import (
	"encoding/json"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/godl-course/godl/tensor"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// drawText paints text at the size of chart labels (8 pt at 96 dpi) on a white canvas, as the
// charts do, and returns the picture.
func drawText(t *testing.T, text string, size vg.Length) *image.RGBA {
	t.Helper()
	canvas := vgimg.NewWith(vgimg.UseWH(3*vg.Inch, vg.Inch/2), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	sty := plot.New().X.Tick.Label
	sty.Font.Size = size
	sty.Color = color.Black
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YBottom
	dc := draw.New(kernedCanvas{canvas})
	dc.FillText(sty, vg.Point{X: vg.Points(10), Y: vg.Points(10)}, text)
	return canvas.Image().(*image.RGBA)
}

func inked(img *image.RGBA, x, y int) bool {
	r, _, _, _ := img.At(x, y).RGBA()
	return r < 0xa000
}

// TestHyphenAfterT draws "T-" at label size and checks that the hyphen stands right of the T's
// stem: drawn as one string through x/image's opentype face, the kerning of a 32 px font moved
// the hyphen under the T's bar, across its stem ("Ŧshirt/top").
func TestHyphenAfterT(t *testing.T) {
	for _, size := range []vg.Length{vg.Points(7), vg.Points(8), vg.Points(10)} {
		img := drawText(t, "T-", size)
		b := img.Bounds()
		// The ink's rows: the T's bar is the top row, its baseline the bottom row.
		top, bottom := b.Max.Y, -1
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if inked(img, x, y) {
					top, bottom = min(top, y), max(bottom, y)
				}
			}
		}
		if bottom < 0 {
			t.Fatalf("%v: nothing drawn", size)
		}
		// The stem: the ink just above the baseline (below the hyphen, above the T's serif).
		stemLeft, stemRight := -1, -1
		for x := b.Min.X; x < b.Max.X && (stemLeft < 0 || inked(img, x, bottom-1)); x++ {
			if inked(img, x, bottom-1) {
				if stemLeft < 0 {
					stemLeft = x
				}
				stemRight = x
			}
		}
		// The hyphen's rows (between the bar and the baseline) hold the stem and, right of it
		// after a gap, the hyphen: no ink left of the stem, none touching it on the right.
		crossed := false
		for y := top + 2*(bottom-top)/5; y <= top+3*(bottom-top)/4; y++ {
			for x := b.Min.X; x < stemLeft; x++ {
				crossed = crossed || inked(img, x, y)
			}
			x := stemLeft
			for x < b.Max.X && inked(img, x, y) {
				x++
			}
			crossed = crossed || x > stemRight+2
		}
		if crossed || stemRight < 0 {
			t.Errorf("%v pt: the hyphen of \"T-\" touches or crosses the T's stem (stem ends at x=%d)", size/vg.Points(1), stemRight)
		}
	}
}

// TestDrawnTextHasMeasuredWidth: the ink of a label spans the width the layout measured (the
// layout centres and rotates labels by that width).
func TestDrawnTextHasMeasuredWidth(t *testing.T) {
	for _, text := range []string{"T-shirt/top", "AVATAR Wave", "Straße/Öl µσ²", "Ankle boot"} {
		img := drawText(t, text, vg.Points(8))
		first, last := img.Bounds().Max.X, -1
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				if inked(img, x, y) {
					first, last = min(first, x), max(last, x)
				}
			}
		}
		sty := plot.New().X.Tick.Label
		sty.Font.Size = vg.Points(8)
		want := float64(sty.Width(text)) / 72 * dpi
		if got := float64(last - first + 1); math.Abs(got-want) > 3 {
			t.Errorf("%q: ink %g px wide, the layout measured %.1f px", text, got, want)
		}
	}
}

// TestLabelsKeptExactly: class names with slashes, hyphens and non-ASCII letters reach the
// live chart's option unchanged.
func TestLabelsKeptExactly(t *testing.T) {
	names := []string{"T-shirt/top", "Straße", "Œuvre <b>&", "µ/σ²"}
	c, err := BarsChart(names, []float64{1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := c.Option()
	if err != nil {
		t.Fatal(err)
	}
	var opt struct {
		XAxis []struct {
			Data []string `json:"data"`
		} `json:"xAxis"`
	}
	if err := json.Unmarshal(raw, &opt); err != nil {
		t.Fatal(err)
	}
	if len(opt.XAxis) == 0 || strings.Join(opt.XAxis[0].Data, "|") != strings.Join(names, "|") {
		t.Errorf("x axis categories %+v, want %q", opt.XAxis, names)
	}
	if _, err := c.PNG(); err != nil {
		t.Error(err)
	}
}

// TestFilterGridsFitA4: the default grid of every usual first and second layer is no taller
// than an A4 page for its width, at most 1000 px wide, and not a single column.
func TestFilterGridsFitA4(t *testing.T) {
	for _, shape := range [][]int{{5, 5, 1, 6}, {3, 3, 1, 32}, {3, 3, 1, 96}, {5, 5, 3, 64}, {5, 5, 6, 16}, {3, 3, 4, 8}, {3, 3, 32, 64}, {3, 3, 64, 128}, {3, 3, 2, 200}} {
		c, err := FiltersChart(tensor.Zeros(shape...))
		if err != nil {
			t.Fatal(err)
		}
		if c.Width > 1000 || float64(c.Height) > a4Ratio*float64(c.Width) {
			t.Errorf("filters %v: %d×%d px does not fit an A4 page (height ≤ %.2f × width, width ≤ 1000)", shape, c.Width, c.Height, a4Ratio)
		}
		if c.Width < 3*c.Height/4 && shape[3]*shape[2] >= 6 && c.Width < 1000 {
			t.Errorf("filters %v: a narrow %d×%d px column", shape, c.Width, c.Height)
		}
		if _, err := c.PNG(); err != nil {
			t.Error(err)
		}
	}
	// All filters when asked.
	c, err := FiltersChart(tensor.Zeros(3, 3, 32, 64))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Title, "of 64 filters") {
		t.Errorf("a cut grid's title does not say so: %q", c.Title)
	}
}

// TestTitleNeverCut: a one-column image grid is as wide as its title.
func TestTitleNeverCut(t *testing.T) {
	img := tensor.Zeros(1, 8, 8, 1)
	c, err := ImagesChart(img, nil, Title("conv2d_1 filters of the first layer"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Width < titleWidth(c.Title) {
		t.Errorf("grid %d px wide for a title of %d px", c.Width, titleWidth(c.Title))
	}
}
