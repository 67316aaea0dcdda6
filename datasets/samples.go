package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/frame"
	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

// Sample data sets: small generated files in the formats of the real data sets (GTSRB's PPM
// photos and CSV files, CHAOS's DICOM slices and PNG masks, NH-HAZE's PNG pairs), written so that
// the project notebooks run every cell (in CI, or before the real data are downloaded) through
// the same loaders as the real data. The pictures are simple but meaningful: coloured sign
// shapes per class, a bright liver in a grey body, a scene seen through haze.

// writeTree fills a new folder dir atomically: fill writes into a temporary sibling folder that
// is renamed to dir at the end, so dir is either complete or absent. dir must not exist, or be
// an empty folder.
func writeTree(dir string, fill func(tmp string) error) error {
	if entries, err := os.ReadDir(dir); err == nil {
		if len(entries) > 0 {
			return fmt.Errorf("datasets: %s already exists and is not empty: remove it or write the sample data elsewhere", dir)
		}
		if err := os.Remove(dir); err != nil {
			return err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	return nil
}

func writeFileIn(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// to8 quantizes a value in [0,1] to a byte (as WritePPM does).
func to8(v float32) uint8 { return uint8(min(max(v, 0), 1)*255 + 0.5) }

// ---------------------------------------------------------------- GTSRB

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
	return writeTree(dir, func(tmp string) error {
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

// ---------------------------------------------------------------- CHAOS (CT)

// Hounsfield units of the tissues of the sample CT slices.
const (
	huAir    = -1000
	huFat    = -100
	huTissue = 40  // muscle and other soft tissue
	huLiver  = 110 // contrast-enhanced liver (portal venous phase)
	huSpleen = 120 // close to the liver: the network must use shape and position too
	huBone   = 500
	huNoise  = 18 // standard deviation of the noise
)

// sampleCTPatient is the anatomy of one generated patient.
type sampleCTPatient struct {
	bodyA, bodyB   float64 // half axes of the body ellipse (fraction of the image)
	liverX, liverY float64 // centre of the liver (fraction of the image), on the image's left
	liverA, liverB float64 // its half axes at its widest slice
	liverZ, liverH float64 // its centre and half height along the slices (fraction of the series)
	lobes          [4]float64
	spleenX        float64
}

func newSampleCTPatient(r *rand.Rand) sampleCTPatient {
	u := func(a, b float64) float64 { return a + (b-a)*r.Float64() }
	return sampleCTPatient{
		bodyA: u(0.38, 0.46), bodyB: u(0.28, 0.34),
		liverX: u(0.30, 0.36), liverY: u(0.42, 0.50), liverA: u(0.13, 0.18), liverB: u(0.11, 0.15),
		liverZ: u(0.40, 0.60), liverH: u(0.30, 0.42),
		lobes:   [4]float64{u(0.05, 0.15), u(0, 2*math.Pi), u(0.03, 0.1), u(0, 2*math.Pi)},
		spleenX: u(0.68, 0.74),
	}
}

// sampleCTSlice returns slice z ∈ [0,1] (HU, size×size, row-major) and its liver mask.
func (p sampleCTPatient) slice(z float64, size int, r *rand.Rand) ([]int16, []bool) {
	hu := make([]int16, size*size)
	mask := make([]bool, size*size)
	// The liver's cross-section shrinks towards its top and bottom.
	lz := 1 - math.Pow((z-p.liverZ)/p.liverH, 2)
	sz := 1 - math.Pow((z-0.55)/0.3, 2) // the spleen: smaller, a bit lower
	for y := range size {
		for x := range size {
			fx, fy := (float64(x)+0.5)/float64(size), (float64(y)+0.5)/float64(size)
			v := float64(huAir)
			eb := math.Pow((fx-0.5)/p.bodyA, 2) + math.Pow((fy-0.5)/p.bodyB, 2)
			if eb <= 1 {
				v = huTissue
				if eb > 0.8 {
					v = huFat // subcutaneous fat
				}
				// Spine: a bright disc at the back (bottom of the image), the aorta in front.
				if math.Hypot(fx-0.5, fy-(0.5+p.bodyB*0.65)) < 0.05 {
					v = huBone
				} else if math.Hypot(fx-0.53, fy-(0.5+p.bodyB*0.35)) < 0.025 {
					v = 160
				}
				if sz > 0 && math.Pow((fx-p.spleenX)/0.06, 2)+math.Pow((fy-0.55)/0.08, 2) <= sz {
					v = huSpleen
				}
				if lz > 0 {
					dx, dy := (fx-p.liverX)/p.liverA, (fy-p.liverY)/p.liverB
					th := math.Atan2(dy, dx)
					rr := lz * (1 + p.lobes[0]*math.Sin(2*th+p.lobes[1]) + p.lobes[2]*math.Sin(3*th+p.lobes[3]))
					if dx*dx+dy*dy <= rr*rr {
						v = huLiver
						mask[y*size+x] = true
					}
				}
			}
			if v != huAir {
				v += huNoise * r.NormFloat64()
			}
			hu[y*size+x] = int16(math.Round(v))
		}
	}
	return hu, mask
}

// WriteSampleCHAOS writes a small generated CT liver set in the layout and formats of the
// CHAOS training set into dir (which must not exist, or be empty), readable by
// CHAOSWith(CHAOSOptions{Dir: dir}):
//
//	dir/Train_Sets/CT/<patient>/DICOM_anon/i0000,0000b.dcm, i0001,0000b.dcm, ...
//	dir/Train_Sets/CT/<patient>/Ground/liver_GT_000.png, liver_GT_001.png, ...
//
// Patients are numbered 1..patients, each with `slices` axial slices of size×size pixels:
// 16-bit DICOM files (explicit VR little endian, stored value = HU + 1024 with
// RescaleIntercept −1024, with InstanceNumber, ImagePositionPatient and
// ImageOrientationPatient) and 8-bit PNG masks (255 on the liver, 0 elsewhere). Each slice shows
// a body (soft tissue, a ring of fat, the spine, the aorta) in air, a lobed liver on the image's
// left (the patient's right) at about 110 HU, present on the middle slices only, and a spleen of
// similar density on the other side, with noise of 18 HU. The same seed writes the same files.
func WriteSampleCHAOS(dir string, patients, slices, size int, seed int64) error {
	if patients < 1 || slices < 1 || size < 8 {
		return fmt.Errorf("datasets: WriteSampleCHAOS: %d patients, %d slices (≥ 1 each) of %d×%d pixels (≥ 8)", patients, slices, size, size)
	}
	return writeTree(dir, func(tmp string) error {
		rng := newRand(seed)
		for pi := 1; pi <= patients; pi++ {
			pat := newSampleCTPatient(rng)
			pdir := filepath.Join(tmp, "Train_Sets", "CT", fmt.Sprint(pi))
			for k := range slices {
				z := (float64(k) + 0.5) / float64(slices)
				hu, mask := pat.slice(z, size, rng)
				b, err := ctDICOM(hu, size, k, pi)
				if err != nil {
					return err
				}
				if err := writeFileIn(filepath.Join(pdir, "DICOM_anon", fmt.Sprintf("i%04d,0000b.dcm", k)), b); err != nil {
					return err
				}
				m := image.NewGray(image.Rect(0, 0, size, size))
				for i, on := range mask {
					if on {
						m.Pix[i] = 255
					}
				}
				var pb bytes.Buffer
				if err := png.Encode(&pb, m); err != nil {
					return err
				}
				if err := writeFileIn(filepath.Join(pdir, "Ground", fmt.Sprintf("liver_GT_%03d.png", k)), pb.Bytes()); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// ctDICOM encodes one CT slice (HU) as a DICOM file.
func ctDICOM(hu []int16, size, k, patient int) ([]byte, error) {
	raw := make([]uint16, len(hu))
	for i, v := range hu {
		raw[i] = uint16(min(max(int(v)+1024, 0), 65535))
	}
	var elems []*dicom.Element
	add := func(t tag.Tag, v any) error {
		e, err := dicom.NewElement(t, v)
		if err != nil {
			return fmt.Errorf("datasets: DICOM element %v: %v", t, err)
		}
		elems = append(elems, e)
		return nil
	}
	spacing := 300.0 / float64(size) // a 30 cm field of view
	for _, f := range []struct {
		t tag.Tag
		v any
	}{
		{tag.MediaStorageSOPClassUID, []string{"1.2.840.10008.5.1.4.1.1.2"}}, // CT Image Storage
		{tag.MediaStorageSOPInstanceUID, []string{fmt.Sprintf("1.2.826.0.1.3680043.10.1.%d.%d", patient, k)}},
		{tag.TransferSyntaxUID, []string{uid.ExplicitVRLittleEndian}},
		{tag.Modality, []string{"CT"}},
		{tag.InstanceNumber, []string{fmt.Sprint(k + 1)}},
		{tag.ImagePositionPatient, []string{"-150", "-150", fmt.Sprintf("%g", -2.5*float64(k))}},
		{tag.ImageOrientationPatient, []string{"1", "0", "0", "0", "1", "0"}},
		{tag.SliceThickness, []string{"2.5"}},
		{tag.PixelSpacing, []string{fmt.Sprintf("%g", spacing), fmt.Sprintf("%g", spacing)}},
		{tag.SamplesPerPixel, []int{1}},
		{tag.PhotometricInterpretation, []string{"MONOCHROME2"}},
		{tag.Rows, []int{size}},
		{tag.Columns, []int{size}},
		{tag.BitsAllocated, []int{16}},
		{tag.BitsStored, []int{16}},
		{tag.HighBit, []int{15}},
		{tag.PixelRepresentation, []int{0}},
		{tag.RescaleIntercept, []string{"-1024"}},
		{tag.RescaleSlope, []string{"1"}},
		{tag.PixelData, dicom.PixelDataInfo{Frames: []*frame.Frame{{NativeData: &frame.NativeFrame[uint16]{
			InternalBitsPerSample: 16, InternalRows: size, InternalCols: size, InternalSamplesPerPixel: 1, RawData: raw}}}}},
	} {
		if err := add(f.t, f.v); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	if err := dicom.Write(&b, dicom.Dataset{Elements: elems}); err != nil {
		return nil, fmt.Errorf("datasets: writing a DICOM slice: %v", err)
	}
	return b.Bytes(), nil
}

// ---------------------------------------------------------------- dehazing pairs

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
// (which must not exist, or be empty), readable by DehazePairs(dir, ...):
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
	return writeTree(dir, func(tmp string) error {
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
