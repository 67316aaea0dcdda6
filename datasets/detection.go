package datasets

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Box is an axis-aligned box in pixel coordinates, x to the right and y down from the image's
// top-left corner: (X1, Y1) is its top-left corner and (X2, Y2) its bottom-right corner, both on
// pixel edges, so that a box over the pixel columns 3 to 7 has X1 = 3 and X2 = 8, and its width
// is X2 − X1 (no +1). Class is the object's class id, Score a detector's confidence in [0, 1]
// (0 for a ground-truth box). nn.Box is the same type.
type Box struct {
	X1, Y1, X2, Y2 float64
	Class          int
	Score          float64
}

// Width is X2 − X1.
func (b Box) Width() float64 { return b.X2 - b.X1 }

// Height is Y2 − Y1.
func (b Box) Height() float64 { return b.Y2 - b.Y1 }

// Area is (X2 − X1)·(Y2 − Y1).
func (b Box) Area() float64 { return b.Width() * b.Height() }

// Center returns the box's centre ((X1 + X2)/2, (Y1 + Y2)/2).
func (b Box) Center() (cx, cy float64) { return (b.X1 + b.X2) / 2, (b.Y1 + b.Y2) / 2 }

// String writes the box as "(x1, y1)-(x2, y2) class k", with the score when it is not 0.
func (b Box) String() string {
	s := fmt.Sprintf("(%g, %g)-(%g, %g) class %d", b.X1, b.Y1, b.X2, b.Y2, b.Class)
	if b.Score != 0 {
		s += fmt.Sprintf(" score %.3g", b.Score)
	}
	return s
}

// Check reports what is wrong with the box: a coordinate or score that is not a finite number,
// a corner given in the wrong order (X2 < X1 or Y2 < Y1), an empty box (X2 = X1 or Y2 = Y1), a
// negative class id. The message names the box and the fix.
func (b Box) Check() error {
	for _, v := range []float64{b.X1, b.Y1, b.X2, b.Y2, b.Score} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("box %v has a coordinate or score that is not a finite number", b)
		}
	}
	switch {
	case b.X2 < b.X1:
		return fmt.Errorf("box %v: x2 = %g is left of x1 = %g: give the top-left corner (x1, y1) first and the bottom-right corner (x2, y2) second", b, b.X2, b.X1)
	case b.Y2 < b.Y1:
		return fmt.Errorf("box %v: y2 = %g is above y1 = %g (y grows downwards): give the top-left corner (x1, y1) first and the bottom-right corner (x2, y2) second", b, b.Y2, b.Y1)
	case b.X2 == b.X1 || b.Y2 == b.Y1:
		return fmt.Errorf("box %v is empty (width %g, height %g): a box needs x1 < x2 and y1 < y2; leave empty boxes out", b, b.Width(), b.Height())
	case b.Class < 0:
		return fmt.Errorf("box %v: class %d is negative: class ids are 0, 1, 2, ...", b, b.Class)
	}
	return nil
}

// ShapeClasses are the classes of [DetectionShapes]: 0 circle, 1 square, 2 triangle.
var ShapeClasses = []string{"circle", "square", "triangle"}

// ShapesOptions configures [DetectionShapes]. The zero value is the default.
type ShapesOptions struct {
	// Size is the height and width of the images in pixels; default 48.
	Size int
	// Grid is the number of cells per side of the detector's grid (Targets); default 6.
	Grid int
	// MinObjects and MaxObjects bound the number of objects per image; default 1 and 4.
	MinObjects, MaxObjects int
	// MinSide and MaxSide bound the objects' sizes (diameter, side) in pixels; default
	// Size/6 and Size/2.4 (8 and 20 pixels on 48×48 images).
	MinSide, MaxSide int
	// Noise is the standard deviation of the Gaussian noise added to every pixel value; default
	// 0.05, a negative value for none.
	Noise float64
	// MaxOverlap is the largest fraction of the smaller of two objects' boxes that their
	// intersection may cover; default 0.35 (every object stays mostly visible).
	MaxOverlap float64
}

