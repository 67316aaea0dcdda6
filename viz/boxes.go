package viz

import (
	"fmt"
	"image"
	"image/color"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/tensor"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// detectionIoU is the IoU at which a detection matches an object in the Detections chart, as in
// mAP@0.5.
const detectionIoU = 0.5

// drawnBox is a box drawn on a picture: its rectangle (image pixels), colour, line and caption.
type drawnBox struct {
	box    nn.Box
	color  color.Color
	width  float64 // line width in points
	dashed bool
	label  string // drawn in a filled rectangle at the box's top-left corner; "" for none
}

// boxLabel is a box's caption: its class name (names[class], else the class id) and its score
// when not 0.
func boxLabel(b nn.Box, names []string) string {
	s := fmt.Sprint(b.Class)
	if b.Class >= 0 && b.Class < len(names) {
		s = names[b.Class]
	}
	if b.Score != 0 {
		s += fmt.Sprintf(" %.2f", b.Score)
	}
	return s
}

// classColor is the palette colour of class k.
func classColor(k int) color.Color { return mustHex(paletteColor(max(k, 0))) }

// BoxesChart draws boxes on one image of shape (H, W, C) or (H, W) (values in [0, 1], or any
// range with Rescale()): each box (nn.Box, pixels, (x1, y1) top-left and (x2, y2) bottom-right
// corner) is a rectangle in the colour of its class, captioned with the class name (given with
// viz.Classes, else the class id) and its score when it is not 0 (a ground-truth box has score
// 0). The picture is a static image, shown with its PNG like the other image charts.
func BoxesChart(img *tensor.Tensor, boxes []nn.Box, options ...Option) (*Chart, error) {
	s := newSettings(options)
	if img != nil && img.Rank() == 4 && img.Len() == 1 {
		img = img.Sub(0)
	}
	if img == nil || (img.Rank() != 2 && img.Rank() != 3) {
		shape := "nil"
		if img != nil {
			shape = fmt.Sprint(img.Shape)
		}
		return nil, fmt.Errorf("viz: Boxes wants one image of shape (H, W, C) or (H, W), got %s (the i-th image of a batch: images.Sub(i), of a data set: ds.Image(i))", shape)
	}
	picture, err := ToImage(img, s.rescale)
	if err != nil {
		return nil, err
	}
	tl := tile{img: picture}
	for k, b := range boxes {
		if err := b.Check(); err != nil {
			return nil, fmt.Errorf("viz: Boxes: box %d: %w", k, err)
		}
		tl.boxes = append(tl.boxes, drawnBox{box: b, color: classColor(b.Class), width: 1.5, label: boxLabel(b, s.classes)})
	}
	if s.width <= 0 {
		s.width = 360
	}
	if s.cols <= 0 {
		s.cols = 1
	}
	title := fmt.Sprintf("%d boxes", len(boxes))
	if len(boxes) == 1 {
		title = "1 box"
	}
	return gridChart(s.titleOr(title), []tile{tl}, s)
}

// Boxes draws boxes on one image (see [BoxesChart]):
//
//	viz.Boxes(test.Image(0), test.Boxes[0], viz.Classes(test.Classes...))
func Boxes(img *tensor.Tensor, boxes []nn.Box, options ...Option) (Files, error) {
	return show(BoxesChart(img, boxes, options...))
}

// DetectionsChart draws, for the first n images of ds, the detections pred[i] of image i against
// its ground-truth boxes ds.Boxes[i], matched as in mAP@0.5 (nn.MatchBoxes at IoU 0.5): right
// detections (same class, IoU ≥ 0.5 with an object not found before) solid green, false
// positives (wrong class, bad box, or a second detection of an object) solid red, missed objects
// dashed yellow, the objects found dashed white; each detection captioned with its class and
// score. The caption under an image counts them (with one object and one detection, it gives
// their IoU); the title gives the totals. With pred nil it shows the ground-truth boxes in the
// colours of their classes. Class names come from ds.Classes. Normalized images are shown as
// the original pictures.
func DetectionsChart(ds *datasets.DetectionSet, pred [][]nn.Box, n int, options ...Option) (*Chart, error) {
	if ds == nil || ds.Dataset == nil || ds.Len() == 0 {
		return nil, fmt.Errorf("viz: Detections needs a detection data set with images and their boxes (datasets.DetectionShapes)")
	}
	if len(ds.Boxes) != ds.Len() {
		return nil, fmt.Errorf("viz: data set %q has %d images but %d lists of boxes: give one list per image", ds.Name, ds.Len(), len(ds.Boxes))
	}
	if n <= 0 || n > ds.Len() {
		n = ds.Len()
	}
	if pred != nil && len(pred) < n {
		return nil, fmt.Errorf("viz: %d lists of detections for %d images; give one list per shown image (nn.DecodeGrid gives one per image)", len(pred), n)
	}
	pics := ds.Dataset.Pixels(n)
	s := newSettings(options)
	white := color.NRGBA{R: 255, G: 255, B: 255, A: 230}
	var tiles []tile
	var right, wrong, missed int
	for i := range n {
		img, err := imageOf(exampleX(pics, i), pics.Shape, false)
		if err != nil {
			return nil, fmt.Errorf("viz: data set %q: %w", ds.Name, err)
		}
		truth := ds.Boxes[i]
		tl := tile{img: img}
		if pred == nil {
			for k, b := range truth {
				if err := b.Check(); err != nil {
					return nil, fmt.Errorf("viz: Detections: ground-truth box %d of image %d: %w", k, i, err)
				}
				tl.boxes = append(tl.boxes, drawnBox{box: b, color: classColor(b.Class), width: 1.5, label: boxLabel(b, ds.Classes)})
			}
			tl.label = fmt.Sprintf("%d objects", len(truth))
			if len(truth) == 1 {
				tl.label = "1 object"
			}
			tiles = append(tiles, tl)
			continue
		}
		match, err := nn.MatchBoxes(pred[i], truth, detectionIoU)
		if err != nil {
			return nil, fmt.Errorf("viz: Detections: image %d: %w", i, err)
		}
		found := make([]bool, len(truth))
		r, w := 0, 0
		for _, m := range match {
			if m >= 0 {
				found[m] = true
				r++
			} else {
				w++
			}
		}
		// The objects found under the detections, the missed ones over them (a detection of the
		// wrong class may sit on a missed object).
		for k, b := range truth {
			if found[k] {
				tl.boxes = append(tl.boxes, drawnBox{box: b, color: white, width: 1, dashed: true})
			}
		}
		for k, b := range pred[i] {
			col := maskColor
			if match[k] < 0 {
				col = falsePos
			}
			tl.boxes = append(tl.boxes, drawnBox{box: b, color: col, width: 1.5, label: boxLabel(b, ds.Classes)})
		}
		for k, b := range truth {
			if !found[k] {
				tl.boxes = append(tl.boxes, drawnBox{box: b, color: falseNeg, width: 1.5, dashed: true, label: "missed"})
			}
		}
		m := len(truth) - r
		right, wrong, missed = right+r, wrong+w, missed+m
		tl.label = fmt.Sprintf("%d right, %d false, %d missed", r, w, m)
		if len(truth) == 1 && len(pred[i]) == 1 {
			iou, _ := nn.BoxIoU(truth[0], pred[i][0])
			tl.label = fmt.Sprintf("IoU %.2f", iou)
		}
		tl.wrong = w+m > 0
		tiles = append(tiles, tl)
	}
	title := fmt.Sprintf("%s: ground-truth boxes", ds.Name)
	if pred != nil {
		title = fmt.Sprintf("Detections: %d right (green), %d false positives (red), %d missed (yellow)", right, wrong, missed)
	}
	if s.cols <= 0 {
		s.cols = min(n, 4)
	}
	if s.width <= 0 {
		s.width = max(200*s.cols, titleWidth(title))
	}
	return gridChart(s.titleOr(title), tiles, s)
}

// Detections draws detections against the ground truth on the first n images of ds (see
// [DetectionsChart]): viz.Detections(test, detections, 8).
func Detections(ds *datasets.DetectionSet, pred [][]nn.Box, n int, options ...Option) (Files, error) {
	return show(DetectionsChart(ds, pred, n, options...))
}

// paintBoxes draws the boxes (image pixels) over the image drawn in rect, clipped to it, then
// their labels in filled rectangles at their top-left corners (above the box when there is room).
func paintBoxes(dc draw.Canvas, rect vg.Rectangle, b image.Rectangle, boxes []drawnBox) {
	sx := (rect.Max.X - rect.Min.X) / vg.Length(b.Dx())
	sy := (rect.Max.Y - rect.Min.Y) / vg.Length(b.Dy())
	px := func(x float64) vg.Length { return rect.Min.X + vg.Length(min(max(x, 0), float64(b.Dx())))*sx }
	py := func(y float64) vg.Length { return rect.Max.Y - vg.Length(min(max(y, 0), float64(b.Dy())))*sy }
	for _, d := range boxes {
		sty := draw.LineStyle{Color: d.color, Width: vg.Points(d.width)}
		if d.dashed {
			sty.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
		}
		x1, y1, x2, y2 := px(d.box.X1), py(d.box.Y1), px(d.box.X2), py(d.box.Y2)
		dc.StrokeLines(sty, []vg.Point{{X: x1, Y: y1}, {X: x2, Y: y1}, {X: x2, Y: y2}, {X: x1, Y: y2}, {X: x1, Y: y1}})
	}
	label := plot.New().X.Tick.Label
	label.Font.Size = vg.Points(7)
	label.XAlign, label.YAlign = draw.XLeft, draw.YBottom
	for _, d := range boxes {
		if d.label == "" {
			continue
		}
		tw, th := label.Width(d.label)+vg.Points(3), label.Height(d.label)+vg.Points(1)
		x, y := px(d.box.X1), py(d.box.Y1) // the box's top-left corner
		if y+th > rect.Max.Y {             // no room above: inside the box
			y -= th
		}
		x = min(x, rect.Max.X-tw)
		dc.FillPolygon(d.color, []vg.Point{{X: x, Y: y}, {X: x + tw, Y: y}, {X: x + tw, Y: y + th}, {X: x, Y: y + th}})
		label.Color = textOn(d.color)
		dc.FillText(label, vg.Point{X: x + vg.Points(1.5), Y: y + vg.Points(0.5)}, d.label)
	}
}

// textOn is black or white, whichever reads better on the colour c.
func textOn(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	if 0.299*float64(r)+0.587*float64(g)+0.114*float64(b) > 0.6*0xffff {
		return color.Black
	}
	return color.White
}
