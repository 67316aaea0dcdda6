package datasets

// Sample GTSRB files: traffic-sign photos drawn in the real set's formats (PPM, GT CSV).

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
)

// gtsrbTrainCounts are the numbers of photos per class in the real GTSRB training set: the
// sample set keeps their proportions, so that its class balance looks like the real one.
var gtsrbTrainCounts = []int{210, 2220, 2250, 1410, 1980, 1860, 420, 1440, 1410, 1470, 2010, 1320, 2100, 2160,
	780, 630, 420, 1110, 1200, 210, 360, 330, 390, 510, 270, 1500, 600, 240, 540, 270, 450, 780, 240, 689, 420,
	1200, 390, 210, 2070, 300, 360, 240, 240}

// sampleGTSRBTracks returns the number of tracks of each class in a sample set written by
// [WriteSampleGTSRB] with the given maximum number of tracks: the real set's proportions,
// round(tracks · count_k / 2250), at least 2 per class (so that a split by track can keep one).
func sampleGTSRBTracks(classes, tracks int) []int {
	out := make([]int, classes)
	for k := range out {
		out[k] = max(2, int(math.Round(float64(tracks)*float64(gtsrbTrainCounts[k])/2250)))
	}
	return out
}

// sampleGTSRBTestCount is the number of test photos of a class in a sample set: a third of its
// training photos, at least 2.
func sampleGTSRBTestCount(trainTracks, perTrack int) int { return max(2, trainTracks*perTrack/3) }

// WriteSampleGTSRB writes a small generated traffic-sign set in the layout and formats of GTSRB
// into dir (which must not exist, or be empty), readable by
// GTSRBWith(GTSRBOptions{Dir: dir}):
//
//	dir/Final_Training/Images/000NN/TTTTT_IIIII.ppm and GT-000NN.csv   (class NN, track TTTTT)
//	dir/Final_Test/Images/NNNNN.ppm and GT-final_test.csv
//
// Classes 0..classes−1 (at most 43) are drawn with the shape and colours of the real signs: red
// rings with the speed in digits, red-bordered triangles and the yield sign, the stop octagon,
// the yellow priority diamond, blue discs, the grey "end of" signs, each with a symbol of its
// own. A track is one physical sign photographed perTrack times while the car approaches: the
// sign grows, its colours and background stay, the lighting, noise and a small rotation vary.
// Photos are 25 to 60 pixels wide with a margin of about 10% (at least 2 pixels) around the
// ROI, as in GTSRB. Class k has sampleGTSRBTracks(classes, tracks)[k] tracks (the real class
// balance) and sampleGTSRBTestCount test photos of new signs. The same seed writes the same
// files.
func WriteSampleGTSRB(dir string, classes, tracks, perTrack int, seed int64) error {
	if classes < 1 || classes > len(GTSRBClasses) || tracks < 1 || perTrack < 1 {
		return fmt.Errorf("datasets: WriteSampleGTSRB: %d classes (1..%d), %d tracks and %d photos per track (≥ 1)", classes, len(GTSRBClasses), tracks, perTrack)
	}
	header := strings.Join(gtsrbColumns, ";") + "\n"
	return writeSampleDir(dir, func(tmp string) error {
		rng := newRand(seed)
		var testRows []string
		var testSigns []int
		for k, nt := range sampleGTSRBTracks(classes, tracks) {
			cdir := filepath.Join(tmp, "Final_Training", "Images", fmt.Sprintf("%05d", k))
			var csv strings.Builder
			csv.WriteString(header)
			for t := range nt {
				sign := newSampleSign(k, rng)
				for i := range perTrack {
					name := fmt.Sprintf("%05d_%05d.ppm", t, i)
					row, b := sign.photo(float64(i)/float64(max(perTrack-1, 1)), rng)
					if err := writeFileIn(filepath.Join(cdir, name), b); err != nil {
						return err
					}
					fmt.Fprintf(&csv, "%s;%s;%d\n", name, row, k)
				}
			}
			if err := writeFileIn(filepath.Join(cdir, fmt.Sprintf("GT-%05d.csv", k)), []byte(csv.String())); err != nil {
				return err
			}
			for range sampleGTSRBTestCount(nt, perTrack) {
				testSigns = append(testSigns, k)
			}
		}
		// The test photos in a random class order, as in the real test set.
		rng.Shuffle(len(testSigns), func(i, j int) { testSigns[i], testSigns[j] = testSigns[j], testSigns[i] })
		tdir := filepath.Join(tmp, "Final_Test", "Images")
		for i, k := range testSigns {
			name := fmt.Sprintf("%05d.ppm", i)
			row, b := newSampleSign(k, rng).photo(rng.Float64(), rng)
			if err := writeFileIn(filepath.Join(tdir, name), b); err != nil {
				return err
			}
			testRows = append(testRows, fmt.Sprintf("%s;%s;%d\n", name, row, k))
		}
		return writeFileIn(filepath.Join(tdir, "GT-final_test.csv"), []byte(header+strings.Join(testRows, "")))
	})
}

