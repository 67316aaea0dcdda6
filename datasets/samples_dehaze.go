package datasets

// Sample dehazing pairs: generated scenes with and without haze, NN_hazy.png / NN_GT.png.

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"path/filepath"
)

// sampleScene is one generated outdoor scene: the clean image J, the transmission t of each
// pixel and the airlight A of the haze.
type sampleScene struct {
	h, w     int
	clean    []float32 // J, H×W×3
	trans    []float32 // t = exp(−β(x)·d(x)), H×W
	airlight rgb       // A
}

// hazy returns the hazy image of the atmospheric scattering model, I = t·J + (1 − t)·A.
func (s *sampleScene) hazy() []float32 {
	out := make([]float32, len(s.clean))
	for p, t := range s.trans {
		for c := range 3 {
			out[3*p+c] = t*s.clean[3*p+c] + (1-t)*s.airlight[c]
		}
	}
	return out
}

func newSampleScene(h, w int, r *rand.Rand) *sampleScene {
	s := &sampleScene{h: h, w: w, clean: make([]float32, h*w*3), trans: make([]float32, h*w)}
	u := func(a, b float64) float64 { return a + (b-a)*r.Float64() }
	horizon := u(0.3, 0.5)
	sky1, sky2 := jitter(rgb{0.35, 0.55, 0.85}, r, 0.1), jitter(rgb{0.75, 0.85, 0.95}, r, 0.05)
	ground1, ground2 := jitter(rgb{0.35, 0.45, 0.20}, r, 0.1), jitter(rgb{0.25, 0.22, 0.15}, r, 0.08)
	depth := make([]float64, h*w)
	for y := range h {
		fy := (float64(y) + 0.5) / float64(h)
		for x := range w {
			p := y*w + x
			var c rgb
			if fy < horizon {
				t := float32(fy / horizon)
				for i := range c {
					c[i] = sky1[i]*(1-t) + sky2[i]*t
				}
				depth[p] = 3 // far away
			} else {
				t := float32((fy - horizon) / (1 - horizon))
				stripe := float32(0.05 * math.Sin(float64(x)*0.7+float64(y)*0.3))
				for i := range c {
					c[i] = ground1[i]*(1-t) + ground2[i]*t + stripe
				}
				depth[p] = min(3, 0.4*(1-horizon)/(fy-horizon+0.02)) // nearer towards the bottom
			}
			copy(s.clean[3*p:3*p+3], c[:])
		}
	}
	// Buildings and trees: coloured blocks standing on the ground, farther ones drawn first.
	n := 4 + r.IntN(5)
	type block struct {
		x0, x1, y0, y1 int
		d              float64
		c              rgb
		windows        bool
	}
	blocks := make([]block, n)
	for i := range blocks {
		base := u(horizon+0.02, 0.95)
		d := min(3, 0.4*(1-horizon)/(base-horizon+0.02))
		bw, bh := u(0.08, 0.25)/math.Sqrt(d), u(0.15, 0.5)/math.Sqrt(d)
		x0 := u(-0.05, 0.95)
		colors := []rgb{{0.7, 0.3, 0.2}, {0.85, 0.8, 0.7}, {0.2, 0.5, 0.25}, {0.5, 0.5, 0.55}, {0.9, 0.6, 0.2}}
		blocks[i] = block{int(x0 * float64(w)), int((x0 + bw) * float64(w)), int((base - bh) * float64(h)), int(base * float64(h)),
			d, jitter(colors[r.IntN(len(colors))], r, 0.1), r.IntN(2) == 0}
	}
	for i := range blocks { // far to near
		for j := i + 1; j < len(blocks); j++ {
			if blocks[j].d > blocks[i].d {
				blocks[i], blocks[j] = blocks[j], blocks[i]
			}
		}
	}
	for _, b := range blocks {
		for y := max(b.y0, 0); y < min(b.y1, h); y++ {
			for x := max(b.x0, 0); x < min(b.x1, w); x++ {
				c := b.c
				if b.windows && (x-b.x0)%6 >= 2 && (x-b.x0)%6 < 4 && (y-b.y0)%7 >= 2 && (y-b.y0)%7 < 5 {
					c = rgb{0.15, 0.18, 0.25}
				}
				p := y*w + x
				copy(s.clean[3*p:3*p+3], c[:])
				depth[p] = b.d
			}
		}
	}
	// Non-homogeneous haze (as in NH-HAZE): the density β varies smoothly over the image.
	beta := u(0.5, 1.0)
	f1, f2, ph := u(1, 3), u(1, 3), u(0, 2*math.Pi)
	a := float32(u(0.75, 0.95))
	s.airlight = rgb{a, a, min(1, a*float32(u(1.0, 1.06)))}
	for y := range h {
		for x := range w {
			p := y*w + x
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			b := beta * (1 + 0.4*math.Sin(2*math.Pi*f1*fx+ph)*math.Cos(2*math.Pi*f2*fy))
			s.trans[p] = float32(math.Exp(-b * depth[p]))
			for c := range 3 {
				s.clean[3*p+c] = min(max(s.clean[3*p+c]+float32(0.015*r.NormFloat64()), 0), 1)
			}
		}
	}
	return s
}

// WriteSampleDehaze writes generated hazy / clean image pairs in the layout of NH-HAZE into dir
// (which must not exist, or be empty), readable by DehazeWith(DehazeOptions{Dir: dir}):
// dir/01_hazy.png, dir/01_GT.png, dir/02_hazy.png, ... (8-bit RGB PNG, w×h pixels).
//
// Each clean image J is an outdoor scene (sky, ground, buildings at various distances d); the
// hazy image follows the atmospheric scattering model
//
//	I(x) = t(x)·J(x) + (1 − t(x))·A,   t(x) = exp(−β(x)·d(x)),
//
// with a grey-white airlight A and a haze density β(x) that varies over the image
// (non-homogeneous haze): far objects fade into A. The same seed writes the same files.
func WriteSampleDehaze(dir string, pairs, h, w int, seed int64) error {
	if pairs < 1 || pairs > 999 || h < 8 || w < 8 {
		return fmt.Errorf("datasets: WriteSampleDehaze: %d pairs (1..999) of %d×%d pixels (≥ 8×8)", pairs, w, h)
	}
	return writeSampleDir(dir, func(tmp string) error {
		rng := newRand(seed)
		for i := 1; i <= pairs; i++ {
			s := newSampleScene(h, w, rng)
			for _, f := range []struct {
				suffix string
				pix    []float32
			}{{"_GT", s.clean}, {"_hazy", s.hazy()}} {
				b, err := rgbPNG(f.pix, h, w)
				if err != nil {
					return err
				}
				if err := writeFileIn(filepath.Join(tmp, fmt.Sprintf("%02d%s.png", i, f.suffix)), b); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// rgbPNG encodes an H×W×3 image in [0,1] as an 8-bit RGB PNG.
func rgbPNG(pix []float32, h, w int) ([]byte, error) {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for p := range h * w {
		img.SetNRGBA(p%w, p/w, color.NRGBA{to8(pix[3*p]), to8(pix[3*p+1]), to8(pix[3*p+2]), 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