func (o *ShapesOptions) defaults() error {
	if o.Size <= 0 {
		o.Size = 48
	}
	if o.Grid <= 0 {
		o.Grid = 6
	}
	if o.MinObjects <= 0 {
		o.MinObjects = 1
	}
	if o.MaxObjects <= 0 {
		o.MaxObjects = max(4, o.MinObjects)
	}
	if o.MinSide <= 0 {
		o.MinSide = max(3, o.Size/6)
	}
	if o.MaxSide <= 0 {
		o.MaxSide = max(o.MinSide, int(float64(o.Size)/2.4))
	}
	switch {
	case o.Noise == 0:
		o.Noise = 0.05
	case o.Noise < 0:
		o.Noise = 0
	}
	if o.MaxOverlap <= 0 {
		o.MaxOverlap = 0.35
	}
	switch {
	case o.MaxObjects < o.MinObjects:
		return fmt.Errorf("datasets.DetectionShapes: MaxObjects = %d is less than MinObjects = %d", o.MaxObjects, o.MinObjects)
	case o.MaxSide < o.MinSide:
		return fmt.Errorf("datasets.DetectionShapes: MaxSide = %d is less than MinSide = %d", o.MaxSide, o.MinSide)
	case o.MaxSide > o.Size:
		return fmt.Errorf("datasets.DetectionShapes: MaxSide = %d does not fit in images of %d pixels: make it at most Size", o.MaxSide, o.Size)
	case o.Grid > o.Size:
		return fmt.Errorf("datasets.DetectionShapes: a grid of %d cells per side on images of %d pixels: make Grid at most Size (e.g. 6 on 48×48)", o.Grid, o.Size)
	case o.MaxObjects > o.Grid*o.Grid:
		return fmt.Errorf("datasets.DetectionShapes: %d objects per image but only %d grid cells (one object per cell): lower MaxObjects or raise Grid", o.MaxObjects, o.Grid*o.Grid)
	}
	return nil
}

// DetectionSet is a data set for object detection: the images with their ground-truth boxes,
// and the targets of a grid detector.
//
// The embedded Dataset holds the images in X (Shape H×W×C, values in [0, 1]), the class names in
// Classes, and in Targets the grid targets of [GridTargets] (TargetShape (Grid, Grid,
// 5 + classes)): it is what nn.Fit trains on (det.Dataset). Boxes[i] are the boxes of image i.
// Take, Subset and Split keep the boxes with their images.
type DetectionSet struct {
	*Dataset
	Boxes [][]Box // ground-truth boxes of each image (pixels)
	Grid  int     // cells per side of the targets' grid
}

// NumBoxes is the number of ground-truth boxes of all images.
func (d *DetectionSet) NumBoxes() int {
	n := 0
	for _, b := range d.Boxes {
		n += len(b)
	}
	return n
}

// Subset returns the images idx[0], idx[1], ... with their boxes (copied).
func (d *DetectionSet) Subset(idx []int) *DetectionSet {
	out := &DetectionSet{Dataset: d.Dataset.Subset(idx), Grid: d.Grid, Boxes: make([][]Box, len(idx))}
	for k, i := range idx {
		out.Boxes[k] = slices.Clone(d.Boxes[i])
	}
	return out
}

// Take returns the first n images with their boxes (all of them when n ≥ Len()).
func (d *DetectionSet) Take(n int) *DetectionSet {
	n = min(max(n, 0), d.Len())
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return d.Subset(idx)
}

// Split shuffles the images with the given seed and returns the first round(frac·Len()) of them
// in a and the rest in b, with their boxes, e.g. train, val := all.Split(0.9, 1).
func (d *DetectionSet) Split(frac float64, seed int64) (a, b *DetectionSet) {
	if !(frac >= 0 && frac <= 1) {
		panic(fmt.Sprintf("datasets: Split of %q: fraction %v is not in [0,1]", d.Name, frac))
	}
	perm := Permutation(d.Len(), seed)
	k := int(math.Round(frac * float64(len(perm))))
	return d.Subset(perm[:k]), d.Subset(perm[k:])
}

// String is a one-line summary, e.g.
// `shapes-1: 1000 images of [48 48 3], 3 classes, 2496 boxes, grid targets [6 6 8]`.
func (d *DetectionSet) String() string {
	return fmt.Sprintf("%s: %d images of %v, %d classes, %d boxes, grid targets %v", d.Name, d.Len(), d.Shape, len(d.Classes), d.NumBoxes(), d.TargetShape)
}

// GridChannels is the number of values per cell of a grid detector's target and output for the
// given number of classes: 5 + classes (objectness, x, y, w, h, one value per class).
func GridChannels(classes int) int { return 5 + classes }