type rgb [3]float32

// Sign families of GTSRB, by class.
const (
	ringSign     = iota // red ring, white inside (speed limits, prohibitions)
	triangleSign        // red-bordered triangle pointing up (warnings)
	yieldSign           // red-bordered triangle pointing down
	stopSign            // red octagon
	prioritySign        // yellow diamond with a white border
	blueSign            // blue disc (mandatory directions)
	endSign             // white disc with grey diagonal stripes (end of a restriction)
	noEntrySign         // red disc with a white bar
)

// gtsrbFamily returns the family of class k and its symbol: the speed ("20".."120") for speed
// limits, "!" for general caution, "" for signs without a symbol, else "#" (a pattern of its
// own).
func gtsrbFamily(k int) (family int, symbol string) {
	speeds := map[int]string{0: "20", 1: "30", 2: "50", 3: "60", 4: "70", 5: "80", 7: "100", 8: "120", 6: "80"}
	switch {
	case k == 6:
		return endSign, speeds[k]
	case k <= 8:
		return ringSign, speeds[k]
	case k == 9 || k == 10 || k == 16:
		return ringSign, "#"
	case k == 15:
		return ringSign, ""
	case k == 17:
		return noEntrySign, ""
	case k == 12:
		return prioritySign, ""
	case k == 13:
		return yieldSign, ""
	case k == 14:
		return stopSign, "STOP"
	case k == 18:
		return triangleSign, "!"
	case k == 11 || (k >= 19 && k <= 31):
		return triangleSign, "#"
	case k == 32:
		return endSign, ""
	case k == 41 || k == 42:
		return endSign, "#"
	default: // 33..40
		return blueSign, "#"
	}
}

// font3x5 holds 3×5 bitmaps (rows top to bottom, 3 bits each, left bit first).
var font3x5 = map[rune][5]uint8{
	'0': {7, 5, 5, 5, 7}, '1': {2, 6, 2, 2, 7}, '2': {7, 1, 7, 4, 7}, '3': {7, 1, 7, 1, 7}, '4': {5, 5, 7, 1, 1},
	'5': {7, 4, 7, 1, 7}, '6': {7, 4, 7, 5, 7}, '7': {7, 1, 1, 1, 1}, '8': {7, 5, 7, 5, 7}, '9': {7, 5, 7, 1, 7},
	'!': {2, 2, 2, 0, 2}, 'S': {7, 4, 7, 1, 7}, 'T': {7, 2, 2, 2, 2}, 'O': {7, 5, 5, 5, 7}, 'P': {7, 5, 7, 4, 4},
}

// glyph is a bitmap symbol: rows × cols booleans.
type glyph struct {
	rows, cols int
	on         []bool
}

