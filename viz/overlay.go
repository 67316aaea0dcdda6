package viz

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/tensor"
)

// Overlay colours of segmentation masks, mixed half with the image: the true mask and correctly
// predicted pixels green, pixels predicted but not in the mask (false positives) red, mask pixels
// the prediction missed (false negatives) yellow.
var (
	maskColor   = color.NRGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 255}
	falsePos    = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 255}
	falseNeg    = color.NRGBA{R: 0xff, G: 0xd7, B: 0x00, A: 255}
	overlayAlfa = 0.5
)

// maskThreshold: a mask or predicted probability above it counts as "in" (as nn.IoU with 0.5).
const maskThreshold = 0.5

// blend mixes c over the pixel p with weight a.
func blend(p color.NRGBA, c color.NRGBA, a float64) color.NRGBA {
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-a) + float64(y)*a)) }
	return color.NRGBA{R: mix(p.R, c.R), G: mix(p.G, c.G), B: mix(p.B, c.B), A: 255}
}

// overlayMask returns a copy of img with the pixels of the truth mask and/or the prediction
// coloured: with only truth, its pixels green; with a prediction, true positives green, false
// positives red and false negatives yellow (truth may then be nil: all predicted pixels green).
func overlayMask(img image.Image, truth, pred []float32) *image.NRGBA {
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			p := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			i := y*b.Dx() + x
			inT := truth != nil && truth[i] > maskThreshold
			switch {
			case pred == nil && inT:
				p = blend(p, maskColor, overlayAlfa)
			case pred != nil:
				inP := pred[i] > maskThreshold
				switch {
				case inP && (inT || truth == nil):
					p = blend(p, maskColor, overlayAlfa)
				case inP:
					p = blend(p, falsePos, overlayAlfa)
				case inT:
					p = blend(p, falseNeg, overlayAlfa)
				}
			}
			out.SetNRGBA(x, y, p)
		}
	}
	return out
}

// SegmentationChart shows, for the first n examples of ds (images in X, H×W×1 or H×W×3 in [0,1];
// masks in Targets, H×W×1 with 1 = object), three pictures side by side: the image, the image
// with its true mask in green, and the image with the prediction: right pixels green, predicted
// but not in the mask (false positives) red, missed (false negatives) yellow. The caption of the
// prediction gives its intersection over union with the mask,
//
//	IoU = |P ∩ T| / |P ∪ T|,
//
// pixels counted as "in" above 0.5; the title gives the mean IoU. preds holds one predicted mask
// (probabilities σ(logit) or 0/1) per example, shape (N, H, W, 1) or (N, H, W), at least n of
// them; with preds nil only the image and the true mask are shown. Normalized images are shown
// as the original pictures.
func SegmentationChart(ds *datasets.Dataset, predsT *tensor.Tensor, n int, options ...Option) (*Chart, error) {
	var preds []float32
	if predsT != nil {
		preds = predsT.Float32()
	}
	if ds == nil || ds.Len() == 0 || ds.Targets == nil {
		return nil, fmt.Errorf("viz: a segmentation chart needs a data set with images in X and masks in Targets (e.g. datasets.CHAOS())")
	}
	if len(ds.Shape) != 3 || len(ds.TargetShape) < 2 || ds.TargetShape[0] != ds.Shape[0] || ds.TargetShape[1] != ds.Shape[1] ||
		(len(ds.TargetShape) == 3 && ds.TargetShape[2] != 1) {
		return nil, fmt.Errorf("viz: data set %q has images of shape %v and masks of shape %v; want H×W×C images and H×W×1 masks of the same H and W", ds.Name, ds.Shape, ds.TargetShape)
	}
	if n <= 0 || n > ds.Len() {
		n = ds.Len()
	}
	ds = ds.Pixels(n)
	hw := ds.Shape[0] * ds.Shape[1]
	if preds != nil && len(preds) < n*hw {
		return nil, fmt.Errorf("viz: %d predicted values for %d masks of %d×%d pixels; give one predicted mask (H·W values) per shown example", len(preds), n, ds.Shape[0], ds.Shape[1])
	}
	var tiles []tile
	sumIoU := 0.0
	for i := range n {
		img, err := imageOf(exampleX(ds, i), ds.Shape, false)
		if err != nil {
			return nil, fmt.Errorf("viz: data set %q: %w", ds.Name, err)
		}
		truth := exampleTarget(ds, i)
		tiles = append(tiles, tile{img: img, label: "image"}, tile{img: overlayMask(img, truth, nil), label: "true mask"})
		if preds != nil {
			pred := preds[i*hw : (i+1)*hw]
			iou := nn.IoU(tensor.FromFloat32(pred), tensor.FromFloat32(truth), maskThreshold)
			sumIoU += iou
			tiles = append(tiles, tile{img: overlayMask(img, truth, pred), label: fmt.Sprintf("prediction, IoU %.2f", iou)})
		}
	}
	s := newSettings(options)
	cols := 2
	title := fmt.Sprintf("%s: image and mask", ds.Name)
	if preds != nil {
		cols = 3
		title = fmt.Sprintf("Segmentation, mean IoU %.3f (green: right, red: false positive, yellow: missed)", sumIoU/float64(n))
	}
	if s.cols <= 0 {
		s.cols = cols
	}
	if s.width <= 0 {
		s.width = 240 * cols
	}
	return gridChart(s.titleOr(title), tiles, s)
}

