package viz

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/tensor"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// wrongColor marks wrong predictions.
var wrongColor = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 255}

// ToImage turns one image tensor of shape (H, W, C) (C = 1 grey or 3 RGB, channels last) or
// (H, W) into a Go image. Values are taken in [0, 1] (clamped) unless rescale, which maps
// [min, max] of the image to black..white (for filters, activations, normalized inputs).
func ToImage(t *tensor.Tensor, rescale bool) (image.Image, error) {
	if t == nil {
		return nil, fmt.Errorf("viz: the image tensor is nil")
	}
	return imageOf(t.Float32(), t.Shape, rescale)
}

// imageOf is ToImage on float32 values and a shape.
func imageOf(x []float32, shape []int, normalize bool) (image.Image, error) {
	if len(shape) == 2 {
		shape = []int{shape[0], shape[1], 1}
	}
	if len(shape) != 3 || (shape[2] != 1 && shape[2] != 3) || shape[0] <= 0 || shape[1] <= 0 {
		return nil, fmt.Errorf("viz: image shape %v is not H×W×C with C = 1 or 3 (channels last)", shape)
	}
	h, w, c := shape[0], shape[1], shape[2]
	if len(x) != h*w*c {
		return nil, fmt.Errorf("viz: image of shape %v needs %d values, got %d", shape, h*w*c, len(x))
	}
	lo, hi := float32(0), float32(1)
	if normalize {
		lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
		for _, v := range x {
			lo, hi = min(lo, v), max(hi, v)
		}
		if !(hi > lo) {
			hi = lo + 1
		}
	}
	level := func(v float32) uint8 {
		t := (v - lo) / (hi - lo)
		if !(t > 0) { // also NaN
			return 0
		}
		return uint8(math.Round(float64(min(t, 1)) * 255))
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range h * w {
		p := img.Pix[4*i : 4*i+4]
		if c == 1 {
			g := level(x[i])
			p[0], p[1], p[2] = g, g, g
		} else {
			p[0], p[1], p[2] = level(x[3*i]), level(x[3*i+1]), level(x[3*i+2])
		}
		p[3] = 255
	}
	return img, nil
}

// tile is one image of a grid with its caption; wrong captions and frames are red (the caption
// only when boxes are drawn on the image: a red frame would read as a box).
type tile struct {
	img   image.Image
	label string
	wrong bool
	boxes []drawnBox // drawn over the image (viz.Boxes, viz.Detections)
}

// gridChart draws tiles in a grid (a picture-only chart).
func gridChart(title string, tiles []tile, s *settings) (*Chart, error) {
	if len(tiles) == 0 {
		return nil, fmt.Errorf("viz: no image to show")
	}
	cols := s.cols
	if cols <= 0 {
		cols = min(len(tiles), 10, int(math.Ceil(math.Sqrt(float64(len(tiles)))*1.5)))
	}
	rows := (len(tiles) + cols - 1) / cols
	hasLabels := false
	for _, t := range tiles {
		hasLabels = hasLabels || t.label != ""
	}
	// Cells take the tallest tile's height-to-width ratio (square for square images).
	aspect := 0.0
	for _, t := range tiles {
		if t.img != nil && t.img.Bounds().Dx() > 0 {
			aspect = math.Max(aspect, float64(t.img.Bounds().Dy())/float64(t.img.Bounds().Dx()))
		}
	}
	if aspect == 0 {
		return nil, fmt.Errorf("viz: no image to show")
	}
	labelH := 0
	if hasLabels {
		labelH = 16
	}
	// At least as wide as the title (up to 1000 px), so that one column of tiles does not cut it.
	w, h := s.size(min(max(cols*96, titleWidth(title)), 1000), 0)
	if h == 0 {
		cell := float64(w) / float64(cols)
		h = 34 + rows*(int(math.Round(cell*aspect))+labelH)
	}
	c := &Chart{Title: title, Width: w, Height: h}
	c.paint = func(dc draw.Canvas) error {
		body := paintTitle(dc, title)
		bw, bh := body.Max.X-body.Min.X, body.Max.Y-body.Min.Y
		lh := vg.Length(labelH) * vg.Inch / dpi
		cell := min(bw/vg.Length(cols), (bh/vg.Length(rows)-lh)/vg.Length(aspect)) // width
		cellH := cell * vg.Length(aspect)
		pad := cell * 0.06
		sty := plot.New().X.Tick.Label
		sty.Font.Size = vg.Points(8)
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		x0 := body.Min.X + (bw-cell*vg.Length(cols))/2
		for i, t := range tiles {
			if t.img == nil { // an empty place in the grid
				continue
			}
			r, col := i/cols, i%cols
			top := body.Max.Y - vg.Length(r)*(cellH+lh)
			rect := vg.Rectangle{Min: vg.Point{X: x0 + vg.Length(col)*cell + pad, Y: top - cellH + pad}, Max: vg.Point{X: x0 + vg.Length(col+1)*cell - pad, Y: top - pad}}
			dc.DrawImage(fitRect(rect, t.img.Bounds()), upscale(t.img, int(float64(cell)/72*dpi)))
			if t.wrong && t.boxes == nil {
				dc.SetColor(wrongColor)
				dc.SetLineWidth(vg.Points(2))
			} else { // a thin frame, so white images show
				dc.SetColor(color.Gray{Y: 200})
				dc.SetLineWidth(vg.Points(0.5))
			}
			dc.Stroke(fitRect(rect, t.img.Bounds()).Path())
			paintBoxes(dc, fitRect(rect, t.img.Bounds()), t.img.Bounds(), t.boxes)
			if t.label != "" {
				sty.Color = color.Black
				if t.wrong {
					sty.Color = wrongColor
				}
				dc.FillText(sty, vg.Point{X: (rect.Min.X + rect.Max.X) / 2, Y: top - cellH}, t.label)
			}
		}
		return nil
	}
	return c, nil
}

// fitRect returns the largest rectangle centred in r with the aspect ratio of b.
func fitRect(r vg.Rectangle, b image.Rectangle) vg.Rectangle {
	w, h := r.Max.X-r.Min.X, r.Max.Y-r.Min.Y
	ar := vg.Length(b.Dx()) / vg.Length(b.Dy())
	if w/h > ar {
		nw := h * ar
		r.Min.X += (w - nw) / 2
		r.Max.X = r.Min.X + nw
	} else {
		nh := w / ar
		r.Min.Y += (h - nh) / 2
		r.Max.Y = r.Min.Y + nh
	}
	return r
}

// upscale enlarges img by the integer factor (nearest neighbour) that brings it closest to px
// pixels wide, so small images (28×28) stay sharp.
func upscale(img image.Image, px int) image.Image {
	b := img.Bounds()
	k := max(1, px/max(1, b.Dx()))
	if k == 1 {
		return img
	}
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx()*k, b.Dy()*k))
	for y := range b.Dy() * k {
		for x := range b.Dx() * k {
			out.Set(x, y, img.At(b.Min.X+x/k, b.Min.Y+y/k))
		}
	}
	return out
}