// symbolGlyph draws text with the 3×5 font (one empty column between letters), or for "#" a
// 5×5 pattern of class k of its own (symmetric left-right, like most sign symbols).
func symbolGlyph(symbol string, k int) glyph {
	if symbol == "#" {
		g := glyph{rows: 5, cols: 5, on: make([]bool, 25)}
		r := newRand(int64(1000 + k))
		for i := range 5 {
			for j := range 3 {
				v := r.IntN(2) == 1
				g.on[i*5+j], g.on[i*5+4-j] = v, v
			}
		}
		g.on[12] = true
		return g
	}
	n := len([]rune(symbol))
	g := glyph{rows: 5, cols: max(4*n-1, 0), on: make([]bool, 5*max(4*n-1, 0))}
	for c, ch := range []rune(symbol) {
		bm := font3x5[ch]
		for i := range 5 {
			for j := range 3 {
				g.on[i*g.cols+4*c+j] = bm[i]>>(2-j)&1 == 1
			}
		}
	}
	return g
}

// at reports whether the glyph covers the point (u, v) of the box [x0,x1]×[y0,y1].
func (g glyph) at(u, v, x0, y0, x1, y1 float64) bool {
	if g.cols == 0 || u < x0 || u >= x1 || v < y0 || v >= y1 {
		return false
	}
	j := int((u - x0) / (x1 - x0) * float64(g.cols))
	i := int((v - y0) / (y1 - y0) * float64(g.rows))
	return g.on[min(i, g.rows-1)*g.cols+min(j, g.cols-1)]
}

// sampleSign is one physical sign of a track: its class, colours and background.
type sampleSign struct {
	class, family int
	glyph         glyph
	red, white    rgb
	blue, yellow  rgb
	black         rgb
	bg1, bg2      rgb     // background gradient, top to bottom
	size0         float64 // side of the sign (pixels) in the first photo of the track
	light         float64 // lighting of the track
}

func jitter(c rgb, r *rand.Rand, d float64) rgb {
	for i := range c {
		c[i] = float32(min(max(float64(c[i])+d*(2*r.Float64()-1), 0), 1))
	}
	return c
}

func newSampleSign(k int, r *rand.Rand) *sampleSign {
	fam, sym := gtsrbFamily(k)
	s := &sampleSign{class: k, family: fam, glyph: symbolGlyph(sym, k),
		red: jitter(rgb{0.80, 0.12, 0.15}, r, 0.08), white: jitter(rgb{0.92, 0.92, 0.90}, r, 0.06),
		blue: jitter(rgb{0.10, 0.30, 0.75}, r, 0.08), yellow: jitter(rgb{0.95, 0.78, 0.10}, r, 0.06),
		black: jitter(rgb{0.08, 0.08, 0.08}, r, 0.05),
		size0: 18 + 14*r.Float64(), light: 0.45 + 0.7*r.Float64()}
	// Backgrounds: sky, trees, buildings, road side.
	bgs := []rgb{{0.55, 0.68, 0.85}, {0.25, 0.40, 0.20}, {0.50, 0.48, 0.45}, {0.35, 0.33, 0.30}, {0.75, 0.78, 0.80}}
	s.bg1 = jitter(bgs[r.IntN(len(bgs))], r, 0.1)
	s.bg2 = jitter(bgs[r.IntN(len(bgs))], r, 0.1)
	return s
}

