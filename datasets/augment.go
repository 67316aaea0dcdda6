package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Augmentation describes random changes applied to training images on the fly, as in the
// lecture ("random variations of input parameters: lightness, contrast..."). The zero value
// changes nothing; each field turns one transformation on. Images are H×W×C.
//
// For each image, with draws uniform in the given ranges:
//
//	contrast:   x ← (x − m)·α + m,  α ∈ [1−Contrast, 1+Contrast], m the image mean
//	brightness: x ← x + β,          β ∈ [−Brightness, +Brightness]
//	flip:       x(i, j) ← x(i, W−1−j) with probability ½ (FlipH)
//	shift:      x(i, j) ← x(i−dy, j−dx), dx, dy ∈ {−Shift..Shift}, 0 outside (= random crop of
//	            the image padded with Shift pixels)
//	rotation:   by θ ∈ [−Rotate, +Rotate] degrees around the centre, bilinear, 0 outside
//
// The geometric transformations (flip, shift, rotation) are applied identically to the targets
// when they are images of the same height and width (segmentation masks, clean images), so
// input and target stay aligned. A target whose values are all whole numbers (a mask of 0/1 or
// of class ids) is rotated with the nearest pixel instead of bilinear interpolation, so that it
// keeps valid labels (bilinear would blend class 1 and class 3 into a false class 2). Values
// are clipped to [0,1] unless the data are normalized.
type Augmentation struct {
	Brightness float64 // maximum brightness change β, e.g. 0.2
	Contrast   float64 // maximum relative contrast change, e.g. 0.2
	FlipH      bool    // random horizontal flip (not for digits or traffic signs with text/arrows)
	Shift      int     // maximum shift in pixels, e.g. 2
	Rotate     float64 // maximum rotation in degrees, e.g. 10
	Seed       int64
}

// Preview returns the first n examples of d augmented (with the augmentation's seed), e.g. to
// look at them with viz. d is not changed; normalized data are augmented as pictures (see
// [Batcher.Augment]) and stay normalized.
func (a Augmentation) Preview(d *Dataset, n int) *Dataset {
	out := d.Take(n)
	rng := newRand(a.Seed)
	b := &Batch{X: out.X, Labels: out.Labels, Targets: out.Targets, Size: out.Len(), Shape: out.Shape, TargetShape: out.TargetShape}
	a.applyNormalized(b, d.Norm, rng)
	return out
}

// check reports an augmentation that cannot apply to d: negative amounts, or geometric changes
// (shift, rotation, flip) on examples that are not H×W×C images.
func (a Augmentation) check(d *Dataset) error {
	if a.Brightness < 0 || a.Contrast < 0 || a.Shift < 0 || a.Rotate < 0 {
		return fmt.Errorf("datasets: augmentation %+v: the amounts must be ≥ 0", a)
	}
	if (a.Shift > 0 || a.Rotate > 0 || a.FlipH) && len(d.Shape) != 3 {
		return fmt.Errorf("datasets: %s: shifts, rotations and flips need images of shape H×W×C, but the examples have shape %v (reshape them, e.g. to [28 28 1])",
			d.Name, d.Shape)
	}
	return nil
}

// applyNormalized augments the batch in place; with norm set, the values are pixels normalized
// by norm: they are turned back into pixels, augmented (and clipped to [0, 1]), and normalized
// again, so that brightness, contrast and the zeros coming in at the borders mean what they
// mean for pictures.
func (a *Augmentation) applyNormalized(b *Batch, norm *Normalization, rng *rand.Rand) {
	if norm == nil {
		a.apply(b, true, rng)
		return
	}
	norm.Invert(b.X)
	a.apply(b, true, rng)
	norm.Apply(b.X)
}

// apply augments the batch in place.
func (a *Augmentation) apply(b *Batch, clip bool, rng *rand.Rand) {
	n := prod(b.Shape)
	isImage := len(b.Shape) == 3
	var h, w, c, tc int
	targetImage := false
	if isImage {
		h, w, c = b.Shape[0], b.Shape[1], b.Shape[2]
		if len(b.TargetShape) >= 2 && b.Targets != nil && b.TargetShape[0] == h && b.TargetShape[1] == w {
			targetImage = true
			tc = prod(b.TargetShape) / (h * w)
		}
	}
	var scratch []float32
	for k := range b.Size {
		x := b.X[k*n : (k+1)*n]
		// The draws come in this order: flip, shift, rotation (images only), contrast, brightness.
		var g geometry
		if isImage {
			g = a.drawGeometry(rng, h, w)
		}
		t := Transform{FlipH: g.flip, DX: g.dx, DY: g.dy, Rotate: g.degrees}
		if a.Contrast > 0 {
			t.Contrast = a.Contrast * (2*rng.Float64() - 1)
		}
		if a.Brightness > 0 {
			t.Brightness = a.Brightness * (2*rng.Float64() - 1)
		}
		scratch = t.apply(x, h, w, c, clip && (a.Contrast > 0 || a.Brightness > 0), scratch)
		if targetImage && !g.identity() {
			m := h * w * tc
			tg := b.Targets[k*m : (k+1)*m]
			scratch = g.warp(tg, h, w, tc, scratch, wholeNumbers(tg))
		}
	}
}

