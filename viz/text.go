package viz

import (
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
)

// kernedCanvas draws text one character at a time, at the positions gonum's font.Face.Width
// gives. The image canvas draws whole strings through golang.org/x/image/font/opentype, whose
// Face.Kern returns the kerning of a 32-pixel font whatever the font's size (it passes
// UnitsPerEm as pixels per em): at the 8–11 pt of chart labels the hyphen of "T-shirt/top"
// moved under the T and crossed it ("Ŧshirt/top"), and the drawn text was wider or narrower
// than the width the layout measured. Width scales the kerning correctly, so text drawn this
// way has exactly the measured width.
type kernedCanvas struct {
	*vgimg.Canvas
}

// FillString draws text with its left end at pt (in the canvas's current transform, so
// rotated labels work as before).
func (c kernedCanvas) FillString(f font.Face, pt vg.Point, text string) {
	if f.Font.Size == 0 || text == "" {
		return
	}
	runes := []rune(text)
	if len(runes) == 1 {
		c.Canvas.FillString(f, pt, text)
		return
	}
	for i, r := range runes {
		if r == ' ' {
			continue
		}
		// The left end of rune i: the width of the text up to and including it (kerning
		// included) less its own advance.
		x := f.Width(string(runes[:i+1])) - f.Width(string(r))
		c.Canvas.FillString(f, vg.Point{X: pt.X + x, Y: pt.Y}, string(r))
	}
}