// ImagesChart builds a grid of the images of a batch tensor (N, H, W, C) or (N, H, W), values
// in [0, 1] (or any range with Rescale(): each image from its min to its max), with optional
// labels (nil or one per image).
func ImagesChart(batch *tensor.Tensor, labels []string, options ...Option) (*Chart, error) {
	if batch == nil || (batch.Rank() != 3 && batch.Rank() != 4) || batch.Len() == 0 {
		shape := "nil"
		if batch != nil {
			shape = fmt.Sprint(batch.Shape)
		}
		return nil, fmt.Errorf("viz: Images wants a batch of images of shape (N, H, W, C) or (N, H, W), got %s (one image: add a first axis with Reshape(1, H, W, C), several: tensor.Stack)", shape)
	}
	s := newSettings(options)
	images := make([]image.Image, batch.Len())
	for i := range images {
		img, err := ToImage(batch.Sub(i), s.rescale)
		if err != nil {
			return nil, err
		}
		images[i] = img
	}
	return PicturesChart(images, labels, options...)
}

// Images shows a grid of the images of a batch tensor (N, H, W, C) or (N, H, W) with optional
// labels: viz.Images(generated.Reshape(-1, 28, 28, 1), nil, viz.Cols(8)).
func Images(batch *tensor.Tensor, labels []string, options ...Option) (Files, error) {
	return show(ImagesChart(batch, labels, options...))
}

