package datasets

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWriteSampleGTSRB(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gtsrb")
	const classes, tracks, perTrack = 43, 3, 4
	if err := WriteSampleGTSRB(dir, classes, tracks, perTrack, 7); err != nil {
		t.Fatal(err)
	}
	train, test, err := GTSRBWith(GTSRBOptions{Dir: dir, Size: 24})
	if err != nil {
		t.Fatal(err)
	}
	nTracks := sampleGTSRBTracks(classes, tracks)
	// The real class balance: class 2 (50 km/h, 2250 photos) has the most tracks, class 0
	// (20 km/h, 210 photos) the fewest (at least 2).
	if nTracks[2] != tracks || nTracks[0] != 2 || nTracks[1] != tracks {
		t.Fatalf("tracks per class %v", nTracks)
	}
	wantTrain, wantTest := 0, 0
	for _, n := range nTracks {
		wantTrain += n * perTrack
		wantTest += sampleGTSRBTestCount(n, perTrack)
	}
	if train.Len() != wantTrain || test.Len() != wantTest {
		t.Fatalf("%d training and %d test photos, want %d and %d", train.Len(), test.Len(), wantTrain, wantTest)
	}
	// Labels, and one group (track) per perTrack photos of a class.
	perClass := make([]int, classes)
	groups := map[int]int{}
	for i, l := range train.Labels {
		perClass[l]++
		groups[train.Groups[i]]++
		if train.Groups[i]/100000 != l {
			t.Fatalf("photo %d of class %d is in group %d", i, l, train.Groups[i])
		}
	}
	for k, n := range perClass {
		if n != nTracks[k]*perTrack {
			t.Fatalf("class %d has %d photos, want %d", k, n, nTracks[k]*perTrack)
		}
	}
	for g, n := range groups {
		if n != perTrack {
			t.Fatalf("track %d has %d photos, want %d", g, n, perTrack)
		}
	}
	testClasses := map[int]bool{}
	for _, l := range test.Labels {
		testClasses[l] = true
	}
	if len(testClasses) != classes {
		t.Errorf("the test set has %d classes, want %d", len(testClasses), classes)
	}

	// The files: PPM photos 25 to 60 pixels wide whose ROI leaves a margin of about 10% (at
	// least 2 pixels), and which re-encode to the same bytes (valid 8-bit P6 files).
	cdir := filepath.Join(dir, "Final_Training", "Images", "00014")
	f, err := os.Open(filepath.Join(cdir, "GT-00014.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ReadGTSRBCSV(f, "GT-00014.csv")
	f.Close()
	if err != nil || len(rows) != nTracks[14]*perTrack {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	for _, r := range rows {
		b, err := os.ReadFile(filepath.Join(cdir, r.Filename))
		if err != nil {
			t.Fatal(err)
		}
		pix, h, w, err := ReadPPM(bytes.NewReader(b), r.Filename)
		if err != nil || w != r.Width || h != r.Height || w < 25 || w > 60 {
			t.Fatalf("%s: %d×%d (CSV %d×%d), %v", r.Filename, w, h, r.Width, r.Height, err)
		}
		if r.X1 < 2 || r.Y1 < 2 || r.Width-1-r.X2 != r.X1 || r.Height-1-r.Y2 != r.Y1 {
			t.Fatalf("%s: ROI %+v is not centred with a margin of 2 pixels or more", r.Filename, r)
		}
		var again bytes.Buffer
		if err := WritePPM(&again, pix, h, w); err != nil || !bytes.Equal(again.Bytes(), b) {
			t.Fatalf("%s does not round-trip: %v", r.Filename, err)
		}
	}
	// The photos of a track get larger as the car approaches.
	if rows[0].Width >= rows[perTrack-1].Width {
		t.Errorf("track 0: first photo %d pixels wide, last %d", rows[0].Width, rows[perTrack-1].Width)
	}

	// The pictures mean something. Mean colour of the centre and of the rim of the ROI crop:
	mean := func(d *Dataset, class int, inner bool) rgb {
		var s rgb
		n := 0
		for i, l := range d.Labels {
			if l != class {
				continue
			}
			x := rawImage(d, i)
			for y := range 24 {
				for xx := range 24 {
					r := math.Hypot(float64(xx)-11.5, float64(y)-11.5) / 12
					if (inner && r < 0.25) || (!inner && r > 0.82 && r < 0.95) {
						for c := range 3 {
							s[c] += x[(y*24+xx)*3+c]
						}
						n++
					}
				}
			}
		}
		for c := range s {
			s[c] /= float32(n)
		}
		return s
	}
	red := func(c rgb) bool { return c[0] > 1.8*c[1] && c[0] > 1.8*c[2] }
	for _, k := range []int{1, 9, 15} { // red rings
		if rim := mean(train, k, false); !red(rim) {
			t.Errorf("class %d (%s): the rim %v should be red", k, GTSRBClasses[k], rim)
		}
	}
	if c := mean(train, 14, true); !red(c) && c[0] < c[2] { // stop: red, its text white
		t.Errorf("stop sign centre %v", c)
	}
	if c := mean(train, 35, false); c[2] < 1.5*c[0] { // ahead only: blue disc
		t.Errorf("class 35 rim %v should be blue", c)
	}
	if c := mean(train, 12, true); c[0] < 2*c[2] || c[1] < 1.5*c[2] { // priority road: yellow
		t.Errorf("class 12 centre %v should be yellow", c)
	}
	if c := mean(train, 15, true); c[0] < 0.35 || c[1] < 0.35 || c[2] < 0.35 || !(c[0] < 1.3*c[2]) { // no vehicles: white
		t.Errorf("class 15 centre %v should be white-grey", c)
	}

	// The classes can be told apart: a nearest-class-mean classifier on the pixels, trained on
	// the training photos, recognizes most test photos (chance: 1/43).
	n := train.ExampleSize()
	means := make([][]float64, classes)
	counts := make([]int, classes)
	for k := range means {
		means[k] = make([]float64, n)
	}
	for i, l := range train.Labels {
		for p, v := range rawImage(train, i) {
			means[l][p] += float64(v)
		}
		counts[l]++
	}
	right := 0
	for i, l := range test.Labels {
		best, bestD := -1, math.Inf(1)
		for k := range means {
			d := 0.0
			for p, v := range rawImage(test, i) {
				// Contrast-normalized distance: the lighting changes from photo to photo.
				e := float64(v) - means[k][p]/float64(counts[k])
				d += e * e
			}
			if d < bestD {
				best, bestD = k, d
			}
		}
		if best == l {
			right++
		}
	}
	if acc := float64(right) / float64(test.Len()); acc < 0.3 {
		t.Errorf("nearest class mean: %.0f%% of the test photos, want ≥ 30%% (chance 2%%)", 100*acc)
	}

	// The same seed writes the same files; a folder that is not empty is refused.
	again := filepath.Join(t.TempDir(), "again")
	if err := WriteSampleGTSRB(again, classes, tracks, perTrack, 7); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"Final_Training/Images/00003/00001_00002.ppm", "Final_Test/Images/GT-final_test.csv", "Final_Test/Images/00007.ppm"} {
		a, _ := os.ReadFile(filepath.Join(dir, p))
		b, _ := os.ReadFile(filepath.Join(again, p))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed", p)
		}
	}
	if err := WriteSampleGTSRB(dir, 2, 1, 1, 7); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("writing into a full folder: %v", err)
	}
	if err := WriteSampleGTSRB(filepath.Join(t.TempDir(), "x"), 44, 1, 1, 7); err == nil {
		t.Error("44 classes accepted")
	}
}

