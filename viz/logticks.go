package viz

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// decadeTicks marks the powers of ten of a logarithmic axis in the static pictures, with short
// labels ("0.01", "1", "1e-5"), at most about six of them labelled, and the 2…9 multiples as
// unlabelled minor ticks when the axis spans three decades or less.
type decadeTicks struct{}

func (decadeTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > 0) {
		return nil
	}
	if !(min > 0) || min > max {
		min = max / 10
	}
	lo, hi := math.Floor(math.Log10(min)), math.Ceil(math.Log10(max))
	decades := hi - lo
	step := math.Max(1, math.Ceil(decades/6))
	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		v := math.Pow(10, e)
		t := plot.Tick{Value: v}
		if math.Mod(e-lo, step) == 0 {
			t.Label = pow10Label(e)
		}
		ticks = append(ticks, t)
		if decades <= 3 && e < hi {
			for k := 2.0; k < 10; k++ {
				ticks = append(ticks, plot.Tick{Value: k * v})
			}
		}
	}
	return ticks
}

// pow10Label writes 10^e briefly: plain decimals from 0.001 to 10000, "1e-5" beyond.
func pow10Label(e float64) string {
	if e >= -3 && e <= 4 {
		return strconv.FormatFloat(math.Pow(10, e), 'f', int(math.Max(0, -e)), 64)
	}
	return "1e" + strconv.Itoa(int(e))
}