// PicturesChart builds a grid of Go images (from ToImage, a file, ...) with optional labels
// (nil or one per image).
func PicturesChart(images []image.Image, labels []string, options ...Option) (*Chart, error) {
	if labels != nil && len(labels) != len(images) {
		return nil, fmt.Errorf("viz: %d labels for %d images; give one label per image or nil", len(labels), len(images))
	}
	tiles := make([]tile, len(images))
	for i, img := range images {
		tiles[i].img = img
		if labels != nil {
			tiles[i].label = labels[i]
		}
	}
	s := newSettings(options)
	return gridChart(s.titleOr("Images"), tiles, s)
}

// Pictures shows a grid of Go images with optional labels.
func Pictures(images []image.Image, labels []string, options ...Option) (Files, error) {
	return show(PicturesChart(images, labels, options...))
}

// className returns the name of class k in ds, or its number.
func className(ds *datasets.Dataset, k int) string {
	if k >= 0 && k < len(ds.Classes) {
		return ds.Classes[k]
	}
	return fmt.Sprint(k)
}

// datasetTiles returns the first n images of ds (all when n <= 0 or n > Len), as pictures: a
// normalized data set is shown with its normalization undone.
func datasetTiles(ds *datasets.Dataset, n int) ([]tile, error) {
	if ds == nil || ds.Len() == 0 {
		return nil, fmt.Errorf("viz: the data set is nil or empty")
	}
	if n <= 0 || n > ds.Len() {
		n = ds.Len()
	}
	ds = ds.Pixels(n)
	size := 1
	for _, d := range ds.Shape {
		size *= d
	}
	tiles := make([]tile, n)
	for i := range n {
		img, err := imageOf(ds.X[i*size:(i+1)*size], ds.Shape, false)
		if err != nil {
			return nil, fmt.Errorf("viz: data set %q: %w", ds.Name, err)
		}
		tiles[i].img = img
		if ds.Labels != nil {
			tiles[i].label = className(ds, ds.Labels[i])
		}
	}
	return tiles, nil
}

// SamplesChart builds a grid of the first n images of ds (H×W×1 or H×W×3, values in [0,1];
// a normalized data set is shown as the original pictures), captioned with their class names.
func SamplesChart(ds *datasets.Dataset, n int, options ...Option) (*Chart, error) {
	tiles, err := datasetTiles(ds, n)
	if err != nil {
		return nil, err
	}
	s := newSettings(options)
	return gridChart(s.titleOr(ds.Name), tiles, s)
}

// Samples shows the first n images of ds with their class names: viz.Samples(train, 20).
func Samples(ds *datasets.Dataset, n int, options ...Option) (Files, error) {
	return show(SamplesChart(ds, n, options...))
}