// Segmentation shows images, true masks and predicted masks with their IoU (see
// [SegmentationChart]): viz.Segmentation(test, probabilities, 4).
func Segmentation(ds *datasets.Dataset, preds *tensor.Tensor, n int, options ...Option) (Files, error) {
	return show(SegmentationChart(ds, preds, n, options...))
}

// BeforeAfterChart shows image-to-image pairs (dehazing) for the first n examples of ds: the
// input X (hazy), the model's output (outputs, one image of TargetShape per example; nil to
// leave it out) and the target (ground truth, Targets), side by side, each captioned with its
// PSNR against the ground truth,
//
//	PSNR = 10 · log10(1 / MSE)  dB  (images in [0,1]),
//
// higher is better (identical images: ∞). The title gives the mean PSNR of inputs and outputs.
// outputs has the shape (N, TargetShape...), at least n examples (e.g. model.Predict(pairs)).
func BeforeAfterChart(ds *datasets.Dataset, outputsT *tensor.Tensor, n int, options ...Option) (*Chart, error) {
	var outputs []float32
	if outputsT != nil {
		outputs = outputsT.Float32()
	}
	if ds == nil || ds.Len() == 0 || ds.Targets == nil {
		return nil, fmt.Errorf("viz: a before/after chart needs a data set with inputs in X and ground truths in Targets (e.g. datasets.Dehaze())")
	}
	if !sameInts(ds.Shape, ds.TargetShape) {
		return nil, fmt.Errorf("viz: data set %q has inputs of shape %v and targets of shape %v; before/after pairs need images of the same shape", ds.Name, ds.Shape, ds.TargetShape)
	}
	if n <= 0 || n > ds.Len() {
		n = ds.Len()
	}
	ds = ds.Pixels(n)
	size := ds.ExampleSize()
	if outputs != nil && len(outputs) < n*size {
		return nil, fmt.Errorf("viz: %d output values for %d images of shape %v; give one output image per shown example", len(outputs), n, ds.Shape)
	}
	var tiles []tile
	var sumIn, sumOut float64
	for i := range n {
		in, truth := exampleX(ds, i), exampleTarget(ds, i)
		inImg, err := imageOf(in, ds.Shape, false)
		if err != nil {
			return nil, fmt.Errorf("viz: data set %q: %w", ds.Name, err)
		}
		gtImg, _ := imageOf(truth, ds.Shape, false)
		p := nn.PSNR(tensor.FromFloat32(in), tensor.FromFloat32(truth), 1)
		sumIn += p
		tiles = append(tiles, tile{img: inImg, label: "input, PSNR " + fmtDB(p)})
		if outputs != nil {
			out := outputs[i*size : (i+1)*size]
			outImg, _ := imageOf(out, ds.Shape, false)
			p := nn.PSNR(tensor.FromFloat32(out), tensor.FromFloat32(truth), 1)
			sumOut += p
			tiles = append(tiles, tile{img: outImg, label: "output, PSNR " + fmtDB(p)})
		}
		tiles = append(tiles, tile{img: gtImg, label: "ground truth"})
	}
	s := newSettings(options)
	cols := 2
	title := fmt.Sprintf("%s: input and ground truth, mean PSNR %s", ds.Name, fmtDB(sumIn/float64(n)))
	if outputs != nil {
		cols = 3
		title = fmt.Sprintf("Before / after: mean PSNR %s → %s", fmtDB(sumIn/float64(n)), fmtDB(sumOut/float64(n)))
	}
	if s.cols <= 0 {
		s.cols = cols
	}
	if s.width <= 0 {
		s.width = 260 * cols
	}
	return gridChart(s.titleOr(title), tiles, s)
}

// BeforeAfter shows inputs, outputs and ground truths with their PSNR (see [BeforeAfterChart]):
// viz.BeforeAfter(pairs, dehazed, 3).
func BeforeAfter(ds *datasets.Dataset, outputs *tensor.Tensor, n int, options ...Option) (Files, error) {
	return show(BeforeAfterChart(ds, outputs, n, options...))
}

// fmtDB writes a PSNR in dB (∞ for identical images).
func fmtDB(p float64) string {
	if math.IsInf(p, 1) {
		return "∞ dB"
	}
	return fmt.Sprintf("%.1f dB", p)
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// exampleX and exampleTarget return example i's stored values (no copy).
func exampleX(ds *datasets.Dataset, i int) []float32 {
	n := ds.ExampleSize()
	return ds.X[i*n : (i+1)*n]
}

func exampleTarget(ds *datasets.Dataset, i int) []float32 {
	m := ds.TargetSize()
	return ds.Targets[i*m : (i+1)*m]
}