// colorAt returns the sign's colour at (u, v) ∈ [−1,1]² (v downwards), and whether the point is
// on the sign.
func (s *sampleSign) colorAt(u, v float64) (rgb, bool) {
	ru := math.Hypot(u, v)
	switch s.family {
	case ringSign, blueSign, endSign, noEntrySign:
		if ru > 1 {
			return rgb{}, false
		}
		switch s.family {
		case ringSign:
			if ru > 0.78 {
				return s.red, true
			}
			if s.glyph.at(u, v, -0.55, -0.4, 0.55, 0.4) {
				return s.black, true
			}
			return s.white, true
		case blueSign:
			if s.glyph.at(u, v, -0.5, -0.5, 0.5, 0.5) {
				return s.white, true
			}
			return s.blue, true
		case noEntrySign:
			if math.Abs(v) < 0.2 && math.Abs(u) < 0.65 {
				return s.white, true
			}
			return s.red, true
		default: // end of: grey diagonal stripes over a white disc, with the symbol under them
			if ru > 0.92 {
				return s.black, true
			}
			if d := u + v; math.Abs(d) < 0.5 && int(math.Floor(d/0.16))%2 == 0 {
				return rgb{0.45, 0.45, 0.45}, true
			}
			if s.glyph.at(u, v, -0.5, -0.38, 0.5, 0.38) {
				return rgb{0.3, 0.3, 0.3}, true
			}
			return s.white, true
		}
	case triangleSign, yieldSign:
		w := v
		if s.family == yieldSign {
			w = -v
		}
		// Triangle with apex (0, −1) and base at w = 0.8: inside when w ≤ 0.8 and |u| ≤ (w+1)/1.8·1.
		if w > 0.8 || w < -1 {
			return rgb{}, false
		}
		half := (w + 1) / 1.8
		if math.Abs(u) > half {
			return rgb{}, false
		}
		// Distance to the border: to the base, and to the slanted sides (their normal has a
		// slope 1.8).
		dSide := (half - math.Abs(u)) * 1.8 / math.Hypot(1, 1.8)
		if min(0.8-w, dSide) < 0.2 {
			return s.red, true
		}
		if s.glyph.at(u, w, -0.28, -0.05, 0.28, 0.6) {
			return s.black, true
		}
		return s.white, true
	case stopSign:
		if max(math.Abs(u), math.Abs(v), (math.Abs(u)+math.Abs(v))/math.Sqrt2) > 1 {
			return rgb{}, false
		}
		if s.glyph.at(u, v, -0.75, -0.22, 0.75, 0.22) {
			return s.white, true
		}
		return s.red, true
	case prioritySign:
		d := math.Abs(u) + math.Abs(v)
		if d > 1 {
			return rgb{}, false
		}
		if d > 0.72 {
			return s.white, true
		}
		if d > 0.64 {
			return s.black, true
		}
		return s.yellow, true
	}
	return rgb{}, false
}

// photo draws one photo of the sign at progress p ∈ [0,1] along its track (the sign grows by
// 70%), and returns its CSV fields "Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2" and the PPM bytes.
func (s *sampleSign) photo(p float64, r *rand.Rand) (string, []byte) {
	side := s.size0 * (1 + 0.7*p) * (0.95 + 0.1*r.Float64())
	margin := max(2, int(math.Round(0.1*side)))
	n := int(math.Round(side))
	w, h := n+2*margin, n+2*margin
	theta := (2*r.Float64() - 1) * 8 * math.Pi / 180
	cos, sin := math.Cos(theta), math.Sin(theta)
	light := s.light * (0.85 + 0.3*r.Float64())
	cx := float64(w)/2 + (r.Float64() - 0.5)
	cy := float64(h)/2 + (r.Float64() - 0.5)
	pix := make([]float32, w*h*3)
	// 3×3 samples per pixel smooth the edges.
	for y := range h {
		for x := range w {
			var acc rgb
			for sy := range 3 {
				for sx := range 3 {
					px, py := float64(x)+(float64(sx)+0.5)/3, float64(y)+(float64(sy)+0.5)/3
					// Sign coordinates: centred, rotated by θ, the sign spans [−1, 1].
					dx, dy := (px-cx)/(side/2), (py-cy)/(side/2)
					u, v := cos*dx+sin*dy, -sin*dx+cos*dy
					c, on := s.colorAt(u, v)
					if !on {
						t := float32(py / float64(h))
						for i := range c {
							c[i] = s.bg1[i]*(1-t) + s.bg2[i]*t
						}
					}
					for i := range acc {
						acc[i] += c[i] / 9
					}
				}
			}
			for i := range 3 {
				pix[(y*w+x)*3+i] = float32(float64(acc[i])*light + 0.03*r.NormFloat64())
			}
		}
	}
	var b bytes.Buffer
	WritePPM(&b, pix, h, w) // cannot fail: len(pix) = h·w·3
	x1, y1 := margin, margin
	return fmt.Sprintf("%d;%d;%d;%d;%d;%d", w, h, x1, y1, x1+n-1, y1+n-1), b.Bytes()
}
