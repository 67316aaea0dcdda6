package datasets

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
)

// picture is an H×W×C float32 image, values in [0,1], channels last.
type picture struct {
	h, w, c int
	pix     []float32
}

// resizeBilinear resamples p to h×w with bilinear interpolation, pixel centres aligned
// (source position y_s = (y + ½)·H/h − ½), clamped at the borders. When shrinking by more than
// 2×, the image is first averaged over boxes (area) to avoid aliasing.
func (p picture) resizeBilinear(h, w int) picture {
	if p.h == h && p.w == w {
		return p
	}
	for p.h >= 2*h && p.w >= 2*w {
		p = p.halve()
	}
	out := picture{h: h, w: w, c: p.c, pix: make([]float32, h*w*p.c)}
	sy, sx := float64(p.h)/float64(h), float64(p.w)/float64(w)
	for i := range h {
		y := math.Max((float64(i)+0.5)*sy-0.5, 0)
		y0 := min(int(y), p.h-1)
		y1 := min(y0+1, p.h-1)
		fy := float32(y - float64(y0))
		for j := range w {
			x := math.Max((float64(j)+0.5)*sx-0.5, 0)
			x0 := min(int(x), p.w-1)
			x1 := min(x0+1, p.w-1)
			fx := float32(x - float64(x0))
			o := out.pix[(i*w+j)*p.c:]
			for k := range p.c {
				a := p.pix[(y0*p.w+x0)*p.c+k]*(1-fx) + p.pix[(y0*p.w+x1)*p.c+k]*fx
				b := p.pix[(y1*p.w+x0)*p.c+k]*(1-fx) + p.pix[(y1*p.w+x1)*p.c+k]*fx
				o[k] = a*(1-fy) + b*fy
			}
		}
	}
	return out
}

// halve averages 2×2 boxes (odd last row/column dropped).
func (p picture) halve() picture {
	h, w := p.h/2, p.w/2
	out := picture{h: h, w: w, c: p.c, pix: make([]float32, h*w*p.c)}
	for i := range h {
		for j := range w {
			for k := range p.c {
				s := p.pix[((2*i)*p.w+2*j)*p.c+k] + p.pix[((2*i)*p.w+2*j+1)*p.c+k] +
					p.pix[((2*i+1)*p.w+2*j)*p.c+k] + p.pix[((2*i+1)*p.w+2*j+1)*p.c+k]
				out.pix[(i*w+j)*p.c+k] = s / 4
			}
		}
	}
	return out
}

// resizeNearest resamples p to h×w taking the nearest source pixel (for label masks).
func (p picture) resizeNearest(h, w int) picture {
	if p.h == h && p.w == w {
		return p
	}
	out := picture{h: h, w: w, c: p.c, pix: make([]float32, h*w*p.c)}
	for i := range h {
		si := min(int((float64(i)+0.5)*float64(p.h)/float64(h)), p.h-1)
		for j := range w {
			sj := min(int((float64(j)+0.5)*float64(p.w)/float64(w)), p.w-1)
			copy(out.pix[(i*w+j)*p.c:(i*w+j+1)*p.c], p.pix[(si*p.w+sj)*p.c:(si*p.w+sj+1)*p.c])
		}
	}
	return out
}

// crop returns the rows [y0, y1) and columns [x0, x1) (clamped to the image).
func (p picture) crop(x0, y0, x1, y1 int) picture {
	x0, y0 = max(x0, 0), max(y0, 0)
	x1, y1 = min(x1, p.w), min(y1, p.h)
	if x1 <= x0 || y1 <= y0 {
		return p
	}
	out := picture{h: y1 - y0, w: x1 - x0, c: p.c}
	out.pix = make([]float32, 0, out.h*out.w*p.c)
	for i := y0; i < y1; i++ {
		out.pix = append(out.pix, p.pix[(i*p.w+x0)*p.c:(i*p.w+x1)*p.c]...)
	}
	return out
}

