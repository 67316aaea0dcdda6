package viz

import (
	"math"
	"strconv"
	"strings"

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

// niceTicks marks a linear axis of the static pictures at 1, 2 or 5 × 10^k steps (2.5 too
// where fractions are allowed), with labels as short as the step allows ("25", "0.5", "-2.5",
// never "25.00"), and unlabelled minor ticks between them. integer keeps the steps whole numbers:
// for epochs and steps.
type niceTicks struct{ integer bool }

func (t niceTicks) Ticks(min, max float64) []plot.Tick {
	if !finite(min) || !finite(max) {
		return nil
	}
	if max <= min {
		return []plot.Tick{{Value: min, Label: tickLabel(min, 1)}}
	}
	step, minor := niceStep((max-min)/6, t.integer)
	var ticks []plot.Tick
	first := math.Ceil(min/step-1e-9) * step
	for i := 0; ; i++ {
		v := first + float64(i)*step
		if v > max+step*1e-9 || i > 50 {
			break
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: tickLabel(v, step)})
	}
	if minor > 0 {
		for v := math.Ceil(min/minor-1e-9) * minor; v <= max+minor*1e-9 && len(ticks) < 200; v += minor {
			if r := math.Mod(math.Abs(v-first), step); r > minor/2 && step-r > minor/2 {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	return ticks
}

// niceStep returns the labelled step nearest above raw among 1, 2, 2.5 and 5 × 10^k (whole
// numbers of at least 1 when integer) and the minor step between labels (0 for none).
func niceStep(raw float64, integer bool) (step, minor float64) {
	if integer && raw <= 1 {
		return 1, 0
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m == 2.5 && (integer && mag < 10) {
			continue
		}
		if m*mag >= raw*(1-1e-9) {
			step = m * mag
			break
		}
	}
	switch step / mag {
	case 1, 10:
		minor = step / 5
	case 2, 5:
		minor = step / 2
	default: // 2.5
		minor = step / 5
	}
	if integer && minor < 1 {
		minor = 0
	}
	return step, minor
}

// tickLabel writes v with as many decimals as step needs: 25, 0.5, -2.5, 1e+06.
func tickLabel(v, step float64) string {
	if math.Abs(v) < step*1e-6 {
		return "0"
	}
	if a := math.Abs(v); a >= 1e6 || a < 1e-4 || step >= 1e5 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	decimals := 0
	for s := step; decimals < 8 && math.Abs(s-math.Round(s)) > 1e-9*math.Max(1, s); s *= 10 {
		decimals++
	}
	l := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(l, ".") {
		l = strings.TrimRight(strings.TrimRight(l, "0"), ".")
	}
	return l
}

// newPlot is plot.New with the course's tick marks on both axes.
func newPlot() *plot.Plot {
	pl := plot.New()
	pl.X.Tick.Marker = niceTicks{}
	pl.Y.Tick.Marker = niceTicks{}
	return pl
}