// GridTargets encodes the ground-truth boxes of one image of width × height pixels as the target
// of a single-shot grid detector (YOLO v1): the image is cut into grid × grid cells of cw × ch
// pixels (cw = width/grid, ch = height/grid), and the cell in row i, column j that holds the
// centre (cx, cy) of a box of size w × h is responsible for it. That cell's target is the vector
// of GridChannels(classes) values
//
//	[1, cx/cw − j, cy/ch − i, ln(w/width), ln(h/height), one-hot(class)]
//
// (objectness 1, the centre's offsets inside the cell in [0, 1), the log of the box's size
// relative to the image, then 1 at the box's class and 0 elsewhere); cells without an object hold
// zeros. The result has shape (grid, grid, 5 + classes), row-major. A cell holds one object:
// when the centres of two boxes fall into the same cell, it keeps the larger box. nn.DecodeGrid
// does the inverse on a model's outputs.
func GridTargets(boxes []Box, width, height, grid, classes int) ([]float32, error) {
	if width <= 0 || height <= 0 || grid <= 0 || classes <= 0 {
		return nil, fmt.Errorf("datasets.GridTargets: image %d×%d, grid %d, %d classes: all must be at least 1", width, height, grid, classes)
	}
	ch := GridChannels(classes)
	out := make([]float32, grid*grid*ch)
	area := make([]float64, grid*grid) // area of the box kept in each cell
	cw, chh := float64(width)/float64(grid), float64(height)/float64(grid)
	for k, b := range boxes {
		if err := b.Check(); err != nil {
			return nil, fmt.Errorf("datasets.GridTargets: box %d: %w", k, err)
		}
		if b.Class >= classes {
			return nil, fmt.Errorf("datasets.GridTargets: box %d has class %d, but there are %d classes (0..%d)", k, b.Class, classes, classes-1)
		}
		cx, cy := b.Center()
		if cx < 0 || cy < 0 || cx > float64(width) || cy > float64(height) {
			return nil, fmt.Errorf("datasets.GridTargets: box %d %v has its centre outside the %d×%d image", k, b, width, height)
		}
		j, i := min(int(cx/cw), grid-1), min(int(cy/chh), grid-1)
		cell := i*grid + j
		if area[cell] >= b.Area() {
			continue
		}
		area[cell] = b.Area()
		v := out[cell*ch : (cell+1)*ch]
		clear(v)
		v[0] = 1
		v[1], v[2] = float32(cx/cw-float64(j)), float32(cy/chh-float64(i))
		v[3], v[4] = float32(math.Log(b.Width()/float64(width))), float32(math.Log(b.Height()/float64(height)))
		v[5+b.Class] = 1
	}
	return out, nil
}