// PredictionsChart builds a grid of the first n images of ds captioned "predicted (true)";
// wrong predictions are framed and written in red. predictions[i] is the class predicted for
// example i (at least n of them).
func PredictionsChart(ds *datasets.Dataset, predictions []int, n int, options ...Option) (*Chart, error) {
	tiles, err := datasetTiles(ds, n)
	if err != nil {
		return nil, err
	}
	if ds.Labels == nil {
		return nil, fmt.Errorf("viz: data set %q has no labels to compare predictions with", ds.Name)
	}
	if len(predictions) < len(tiles) {
		return nil, fmt.Errorf("viz: %d predictions for %d images; give one prediction per shown example", len(predictions), len(tiles))
	}
	wrong := 0
	for i := range tiles {
		p, l := predictions[i], ds.Labels[i]
		tiles[i].wrong = p != l
		if p == l {
			tiles[i].label = className(ds, p)
		} else {
			wrong++
			tiles[i].label = className(ds, p) + " (" + className(ds, l) + ")"
		}
	}
	s := newSettings(options)
	return gridChart(s.titleOr(fmt.Sprintf("Predicted (true): %d of %d wrong", wrong, len(tiles))), tiles, s)
}

// Predictions shows predicted against true classes for the first n images of ds, wrong ones
// in red.
func Predictions(ds *datasets.Dataset, predictions []int, n int, options ...Option) (Files, error) {
	return show(PredictionsChart(ds, predictions, n, options...))
}

// FiltersChart builds the grid of a convolution kernel of shape [kh, kw, in, out] (GoMLX's
// channels-last layout). With in = 1 or 3 each of the out filters is one image (grey or RGB),
// in a grid about 1.5 times as wide as tall; otherwise each (filter, input channel) pair is a
// grey image labelled "filter/channel", the channels of a filter side by side and as many
// filters per row as keep the grid no taller than an A4 page is for its width. When even that
// is too tall (many filters of many channels), the first filters are shown and the title says
// how many; viz.Cols(n) shows them all with n images per row. Each image is scaled from its own
// min (black) to max (white).
func FiltersChart(kernelT *tensor.Tensor, options ...Option) (*Chart, error) {
	if kernelT == nil {
		return nil, fmt.Errorf("viz: the kernel is nil; pass model.Weights(\"conv2d_1\")[\"kernel\"]")
	}
	kernel, shape := kernelT.Float32(), kernelT.Shape
	if len(shape) != 4 {
		return nil, fmt.Errorf("viz: a convolution kernel has shape [kh, kw, in, out], got %v", shape)
	}
	kh, kw, in, out := shape[0], shape[1], shape[2], shape[3]
	if len(kernel) != kh*kw*in*out || kh*kw*in*out == 0 {
		return nil, fmt.Errorf("viz: kernel of shape %v needs %d values, got %d", shape, kh*kw*in*out, len(kernel))
	}
	at := func(y, x, c, o int) float32 { return kernel[((y*kw+x)*in+c)*out+o] }
	var tiles []tile
	s := newSettings(options)
	title := fmt.Sprintf("Filters %d×%d, %d→%d channels", kh, kw, in, out)
	if in == 1 || in == 3 {
		for o := range out {
			px := make([]float32, 0, kh*kw*in)
			for y := range kh {
				for x := range kw {
					for c := range in {
						px = append(px, at(y, x, c, o))
					}
				}
			}
			img, _ := imageOf(px, []int{kh, kw, in}, true)
			tiles = append(tiles, tile{img: img, label: fmt.Sprint(o)})
		}
		return gridChart(s.titleOr(title), tiles, s)
	}
	shown := out
	if s.cols <= 0 {
		s.cols, shown = filterGrid(in, out)
		if shown < out {
			title += fmt.Sprintf(" (first %d of %d filters; viz.Cols(%d) shows all)", shown, out, min(in, maxFilterCols))
		}
	}
	for o := range shown {
		for c := range in {
			px := make([]float32, 0, kh*kw)
			for y := range kh {
				for x := range kw {
					px = append(px, at(y, x, c, o))
				}
			}
			img, _ := imageOf(px, []int{kh, kw, 1}, true)
			tiles = append(tiles, tile{img: img, label: fmt.Sprintf("%d/%d", o, c)})
		}
	}
	return gridChart(s.titleOr(title), tiles, s)
}