// Transform is one augmentation with chosen amounts instead of random draws (a lecture demo,
// a test), with the formulas of [Augmentation], in this order:
//
//	flip:       x(i, j) ← x(i, W−1−j)                      (FlipH)
//	shift:      x(i, j) ← x(i−DY, j−DX), 0 outside          (DX pixels right, DY down)
//	rotation:   x(p) ← x(c + R(−θ)(p − c)), bilinear, 0 outside (θ = Rotate degrees, clockwise on screen)
//	contrast:   x ← (x − m)·(1 + Contrast) + m              (m the image mean)
//	brightness: x ← x + Brightness
//
// The zero value changes nothing.
type Transform struct {
	FlipH      bool
	DX, DY     int
	Rotate     float64 // degrees
	Contrast   float64 // α − 1: 0.3 for 30% more contrast, −1 makes the image flat
	Brightness float64 // β
}

// Apply transforms the H×W×C image x (pixels in [0, 1]) in place, clipping to [0, 1] after
// a contrast or brightness change.
func (t Transform) Apply(x []float32, h, w, c int) {
	t.apply(x, h, w, c, t.Contrast != 0 || t.Brightness != 0, nil)
}

func (t Transform) apply(x []float32, h, w, c int, clip bool, scratch []float32) []float32 {
	g := geometry{flip: t.FlipH, dx: t.DX, dy: t.DY}
	if t.Rotate != 0 {
		theta := t.Rotate * math.Pi / 180
		g.cos, g.sin, g.rotate, g.degrees = math.Cos(theta), math.Sin(theta), true, t.Rotate
	}
	if !g.identity() {
		scratch = g.warp(x, h, w, c, scratch, false)
	}
	if t.Contrast != 0 {
		alpha := float32(1 + t.Contrast)
		var mean float64
		for _, v := range x {
			mean += float64(v)
		}
		m := float32(mean / float64(len(x)))
		for i, v := range x {
			x[i] = (v-m)*alpha + m
		}
	}
	if t.Brightness != 0 {
		beta := float32(t.Brightness)
		for i := range x {
			x[i] += beta
		}
	}
	if clip {
		for i, v := range x {
			x[i] = min(max(v, 0), 1)
		}
	}
	return scratch
}

// geometry is one draw of the geometric transformations.
type geometry struct {
	flip     bool
	dx, dy   int
	cos, sin float64
	rotate   bool
	degrees  float64 // the rotation θ in degrees
}

func (a *Augmentation) drawGeometry(rng *rand.Rand, h, w int) geometry {
	var g geometry
	if a.FlipH {
		g.flip = rng.IntN(2) == 1
	}
	if a.Shift > 0 {
		g.dx = rng.IntN(2*a.Shift+1) - a.Shift
		g.dy = rng.IntN(2*a.Shift+1) - a.Shift
	}
	if a.Rotate > 0 {
		g.degrees = a.Rotate * (2*rng.Float64() - 1)
		theta := g.degrees * math.Pi / 180
		g.cos, g.sin, g.rotate = math.Cos(theta), math.Sin(theta), theta != 0
	}
	return g
}

func (g geometry) identity() bool { return !g.flip && g.dx == 0 && g.dy == 0 && !g.rotate }

// wholeNumbers reports whether every value of v is a whole number (label masks).
func wholeNumbers(v []float32) bool {
	for _, x := range v {
		if x != float32(math.Trunc(float64(x))) {
			return false
		}
	}
	return true
}

// warp transforms the H×W×C image x in place. For each output pixel (i, j) it finds the source
// position by undoing the shift, then the rotation around the centre, then the flip, and samples
// x there (bilinear when rotated, or the nearest pixel when nearest is set; 0 outside the image).
func (g geometry) warp(x []float32, h, w, c int, scratch []float32, nearest bool) []float32 {
	scratch = append(scratch[:0], x...)
	cy, cx := float64(h-1)/2, float64(w-1)/2
	for i := range h {
		for j := range w {
			out := x[(i*w+j)*c : (i*w+j+1)*c]
			si, sj := float64(i-g.dy), float64(j-g.dx)
			if g.rotate {
				// Inverse rotation: rotate the output offset by −θ.
				oy, ox := si-cy, sj-cx
				si = cy + g.cos*oy - g.sin*ox
				sj = cx + g.sin*oy + g.cos*ox
			}
			if g.flip {
				sj = float64(w-1) - sj
			}
			if !g.rotate || nearest {
				ii, jj := int(math.Floor(si+0.5)), int(math.Floor(sj+0.5))
				if ii < 0 || ii >= h || jj < 0 || jj >= w {
					clear(out)
				} else {
					copy(out, scratch[(ii*w+jj)*c:(ii*w+jj+1)*c])
				}
				continue
			}
			bilinear(scratch, h, w, c, si, sj, out)
		}
	}
	return scratch
}

// bilinear samples the H×W×C image src at the real position (y, x) into out; pixels outside the
// image count as 0.
func bilinear(src []float32, h, w, c int, y, x float64, out []float32) {
	y0, x0 := math.Floor(y), math.Floor(x)
	fy, fx := float32(y-y0), float32(x-x0)
	iy, ix := int(y0), int(x0)
	clear(out)
	for dy := range 2 {
		ii := iy + dy
		if ii < 0 || ii >= h {
			continue
		}
		wy := 1 - fy
		if dy == 1 {
			wy = fy
		}
		for dx := range 2 {
			jj := ix + dx
			if jj < 0 || jj >= w {
				continue
			}
			wgt := 1 - fx
			if dx == 1 {
				wgt = fx
			}
			wgt *= wy
			if wgt == 0 {
				continue
			}
			base := (ii*w + jj) * c
			for k := range c {
				out[k] += wgt * src[base+k]
			}
		}
	}
}