// fromImage converts a decoded image to a picture with c channels (1: grey, 3: RGB), [0,1].
func fromImage(img image.Image, c int) picture {
	b := img.Bounds()
	p := picture{h: b.Dy(), w: b.Dx(), c: c, pix: make([]float32, b.Dx()*b.Dy()*c)}
	put := func(i int, r, g, bl float32) {
		if c == 1 {
			p.pix[i] = 0.299*r + 0.587*g + 0.114*bl
		} else {
			p.pix[3*i], p.pix[3*i+1], p.pix[3*i+2] = r, g, bl
		}
	}
	switch m := img.(type) {
	case *image.Gray:
		for y := range p.h {
			for x := range p.w {
				v := float32(m.Pix[y*m.Stride+x]) / 255
				put(y*p.w+x, v, v, v)
			}
		}
	case *image.NRGBA:
		for y := range p.h {
			for x := range p.w {
				q := m.Pix[y*m.Stride+4*x:]
				put(y*p.w+x, float32(q[0])/255, float32(q[1])/255, float32(q[2])/255)
			}
		}
	case *image.RGBA:
		for y := range p.h {
			for x := range p.w {
				q := m.Pix[y*m.Stride+4*x:]
				put(y*p.w+x, float32(q[0])/255, float32(q[1])/255, float32(q[2])/255)
			}
		}
	default:
		for y := range p.h {
			for x := range p.w {
				r, g, bl, _ := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).RGBA()
				put(y*p.w+x, float32(r)/65535, float32(g)/65535, float32(bl)/65535)
			}
		}
	}
	return p
}

// readPNG decodes a PNG file into a picture with c channels; errors name the file.
func readPNG(path string, c int) (picture, error) {
	f, err := os.Open(path)
	if err != nil {
		return picture{}, err
	}
	defer f.Close()
	return decodePNG(f, path, c)
}

// maxPixels bounds the size of decoded images (corrupt headers announcing huge images).
const maxPixels = 1 << 26

// pngMaxRatio bounds how much the image data of a PNG file can expand: zlib (deflate) reaches
// at most 1032:1; Adam7 interlacing adds a few filter bytes.
const pngMaxRatio = 1100

// pngSize returns the width and height announced by the header of a PNG file, without decoding
// it.
func pngSize(path string) (w, h int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(bufio.NewReader(f))
	if err != nil {
		return 0, 0, &FormatError{File: path, Offset: -1, Msg: "not a valid PNG image: " + err.Error()}
	}
	return cfg.Width, cfg.Height, nil
}

// decodePNG decodes a PNG image into a picture with c channels. An image announcing more than
// maxPixels pixels, or more pixel data than the file can hold once decompressed, is refused
// before anything is allocated for it.
func decodePNG(r io.Reader, name string, c int) (picture, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return picture{}, fmt.Errorf("datasets: %s: %v", name, err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return picture{}, &FormatError{File: name, Offset: -1, Msg: "not a valid PNG image: " + err.Error()}
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return picture{}, &FormatError{File: name, Offset: 16, Msg: fmt.Sprintf("PNG header announces %d×%d pixels, more than the %d this loader accepts", cfg.Width, cfg.Height, maxPixels)}
	}
	// The decoder allocates the whole image before it reads the compressed data: check first
	// that the file is large enough to hold them (IHDR, checked by DecodeConfig: bit depth at
	// byte 24, colour type at 25).
	depth, samples := int64(data[24]), map[byte]int64{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[data[25]]
	raw := int64(cfg.Height) * ((int64(cfg.Width)*samples*depth+7)/8 + 1)
	if raw > pngMaxRatio*int64(len(data))+4096 {
		return picture{}, &FormatError{File: name, Offset: 16, Msg: fmt.Sprintf("PNG header announces %d×%d pixels (%s of image data) but the file has %d bytes, which cannot hold them: the file is damaged; replace it with an intact copy", cfg.Width, cfg.Height, humanBytes(float64(raw)), len(data))}
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return picture{}, &FormatError{File: name, Offset: -1, Msg: "not a valid PNG image: " + err.Error()}
	}
	return fromImage(img, c), nil
}