// a4Ratio is the height-to-width ratio of an A4 page (297 / 210 mm).
const a4Ratio = 297.0 / 210

// maxFilterCols is the most images per row of a filter grid that stay readable (about 60 px
// each in the 1000 px wide picture).
const maxFilterCols = 16

// filterGrid chooses the columns of a grid of the in images of each of out filters, filters in
// order and a filter's channels side by side (wrapped after maxFilterCols): as many filters per
// row as keep the grid no taller than A4 for its width, and returns how many filters fit.
func filterGrid(in, out int) (cols, shown int) {
	// rowsThatFit is how many rows of cols images (each with its label) fit under the title in
	// a picture of A4's proportions, with the widths gridChart gives.
	rowsThatFit := func(cols int) int {
		w := float64(min(cols*96, 1000))
		cell := w / float64(cols)
		return max(1, int((a4Ratio*w-34)/(cell+16)))
	}
	if in >= maxFilterCols {
		cols = maxFilterCols
		rowsPerFilter := (in + cols - 1) / cols
		return cols, max(1, min(out, rowsThatFit(cols)/rowsPerFilter))
	}
	perRow := 1
	for (perRow+1)*in <= maxFilterCols && (out+perRow-1)/perRow > rowsThatFit(perRow*in) {
		perRow++
	}
	cols = perRow * in
	return cols, min(out, rowsThatFit(cols)*perRow)
}

// Filters shows the filters of a convolution kernel [kh, kw, in, out]:
// viz.Filters(nb.Must(model.Weights("conv2d_1"))["kernel"]).
func Filters(kernel *tensor.Tensor, options ...Option) (Files, error) {
	return show(FiltersChart(kernel, options...))
}

// ActivationMapsChart builds the grid of the channels of one activation of shape [H, W, C]
// (one input through a conv layer), each scaled from its min to its max. An activation of a
// batch, [N, H, W, C], shows its first example.
func ActivationMapsChart(actT *tensor.Tensor, options ...Option) (*Chart, error) {
	if actT == nil {
		return nil, fmt.Errorf("viz: the activation is nil; pass model.Activations(images)[i].Value")
	}
	if actT.Rank() == 4 && actT.Len() >= 1 {
		actT = actT.Sub(0)
	}
	act, shape := actT.Float32(), actT.Shape
	if len(shape) != 3 || len(act) != shape[0]*shape[1]*shape[2] || len(act) == 0 {
		return nil, fmt.Errorf("viz: activation maps need shape [H, W, C] (or [1, H, W, C]) and H·W·C values; got shape %v and %d values", shape, len(act))
	}
	h, w, c := shape[0], shape[1], shape[2]
	s := newSettings(options)
	tiles := make([]tile, c)
	for ch := range c {
		px := make([]float32, h*w)
		for i := range h * w {
			px[i] = act[i*c+ch]
		}
		img, _ := imageOf(px, []int{h, w, 1}, true)
		tiles[ch] = tile{img: img, label: mapLabel(s, ch)}
	}
	return gridChart(s.titleOr(fmt.Sprintf("Activation maps %d×%d×%d", h, w, c)), tiles, s)
}

// mapLabel is the caption of channel ch of activation maps: its name given with Classes, else
// its number.
func mapLabel(s *settings, ch int) string {
	if ch < len(s.classes) {
		return s.classes[ch]
	}
	return fmt.Sprint(ch)
}

// ActivationMaps shows each channel of an activation [H, W, C] (or of the first example of
// [N, H, W, C]), captioned with its number or with the names given by Classes:
// viz.ActivationMaps(acts[0].Value), viz.ActivationMaps(y, viz.Classes("edges", "blur")).
func ActivationMaps(act *tensor.Tensor, options ...Option) (Files, error) {
	return show(ActivationMapsChart(act, options...))
}
