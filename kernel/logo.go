package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
)

// logoPNG draws the kernel's launcher logo: a small 2-3-2 network, its neurons in Go's cyan,
// on a transparent square of size×size pixels.
func logoPNG(size int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	cyan := color.NRGBA{0x00, 0xAD, 0xD8, 0xFF}
	grey := color.NRGBA{0x55, 0x55, 0x55, 0xFF}
	s := float64(size)
	layers := [][]float64{{0.3, 0.7}, {0.2, 0.5, 0.8}, {0.3, 0.7}} // y positions per layer
	xs := []float64{0.18, 0.5, 0.82}
	// Edges between consecutive layers.
	for l := 0; l+1 < len(layers); l++ {
		for _, y0 := range layers[l] {
			for _, y1 := range layers[l+1] {
				drawLine(img, xs[l]*s, y0*s, xs[l+1]*s, y1*s, math.Max(1, s/32), grey)
			}
		}
	}
	for l, ys := range layers {
		for _, y := range ys {
			fillCircle(img, xs[l]*s, y*s, s*0.1, cyan)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // writing to memory cannot fail
	return buf.Bytes()
}

func fillCircle(img *image.NRGBA, cx, cy, r float64, c color.NRGBA) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			if dx*dx+dy*dy <= r*r {
				img.SetNRGBA(x, y, c)
			}
		}
	}
}

func drawLine(img *image.NRGBA, x0, y0, x1, y1, width float64, c color.NRGBA) {
	b := img.Bounds()
	dx, dy := x1-x0, y1-y0
	l2 := dx*dx + dy*dy
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			t := math.Max(0, math.Min(1, ((px-x0)*dx+(py-y0)*dy)/l2))
			ex, ey := px-(x0+t*dx), py-(y0+t*dy)
			if ex*ex+ey*ey <= width*width/4 {
				img.SetNRGBA(x, y, c)
			}
		}
	}
}
