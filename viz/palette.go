package viz

import (
	"fmt"
	"image/color"
)

// palette is used, in this order, by the live charts (echarts option "color") and the static
// pictures, so both pictures of a chart have the same colours.
var palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

// paletteColor returns the i-th palette colour (cycling).
func paletteColor(i int) string { return palette[i%len(palette)] }

// parseHex turns "#rrggbb" into a colour.
func parseHex(s string) (color.NRGBA, error) {
	var r, g, b uint8
	if len(s) != 7 || s[0] != '#' {
		return color.NRGBA{}, fmt.Errorf("viz: colour %q is not of the form #rrggbb", s)
	}
	if _, err := fmt.Sscanf(s, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return color.NRGBA{}, fmt.Errorf("viz: colour %q is not of the form #rrggbb", s)
	}
	return color.NRGBA{R: r, G: g, B: b, A: 255}, nil
}

// mustHex is parseHex for the package's own constant colours.
func mustHex(s string) color.NRGBA {
	c, err := parseHex(s)
	if err != nil {
		panic(err)
	}
	return c
}