func TestWriteSampleCHAOS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "chaos")
	const patients, nSlices, size = 3, 8, 32
	if err := WriteSampleCHAOS(dir, patients, nSlices, size, 5); err != nil {
		t.Fatal(err)
	}
	// A window wide enough to keep every value: HU = x·4000 − 2000.
	d, err := CHAOSWith(CHAOSOptions{Dir: dir, Size: size, Window: Window{Center: 0, Width: 4000}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != patients*nSlices || d.Groups[0] != 1 || d.Groups[d.Len()-1] != patients {
		t.Fatalf("%v, groups %v", d, d.Groups)
	}
	// The loader reads back exactly the HU and the masks that were written (regenerated here
	// with the writer's random sequence).
	rng := newRand(5)
	var liverHU, liverN, leftN float64
	empty, full := 0, 0
	for p := range patients {
		pat := newSampleCTPatient(rng)
		for k := range nSlices {
			hu, mask := pat.slice((float64(k)+0.5)/nSlices, size, rng)
			i := p*nSlices + k
			x, m := rawImage(d, i), rawTarget(d, i)
			on := 0
			for q := range hu {
				got := math.Round(float64(x[q])*4000 - 2000)
				if got != float64(hu[q]) {
					t.Fatalf("patient %d slice %d pixel %d: %v HU read back, %d written", p+1, k, q, got, hu[q])
				}
				want := float32(0)
				if mask[q] {
					want = 1
					on++
					liverHU += float64(hu[q])
					liverN++
					if q%size < size/2 {
						leftN++
					}
				}
				if m[q] != want {
					t.Fatalf("patient %d slice %d: mask pixel %d is %v, want %v", p+1, k, q, m[q], want)
				}
			}
			if on == 0 {
				empty++
			} else {
				full++
			}
		}
	}
	// A liver of about 110 HU on the image's left, absent from the first and last slices.
	if mhu := liverHU / liverN; math.Abs(mhu-huLiver) > 5 {
		t.Errorf("mean liver HU %.1f, want about %d", mhu, huLiver)
	}
	if leftN != liverN {
		t.Errorf("%v of %v liver pixels on the image's left", leftN, liverN)
	}
	if empty == 0 || full < patients*nSlices/2 {
		t.Errorf("%d slices without liver, %d with", empty, full)
	}
	// The DICOM headers: InstanceNumber and positions order the slices like their names.
	s, err := readDICOMFile(filepath.Join(dir, "Train_Sets", "CT", "2", "DICOM_anon", "i0003,0000b.dcm"))
	if err != nil || s.instance != 4 || s.rows != size || s.cols != size || slicePosition(s) != -7.5 {
		t.Fatalf("header: %+v, %v", s, err)
	}
	if byPos, err := CHAOSWith(CHAOSOptions{Dir: dir, Size: size, Window: Window{Center: 0, Width: 4000}, SliceOrder: OrderByPosition}); err != nil || !slices.Equal(byPos.X, slices.Concat(reversedSlices(d.X, size*size, nSlices)...)) {
		t.Errorf("ordering by position (z decreasing with the slice number) should reverse the slices of each series (the masks stay in name order): %v", err)
	}
}

// reversedSlices returns the examples of each series of n examples (each m values) in reverse
// order.
func reversedSlices(v []float32, m, n int) [][]float32 {
	var out [][]float32
	for s := 0; s < len(v)/(m*n); s++ {
		for k := n - 1; k >= 0; k-- {
			out = append(out, v[(s*n+k)*m:(s*n+k+1)*m])
		}
	}
	return out
}

func TestWriteSampleDehaze(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "haze")
	const pairs, size = 3, 32
	if err := WriteSampleDehaze(dir, pairs, size, size, 9); err != nil {
		t.Fatal(err)
	}
	d, err := DehazeWith(DehazeOptions{Dir: dir, Resize: size})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != pairs {
		t.Fatalf("%v", d)
	}
	rng := newRand(9)
	for i := range pairs {
		s := newSampleScene(size, size, rng)
		hazy := s.hazy()
		x, y := rawImage(d, i), rawTarget(d, i)
		var stdX, stdY, meanX, meanY float64
		for p := range x {
			// Read back exactly (8 bits per channel).
			if x[p] != float32(to8(hazy[p]))/255 || y[p] != float32(to8(s.clean[p]))/255 {
				t.Fatalf("pair %d value %d: read %v / %v, wrote %v / %v", i+1, p, x[p], y[p], hazy[p], s.clean[p])
			}
			// The scattering model I = t·J + (1 − t)·A.
			tr, a := s.trans[p/3], s.airlight[p%3]
			if math.Abs(float64(tr*s.clean[p]+(1-tr)*a-hazy[p])) > 1e-6 || tr <= 0 || tr > 1 {
				t.Fatalf("pair %d value %d: I = %v, t = %v, J = %v, A = %v", i+1, p, hazy[p], tr, s.clean[p], a)
			}
			meanX += float64(x[p])
			meanY += float64(y[p])
		}
		meanX /= float64(len(x))
		meanY /= float64(len(y))
		for p := range x {
			stdX += math.Pow(float64(x[p])-meanX, 2)
			stdY += math.Pow(float64(y[p])-meanY, 2)
		}
		// Haze lowers the contrast and pulls the image towards the airlight.
		if stdX >= 0.8*stdY {
			t.Errorf("pair %d: the hazy image is not flatter (variance %.3f vs %.3f)", i+1, stdX, stdY)
		}
		if a := float64(s.airlight[0]); math.Abs(meanX-a) >= math.Abs(meanY-a) {
			t.Errorf("pair %d: hazy mean %.2f is not closer to A = %.2f than the clean mean %.2f", i+1, meanX, a, meanY)
		}
	}
	// Crops of the pairs stay aligned (same positions in both images).
	c, err := DehazeWith(DehazeOptions{Dir: dir, Crop: 16, CropsPerImage: 2, Seed: 1})
	if err != nil || c.Len() != 2*pairs {
		t.Fatalf("crops: %v %v", c, err)
	}
	if err := WriteSampleDehaze(filepath.Join(t.TempDir(), "x"), 0, 8, 8, 1); err == nil {
		t.Error("0 pairs accepted")
	}
}