// DetectionShapes generates n RGB images of 1 to 4 objects of 3 classes ([ShapeClasses]: filled
// circles, squares and upright triangles) of random sizes, colours and positions on a dark
// noisy background, with their boxes: a data set for object detection that needs no download.
// An object's box is the tight box of its pixels. Objects may overlap, by at most MaxOverlap of
// the smaller box (later objects are drawn over earlier ones), and no two centres fall into the
// same cell of the grid (each cell of a grid detector finds one object). Targets holds the grid
// targets of [GridTargets]. The same seed gives the same images on every machine.
func DetectionShapes(n int, seed int64, opt ShapesOptions) (*DetectionSet, error) {
	if n < 0 {
		return nil, fmt.Errorf("datasets.DetectionShapes: %d images: want n ≥ 0", n)
	}
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	s, classes := opt.Size, len(ShapeClasses)
	per, tper := s*s*3, opt.Grid*opt.Grid*GridChannels(classes)
	d := &DetectionSet{
		Dataset: &Dataset{Name: fmt.Sprintf("shapes-%d", seed), Shape: []int{s, s, 3}, Classes: slices.Clone(ShapeClasses),
			X: make([]float32, n*per), Targets: make([]float32, n*tper), TargetShape: []int{opt.Grid, opt.Grid, GridChannels(classes)}},
		Boxes: make([][]Box, n),
		Grid:  opt.Grid,
	}
	rng := newRand(seed)
	cell := float64(s) / float64(opt.Grid)
	for i := range n {
		img := d.X[i*per : (i+1)*per]
		bg := [3]float64{0.05 + 0.25*rng.Float64(), 0.05 + 0.25*rng.Float64(), 0.05 + 0.25*rng.Float64()}
		for p := range s * s {
			for c := range 3 {
				img[3*p+c] = float32(bg[c])
			}
		}
		want := opt.MinObjects + rng.IntN(opt.MaxObjects-opt.MinObjects+1)
		used := map[int]bool{}
		var boxes []Box
		for range want {
			for range 200 { // tries
				class := rng.IntN(classes)
				side := opt.MinSide + rng.IntN(opt.MaxSide-opt.MinSide+1)
				x0, y0 := rng.IntN(s-side+1), rng.IntN(s-side+1)
				inside := shapeMask(class, side)
				b := maskBox(inside, side, x0, y0, class)
				cx, cy := b.Center()
				c := min(int(cy/cell), opt.Grid-1)*opt.Grid + min(int(cx/cell), opt.Grid-1)
				if used[c] || overlapsTooMuch(b, boxes, opt.MaxOverlap) {
					continue
				}
				used[c] = true
				boxes = append(boxes, b)
				col := objectColor(bg, rng)
				for y := range side {
					for x := range side {
						if inside[y*side+x] {
							p := (y0+y)*s + x0 + x
							for k := range 3 {
								img[3*p+k] = float32(col[k])
							}
						}
					}
				}
				break
			}
		}
		if opt.Noise > 0 {
			for p := range img {
				img[p] = float32(min(1, max(0, float64(img[p])+opt.Noise*rng.NormFloat64())))
			}
		}
		t, err := GridTargets(boxes, s, s, opt.Grid, classes)
		if err != nil {
			return nil, err // cannot happen: the boxes are inside the image
		}
		copy(d.Targets[i*tper:(i+1)*tper], t)
		d.Boxes[i] = boxes
	}
	return d, nil
}

// shapeMask returns which pixels of a side×side square are inside the shape of class: a
// circle of diameter side, the full square, or an upright triangle with its base at the bottom
// (a pixel is inside when its centre is).
func shapeMask(class, side int) []bool {
	m := make([]bool, side*side)
	r := float64(side) / 2
	for y := range side {
		for x := range side {
			px, py := float64(x)+0.5, float64(y)+0.5
			var in bool
			switch class {
			case 0: // circle
				in = (px-r)*(px-r)+(py-r)*(py-r) <= r*r
			case 1: // square
				in = true
			default: // triangle: apex (r, 0), base from (0, side) to (side, side)
				in = math.Abs(px-r) <= r*py/float64(side)
			}
			m[y*side+x] = in
		}
	}
	return m
}

// maskBox is the tight box of the pixels of mask (side×side) placed at (x0, y0).
func maskBox(mask []bool, side, x0, y0, class int) Box {
	minX, minY, maxX, maxY := side, side, -1, -1
	for y := range side {
		for x := range side {
			if mask[y*side+x] {
				minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
			}
		}
	}
	return Box{X1: float64(x0 + minX), Y1: float64(y0 + minY), X2: float64(x0 + maxX + 1), Y2: float64(y0 + maxY + 1), Class: class}
}

// overlapsTooMuch reports whether b's intersection with one of boxes covers more than frac of
// the smaller of the two.
func overlapsTooMuch(b Box, boxes []Box, frac float64) bool {
	for _, o := range boxes {
		w := min(b.X2, o.X2) - max(b.X1, o.X1)
		h := min(b.Y2, o.Y2) - max(b.Y1, o.Y1)
		if w > 0 && h > 0 && w*h > frac*min(b.Area(), o.Area()) {
			return true
		}
	}
	return false
}

// objectColor draws a colour whose brightness differs from the background's by at least 0.3.
func objectColor(bg [3]float64, rng interface{ Float64() float64 }) [3]float64 {
	lum := func(c [3]float64) float64 { return 0.299*c[0] + 0.587*c[1] + 0.114*c[2] }
	var c [3]float64
	for range 100 {
		for k := range c {
			c[k] = 0.2 + 0.8*rng.Float64()
		}
		if lum(c)-lum(bg) >= 0.3 {
			break
		}
	}
	return c
}

// GTSRBBoxes loads GTSRB (see [GTSRBWith]) for box regression: each photo whole (NoCrop),
// resized to Size×Size×3, with the box of its sign (the ROI of the CSV files) as target:
// Targets holds (x1, y1, x2, y2) relative to the photo's width and height, in [0, 1]
// (TargetShape [4]; the ROI's corners are inclusive pixels, so x2 = (Roi.X2 + 1)/Width). The
// data sets have no Labels (nn.Fit then regresses the targets); Groups keeps the tracks.
// opt.NoCrop is ignored.
func GTSRBBoxes(opt GTSRBOptions) (train, test *Dataset, err error) {
	opt.NoCrop, opt.boxes = true, true
	train, test, err = GTSRBWith(opt)
	if err != nil {
		return nil, nil, err
	}
	for _, d := range []*Dataset{train, test} {
		d.Labels, d.Classes = nil, nil
		d.Name = strings.Replace(d.Name, "gtsrb", "gtsrb-boxes", 1)
	}
	return train, test, nil
}

// ZoomOut returns a copy of d, a box-regression data set (images H×W×C, Targets (x1, y1, x2, y2)
// relative to the image, TargetShape [4]), where each image is shrunk by a random factor
// between 1 and maxZoom and put at a random place of an image of the same size, its border
// pixels repeated around it (as the "zoom out" augmentation of SSD detectors); the boxes follow.
// The objects then appear at different places and sizes, so that their box has to be found.
// The same seed gives the same images.
func ZoomOut(d *Dataset, maxZoom float64, seed int64) (*Dataset, error) {
	switch {
	case d == nil || d.Len() == 0:
		return nil, fmt.Errorf("datasets.ZoomOut: the data set is nil or empty")
	case len(d.Shape) != 3:
		return nil, fmt.Errorf("datasets.ZoomOut: %s has examples of shape %v: want images H×W×C", d.Name, d.Shape)
	case d.Targets == nil || !slices.Equal(d.TargetShape, []int{4}):
		return nil, fmt.Errorf("datasets.ZoomOut: %s has targets of shape %v: want boxes (x1, y1, x2, y2) relative to the image, TargetShape [4] (datasets.GTSRBBoxes)", d.Name, d.TargetShape)
	case !(maxZoom >= 1) || math.IsInf(maxZoom, 0):
		return nil, fmt.Errorf("datasets.ZoomOut: maxZoom = %v: want a factor ≥ 1 (1 changes nothing, 2 shrinks the photos down to half their size)", maxZoom)
	}
	out := d.Take(d.Len())
	h, w, c := d.Shape[0], d.Shape[1], d.Shape[2]
	per := h * w * c
	rng := newRand(seed)
	for i := range d.Len() {
		src, dst := d.X[i*per:(i+1)*per], out.X[i*per:(i+1)*per]
		s := 1 / (1 + (maxZoom-1)*rng.Float64()) // the photo's size relative to the image
		ox, oy := (1-s)*rng.Float64(), (1-s)*rng.Float64()
		for y := range h {
			// Source coordinates (pixels) of this pixel's centre, clamped to the photo (border repeated).
			v := ((float64(y)+0.5)/float64(h)-oy)/s*float64(h) - 0.5
			v = min(max(v, 0), float64(h-1))
			y0 := min(int(v), h-2)
			fy := v - float64(max(y0, 0))
			y0 = max(y0, 0)
			y1 := min(y0+1, h-1)
			for x := range w {
				u := ((float64(x)+0.5)/float64(w)-ox)/s*float64(w) - 0.5
				u = min(max(u, 0), float64(w-1))
				x0 := max(min(int(u), w-2), 0)
				fx := u - float64(x0)
				x1 := min(x0+1, w-1)
				for k := range c {
					a := float64(src[(y0*w+x0)*c+k])*(1-fx) + float64(src[(y0*w+x1)*c+k])*fx
					b := float64(src[(y1*w+x0)*c+k])*(1-fx) + float64(src[(y1*w+x1)*c+k])*fx
					dst[(y*w+x)*c+k] = float32(a*(1-fy) + b*fy)
				}
			}
		}
		t := out.Targets[4*i : 4*i+4]
		t[0], t[2] = float32(ox+s*float64(t[0])), float32(ox+s*float64(t[2]))
		t[1], t[3] = float32(oy+s*float64(t[1])), float32(oy+s*float64(t[3]))
	}
	out.Name = d.Name + "-zoomout"
	return out, nil
}
