package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/frame"
	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

// dcm describes a DICOM file written by writeDCM: a 16-bit slice with stored values raw(x, y)
// and optional header fields (omitted when empty).
type dcm struct {
	rows, cols int
	raw        func(x, y int) uint16
	signed     bool
	slope      string
	intercept  string
	instance   string   // InstanceNumber
	pos        []string // ImagePositionPatient
	orient     []string // ImageOrientationPatient
}

func (s dcm) bytes(t testing.TB) []byte {
	t.Helper()
	raw := make([]uint16, s.rows*s.cols)
	for y := range s.rows {
		for x := range s.cols {
			raw[y*s.cols+x] = s.raw(x, y)
		}
	}
	el := func(tg tag.Tag, v any) *dicom.Element {
		e, err := dicom.NewElement(tg, v)
		if err != nil {
			t.Fatalf("NewElement %v: %v", tg, err)
		}
		return e
	}
	rep := 0
	if s.signed {
		rep = 1
	}
	elems := []*dicom.Element{
		el(tag.MediaStorageSOPClassUID, []string{"1.2.840.10008.5.1.4.1.1.4"}),
		el(tag.MediaStorageSOPInstanceUID, []string{"1.2.3.4.5.6.8"}),
		el(tag.TransferSyntaxUID, []string{uid.ExplicitVRLittleEndian}),
	}
	if s.instance != "" {
		elems = append(elems, el(tag.InstanceNumber, []string{s.instance}))
	}
	if s.pos != nil {
		elems = append(elems, el(tag.ImagePositionPatient, s.pos))
	}
	if s.orient != nil {
		elems = append(elems, el(tag.ImageOrientationPatient, s.orient))
	}
	elems = append(elems,
		el(tag.SamplesPerPixel, []int{1}),
		el(tag.Rows, []int{s.rows}),
		el(tag.Columns, []int{s.cols}),
		el(tag.BitsAllocated, []int{16}),
		el(tag.BitsStored, []int{16}),
		el(tag.PixelRepresentation, []int{rep}),
		el(tag.NumberOfFrames, []string{"1"}),
	)
	if s.slope != "" {
		elems = append(elems, el(tag.RescaleSlope, []string{s.slope}))
	}
	if s.intercept != "" {
		elems = append(elems, el(tag.RescaleIntercept, []string{s.intercept}))
	}
	elems = append(elems, el(tag.PixelData, dicom.PixelDataInfo{Frames: []*frame.Frame{{NativeData: &frame.NativeFrame[uint16]{
		InternalBitsPerSample: 16, InternalRows: s.rows, InternalCols: s.cols, InternalSamplesPerPixel: 1, RawData: raw}}}}))
	var b bytes.Buffer
	if err := dicom.Write(&b, dicom.Dataset{Elements: elems}); err != nil {
		t.Fatalf("dicom.Write: %v", err)
	}
	return b.Bytes()
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParseDICOMHeaderFields(t *testing.T) {
	b := dcm{rows: 2, cols: 3, raw: func(x, y int) uint16 { return uint16(x + 10*y) }, instance: "17",
		pos: []string{"-1.5", "2", "-30.25"}, orient: []string{"1", "0", "0", "0", "0", "-1"}}.bytes(t)
	s, err := parseDICOM(bytes.NewReader(b), int64(len(b)), "h.dcm")
	if err != nil {
		t.Fatal(err)
	}
	if !s.hasInstance || s.instance != 17 || !slices.Equal(s.pos, []float64{-1.5, 2, -30.25}) || !slices.Equal(s.orient, []float64{1, 0, 0, 0, 0, -1}) {
		t.Fatalf("instance %v %d, position %v, orientation %v", s.hasInstance, s.instance, s.pos, s.orient)
	}
	// No slope/intercept: the values are the stored ones.
	if !slices.Equal(s.pix, []float32{0, 1, 2, 10, 11, 12}) {
		t.Errorf("pixels %v", s.pix)
	}
	// Coronal slice: rows along x, columns along −z, so the normal is x × (−z) = +y and the
	// position along it is the y coordinate.
	if got := slicePosition(s); got != 2 {
		t.Errorf("position along the normal = %v, want 2", got)
	}
}

func TestNameNumbers(t *testing.T) {
	for _, c := range []struct {
		names []string
		want  []int
	}{
		{[]string{"i0000,0000b.dcm", "i0001,0000b.dcm", "i0010,0000b.dcm"}, []int{0, 1, 10}},
		{[]string{"liver_GT_009.png", "liver_GT_010.png"}, []int{9, 10}},
		{[]string{"IMG-0004-00002.dcm", "IMG-0004-00012.dcm", "IMG-0004-00004.dcm"}, []int{2, 12, 4}},
		{[]string{"a5.dcm", "a15.dcm"}, []int{5, 15}},
		{[]string{"slice-b.dcm", "slice-a.dcm"}, nil},               // letters
		{[]string{"x1y.dcm", "x2z.dcm"}, nil},                       // differ by more than a number
		{[]string{"s01.dcm", "s1.dcm"}, nil},                        // the same number twice
		{[]string{"i0000,0000b.dcm"}, nil},                          // one name says nothing
		{[]string{"1.2.840.5.dcm", "1.2.840.17.dcm"}, []int{5, 17}}, // UID-like: last component
	} {
		got, ok := nameNumbers(c.names)
		if ok != (c.want != nil) || !slices.Equal(got, c.want) {
			t.Errorf("nameNumbers(%q) = %v, %v; want %v", c.names, got, ok, c.want)
		}
	}
}

// ctSeries writes one CT patient: slice files named names[k] hold the constant HU −1000 + 10·id[k]
// (so the window below maps them back to id[k]) with the given headers, and the masks
// liver_GT_000.png ... mark the first j+1 pixels (row-major) of mask j.
func ctSeries(t *testing.T, pdir string, names []string, id []int, instance []string, pos [][]string, orient []string, masks int) {
	for k, n := range names {
		var p []string
		if pos != nil {
			p = pos[k]
		}
		inst := ""
		if instance != nil {
			inst = instance[k]
		}
		writeFile(t, filepath.Join(pdir, "DICOM_anon", n), dcm{rows: 4, cols: 4, raw: func(x, y int) uint16 { return uint16(id[k]) },
			slope: "10", intercept: "-1000", instance: inst, pos: p, orient: orient}.bytes(t))
	}
	for j := range masks {
		writeFile(t, filepath.Join(pdir, "Ground", fmt.Sprintf("liver_GT_%03d.png", j)), pngBytes(t, 4, 4, func(x, y int) color.Color {
			if y*4+x <= j {
				return color.Gray{255}
			}
			return color.Gray{0}
		}))
	}
}

// pairs loads the CT set and returns, for each example, the slice id read back from the image
// and the mask number read back from the mask.
func pairs(t *testing.T, dir string, order SliceOrder) ([][2]int, error) {
	t.Helper()
	d, err := CHAOSWith(CHAOSOptions{Dir: dir, Size: 4, Window: Window{Center: -950, Width: 200}, SliceOrder: order})
	if err != nil {
		return nil, err
	}
	var out [][2]int
	for i := range d.Len() {
		// Window [−1050, −850]: x = (HU + 1050)/200 = (50 + 10·id)/200.
		id := int(math.Round((float64(rawImage(d, i)[5])*200 - 50) / 10))
		var liver float32
		for _, v := range rawTarget(d, i) {
			liver += v
		}
		out = append(out, [2]int{id, int(liver) - 1})
	}
	return out, nil
}

func TestCHAOSPairing(t *testing.T) {
	axial := []string{"1", "0", "0", "0", "1", "0"}
	z := func(v ...string) [][]string {
		var out [][]string
		for _, s := range v {
			out = append(out, []string{"0", "0", s})
		}
		return out
	}
	t.Run("numbered names win over the headers", func(t *testing.T) {
		dir := t.TempDir()
		var names []string
		var ids []int
		var inst []string
		var pos [][]string
		for k := range 12 {
			names = append(names, fmt.Sprintf("i%04d,0000b.dcm", k))
			ids = append(ids, k)
			inst = append(inst, fmt.Sprint(100-k))                          // reversed
			pos = append(pos, []string{"0", "0", fmt.Sprint((k * 5) % 12)}) // scrambled
		}
		ctSeries(t, filepath.Join(dir, "Train_Sets", "CT", "1"), names, ids, inst, pos, axial, 12)
		got, err := pairs(t, dir, OrderAuto)
		if err != nil {
			t.Fatal(err)
		}
		for j, p := range got {
			if p != [2]int{j, j} {
				t.Fatalf("example %d: slice %d with mask %d, want slice i%04d with liver_GT_%03d", j, p[0], p[1], j, j)
			}
		}
		// Forced orders use the headers instead.
		got, err = pairs(t, dir, OrderByInstanceNumber)
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != [2]int{11, 0} || got[11] != [2]int{0, 11} {
			t.Errorf("by InstanceNumber: %v", got)
		}
		got, err = pairs(t, dir, OrderByPosition)
		if err != nil {
			t.Fatal(err)
		}
		for j, p := range got { // z = 5k mod 12: the slice at z = j is k = 5j mod 12 (5·5 ≡ 1)
			if p != [2]int{(5 * j) % 12, j} {
				t.Fatalf("by position: example %d is %v, want slice %d with mask %d", j, p, (5*j)%12, j)
			}
		}
	})
	t.Run("names numbered from 1, masks from 0: paired by order", func(t *testing.T) {
		dir := t.TempDir()
		// IMG-0001-00001.dcm ... IMG-0001-00011.dcm with liver_GT_000.png ... liver_GT_010.png.
		var names []string
		var ids []int
		for k := range 11 {
			names = append(names, fmt.Sprintf("IMG-0001-%05d.dcm", k+1))
			ids = append(ids, k)
		}
		ctSeries(t, filepath.Join(dir, "Train_Sets", "CT", "21"), names, ids, nil, nil, nil, 11)
		got, err := pairs(t, dir, OrderAuto)
		if err != nil {
			t.Fatal(err)
		}
		for j, p := range got {
			if p != [2]int{j, j} {
				t.Fatalf("example %d: slice %d with mask %d, want IMG-0001-%05d.dcm with liver_GT_%03d.png", j, p[0], p[1], j+1, j)
			}
		}
	})
	t.Run("renamed files are ordered by InstanceNumber", func(t *testing.T) {
		dir := t.TempDir()
		// Alphabetical order c, a, b → ids 0, 1, 2; InstanceNumbers order them a (1), c (2), b (3).
		ctSeries(t, filepath.Join(dir, "CT", "4"), []string{"c.dcm", "a.dcm", "b.dcm"}, []int{0, 1, 2}, []string{"2", "1", "3"}, nil, nil, 3)
		got, err := pairs(t, dir, OrderAuto)
		if err != nil {
			t.Fatal(err)
		}
		if want := [][2]int{{1, 0}, {0, 1}, {2, 2}}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v (a.dcm with mask 0, c.dcm with 1, b.dcm with 2)", got, want)
		}
	})
	t.Run("renamed files without InstanceNumber are ordered by position", func(t *testing.T) {
		dir := t.TempDir()
		ctSeries(t, filepath.Join(dir, "CT", "4"), []string{"c.dcm", "a.dcm", "b.dcm"}, []int{0, 1, 2}, nil, z("-3", "7.5", "-20"), axial, 3)
		got, err := pairs(t, dir, OrderAuto)
		if err != nil {
			t.Fatal(err)
		}
		// Files in name order a (z 7.5), b (z −20), c (z −3): increasing z is b, c, a → ids 2, 0, 1.
		if want := [][2]int{{2, 0}, {0, 1}, {1, 2}}; !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("files named like their masks are paired by name", func(t *testing.T) {
		dir := t.TempDir()
		pdir := filepath.Join(dir, "CT", "2")
		ctSeries(t, pdir, []string{"b.dcm", "a.dcm"}, []int{0, 1}, []string{"1", "2"}, nil, nil, 0)
		for j, n := range []string{"a.png", "b.png"} { // a.png marks 1 pixel, b.png 2 pixels
			writeFile(t, filepath.Join(pdir, "Ground", n), pngBytes(t, 4, 4, func(x, y int) color.Color {
				if y*4+x <= j {
					return color.Gray{255}
				}
				return color.Gray{0}
			}))
		}
		got, err := pairs(t, dir, OrderAuto)
		if err != nil {
			t.Fatal(err)
		}
		if want := [][2]int{{1, 0}, {0, 1}}; !slices.Equal(got, want) { // a.dcm (id 1) ↔ a.png, b.dcm ↔ b.png
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("errors", func(t *testing.T) {
		dir := t.TempDir()
		pdir := filepath.Join(dir, "CT", "3")
		ctSeries(t, pdir, []string{"c.dcm", "a.dcm"}, []int{0, 1}, nil, nil, nil, 2)
		_, err := pairs(t, dir, OrderAuto)
		if err == nil || !strings.Contains(err.Error(), "cannot order the DICOM files of "+filepath.Join(pdir, "DICOM_anon")) {
			t.Errorf("no order at all: %v", err)
		}
		ctSeries(t, pdir, []string{"c.dcm", "a.dcm"}, []int{0, 1}, []string{"5", "5"}, nil, nil, 2)
		_, err = pairs(t, dir, OrderAuto)
		if err == nil || !strings.Contains(err.Error(), "a.dcm and "+filepath.Join(pdir, "DICOM_anon", "c.dcm")+" have the same InstanceNumber 5") {
			t.Errorf("duplicate InstanceNumber: %v", err)
		}
		_, err = pairs(t, dir, OrderByPosition)
		if err == nil || !strings.Contains(err.Error(), "has no ImagePositionPatient") {
			t.Errorf("forced position without positions: %v", err)
		}
		// Numbered names, one mask missing: the message names the slice without a mask.
		dir = t.TempDir()
		pdir = filepath.Join(dir, "CT", "3")
		ctSeries(t, pdir, []string{"i0000,0000b.dcm", "i0001,0000b.dcm", "i0002,0000b.dcm"}, []int{0, 1, 2}, nil, nil, nil, 3)
		os.Remove(filepath.Join(pdir, "Ground", "liver_GT_001.png"))
		_, err = pairs(t, dir, OrderAuto)
		want := fmt.Sprintf("3 DICOM slices in %s but 2 masks in %s: each slice needs its mask; no mask numbered like i0001,0000b.dcm",
			filepath.Join(pdir, "DICOM_anon"), filepath.Join(pdir, "Ground"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing mask: %v\nwant %s", err, want)
		}
		// A mask of another size.
		writeFile(t, filepath.Join(pdir, "Ground", "liver_GT_001.png"), pngBytes(t, 5, 4, func(x, y int) color.Color { return color.Black }))
		_, err = pairs(t, dir, OrderAuto)
		if err == nil || !strings.Contains(err.Error(), "i0001,0000b.dcm is 4×4 (width×height) but its mask "+filepath.Join(pdir, "Ground", "liver_GT_001.png")+" is 5×4") {
			t.Errorf("mask size: %v", err)
		}
		writeFile(t, filepath.Join(pdir, "Ground", "liver_GT_001.png"), []byte("not a png"))
		_, err = pairs(t, dir, OrderAuto)
		if err == nil || !strings.Contains(err.Error(), "liver_GT_001.png: not a valid PNG") {
			t.Errorf("bad mask: %v", err)
		}
	})
}

func TestCHAOSLayoutsAndPatients(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"10", "2"} {
		ctSeries(t, filepath.Join(dir, "CHAOS_Train_Sets", "Train_Sets", "CT", p), []string{"i0000,0000b.dcm"}, []int{3}, nil, nil, nil, 1)
	}
	d, err := CHAOSWith(CHAOSOptions{Dir: dir, Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Groups, []int{2, 10}) || !slices.Equal(d.Classes, CHAOSCTClasses) {
		t.Errorf("groups %v (want patients in numeric order 2, 10), classes %v", d.Groups, d.Classes)
	}
	d, err = CHAOSWith(CHAOSOptions{Dir: dir, Size: 4, Patients: []int{10}})
	if err != nil || !slices.Equal(d.Groups, []int{10}) {
		t.Errorf("Patients [10]: %v %v", d, err)
	}
	_, err = CHAOSWith(CHAOSOptions{Dir: dir, Patients: []int{7}})
	if err == nil || !strings.Contains(err.Error(), "patients [7] asked for, but") || !strings.Contains(err.Error(), "[2 10]") {
		t.Errorf("unknown patient: %v", err)
	}
	empty := t.TempDir()
	_, err = CHAOSWith(CHAOSOptions{Dir: empty})
	var miss *MissingDataError
	want := "datasets: CHAOS CT is not on this machine: put these files:\n  " +
		filepath.Join(empty, "Train_Sets", "CT", "<patient>", "DICOM_anon", "i0000,0000b.dcm") + "\n  " +
		filepath.Join(empty, "Train_Sets", "CT", "<patient>", "Ground", "liver_GT_000.png") +
		"\nGet them from https://chaos.grand-challenge.org (CHAOS_Train_Sets.zip, also on https://zenodo.org/record/3431873).\n" +
		"Extract CHAOS_Train_Sets.zip into " + empty + " (or point $GODL_CHAOS_DIR or the options' Dir at the folder holding Train_Sets)."
	if !errors.As(err, &miss) || err.Error() != want {
		t.Errorf("missing:\n%v\nwant\n%s", err, want)
	}
}

// ---------- MR ----------

// mrLevels are grey levels of a test mask with their class under the CHAOS description
// (liver 55–70, right kidney 110–135, left kidney 175–200, spleen 240–255, else background).
var mrLevels = [][2]int{
	{0, 0}, {54, 0}, {55, 1}, {63, 1}, {70, 1}, {71, 0}, {109, 0}, {110, 2}, {126, 2}, {135, 2},
	{136, 0}, {174, 0}, {175, 3}, {189, 3}, {200, 3}, {201, 0}, {239, 0}, {240, 4}, {252, 4}, {255, 4},
	{30, 0}, {90, 0}, {150, 0}, {220, 0},
}

// mrMask is the 6×6 test mask number j: pixel k (row-major) has level mrLevels[(k+j) mod 24][0].
func mrMask(t *testing.T, j int) []byte {
	return pngBytes(t, 6, 6, func(x, y int) color.Color { return color.Gray{uint8(mrLevels[(y*6+x+j)%len(mrLevels)][0])} })
}

// mrPatient writes one MR patient: T1 in phase (2 slices, stored values perm72(36·s + k)), out of
// phase (2 slices, 1000 + 3·perm72(...)), T2-SPIR (3 slices, perm108(36·s + k)), with masks.
func mrPatient(t *testing.T, pdir string) {
	perm72 := func(k int) uint16 { return uint16((k * 37) % 72) }
	perm108 := func(k int) uint16 { return uint16((k * 41) % 108) }
	for s := range 2 {
		in := fmt.Sprintf("IMG-0004-%05d", 2*s+2)
		out := fmt.Sprintf("IMG-0004-%05d", 2*s+1)
		writeFile(t, filepath.Join(pdir, "T1DUAL", "DICOM_anon", "InPhase", in+".dcm"), dcm{rows: 6, cols: 6,
			raw: func(x, y int) uint16 { return perm72(36*s + 6*y + x) }}.bytes(t))
		writeFile(t, filepath.Join(pdir, "T1DUAL", "DICOM_anon", "OutPhase", out+".dcm"), dcm{rows: 6, cols: 6,
			raw: func(x, y int) uint16 { return 1000 + 3*perm72(36*s+6*y+x) }}.bytes(t))
		writeFile(t, filepath.Join(pdir, "T1DUAL", "Ground", in+".png"), mrMask(t, s))
	}
	for s := range 3 {
		n := fmt.Sprintf("IMG-0002-%05d", s+1)
		writeFile(t, filepath.Join(pdir, "T2SPIR", "DICOM_anon", n+".dcm"), dcm{rows: 6, cols: 6,
			raw: func(x, y int) uint16 { return perm108(36*s + 6*y + x) }}.bytes(t))
		writeFile(t, filepath.Join(pdir, "T2SPIR", "Ground", n+".png"), mrMask(t, 10+s))
	}
}

func TestPercentile(t *testing.T) {
	v := []float32{1, 2, 3, 4}
	for _, c := range [][2]float64{{0, 1}, {25, 1.75}, {50, 2.5}, {100, 4}, {99, 3.97}} {
		if got := percentile(v, c[0]); math.Abs(got-c[1]) > 1e-12 {
			t.Errorf("percentile(%v, %v) = %v, want %v", v, c[0], got, c[1])
		}
	}
	if percentile([]float32{7}, 30) != 7 || percentile(nil, 50) != 0 {
		t.Error("one value / no value")
	}
}

func TestCHAOSMR(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"3", "1"} {
		mrPatient(t, filepath.Join(dir, "Train_Sets", "MR", p))
	}
	d, err := CHAOSMRWith(CHAOSMROptions{Dir: dir, Size: 6})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	// Per patient: 2 in-phase, 2 out-of-phase, 3 T2-SPIR slices.
	if d.Len() != 14 || !slices.Equal(d.Groups, []int{1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3}) || !slices.Equal(d.Classes, CHAOSMRClasses) {
		t.Fatalf("%v, groups %v, classes %v", d, d.Groups, d.Classes)
	}
	// In phase: the volume holds each of 0..71 once, so P1 = 0.01·71 = 0.71, P99 = 70.29.
	for s := range 2 {
		for k := range 36 {
			v := float64((36*s + k) * 37 % 72)
			want := min(max((v-0.71)/(70.29-0.71), 0), 1)
			if got := rawImage(d, s)[k]; math.Abs(float64(got)-want) > 1e-6 {
				t.Fatalf("in phase slice %d pixel %d = %v, want %v", s, k, got, want)
			}
			// Out of phase: 1000 + 3v, scaled by its own percentiles → the same values.
			if got := rawImage(d, 2+s)[k]; math.Abs(float64(got)-want) > 1e-5 {
				t.Fatalf("out of phase slice %d pixel %d = %v, want %v", s, k, got, want)
			}
		}
	}
	// Masks: in phase slice s ↔ mask s (same name), out of phase slice s ↔ mask s (name order),
	// T2-SPIR slice s ↔ mask 10+s; classes from the documented grey-level ranges.
	for i, j := range []int{0, 1, 0, 1, 10, 11, 12} {
		for k, got := range rawTarget(d, i) {
			if want := mrLevels[(k+j)%len(mrLevels)][1]; got != float32(want) {
				t.Fatalf("example %d pixel %d (grey %d) = class %v, want %d", i, k, mrLevels[(k+j)%len(mrLevels)][0], got, want)
			}
		}
	}

	// T2-SPIR alone, min-max scaling, binary spleen masks, patient 3 only.
	d, err = CHAOSMRWith(CHAOSMROptions{Dir: dir, Size: 6, Sequences: []MRSequence{MRT2SPIR}, Percentiles: [2]float64{0, 100}, Organ: Spleen, Patients: []int{3}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 || !slices.Equal(d.Classes, []string{"background", "spleen"}) || d.Groups[0] != 3 {
		t.Fatalf("%v %v %v", d, d.Classes, d.Groups)
	}
	for s := range 3 {
		for k := range 36 {
			if want := float32(float64((36*s+k)*41%108) / 107); math.Abs(float64(rawImage(d, s)[k]-want)) > 1e-6 {
				t.Fatalf("T2 slice %d pixel %d = %v, want %v", s, k, rawImage(d, s)[k], want)
			}
			want := float32(0)
			if mrLevels[(k+10+s)%len(mrLevels)][1] == 4 {
				want = 1
			}
			if rawTarget(d, s)[k] != want {
				t.Fatalf("spleen mask %d pixel %d = %v, want %v", s, k, rawTarget(d, s)[k], want)
			}
		}
	}

	// Resized masks keep class ids (nearest pixel), resized images stay in [0,1].
	d, err = CHAOSMRWith(CHAOSMROptions{Dir: dir, Size: 4, Patients: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range d.Targets {
		if v != float32(int(v)) || v < 0 || v > 4 {
			t.Fatalf("resized mask value %v is not a class id", v)
		}
	}
	for _, v := range d.X {
		if v < 0 || v > 1 {
			t.Fatalf("resized image value %v", v)
		}
	}
}

func TestCHAOSMRErrors(t *testing.T) {
	dir := t.TempDir()
	pdir := filepath.Join(dir, "MR", "1")
	mrPatient(t, pdir)
	for _, c := range []struct {
		opt  CHAOSMROptions
		want string
	}{
		{CHAOSMROptions{Percentiles: [2]float64{99, 1}}, "Percentiles [99 1], want 0 ≤ low < high ≤ 100"},
		{CHAOSMROptions{Sequences: []MRSequence{"T1"}}, `unknown MR sequence "T1"`},
		{CHAOSMROptions{Organ: 9}, "Organ 9, want AllOrgans"},
		{CHAOSMROptions{Patients: []int{2}}, "holds the patient folders [1]"},
	} {
		c.opt.Dir = dir
		if _, err := CHAOSMRWith(c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.opt, err, c.want)
		}
	}
	// A T2 mask of another size, then an unreadable DICOM: errors name the files.
	mask := filepath.Join(pdir, "T2SPIR", "Ground", "IMG-0002-00002.png")
	writeFile(t, mask, pngBytes(t, 6, 5, func(x, y int) color.Color { return color.Black }))
	_, err := CHAOSMRWith(CHAOSMROptions{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "IMG-0002-00002.dcm is 6×6 (width×height) but its mask "+mask+" is 6×5") {
		t.Errorf("mask size: %v", err)
	}
	bad := filepath.Join(pdir, "T1DUAL", "DICOM_anon", "OutPhase", "IMG-0004-00003.dcm")
	writeFile(t, bad, []byte("DICM but not really"))
	_, err = CHAOSMRWith(CHAOSMROptions{Dir: dir})
	var fe *FormatError
	if !errors.As(err, &fe) || fe.File != bad || !strings.Contains(err.Error(), "unreadable DICOM") {
		t.Errorf("bad DICOM: %v", err)
	}
	os.RemoveAll(filepath.Join(pdir, "T1DUAL", "Ground"))
	_, err = CHAOSMRWith(CHAOSMROptions{Dir: dir, Sequences: []MRSequence{MRT1InPhase}})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(pdir, "T1DUAL", "Ground")) {
		t.Errorf("missing Ground: %v", err)
	}
	_, err = CHAOSMRWith(CHAOSMROptions{Dir: t.TempDir()})
	var miss *MissingDataError
	if !errors.As(err, &miss) || !strings.Contains(err.Error(), filepath.Join("MR", "<patient>", "T2SPIR", "Ground")) {
		t.Errorf("missing: %v", err)
	}
}

func FuzzNameNumbers(f *testing.F) {
	f.Add("i0000,0000b.dcm", "i0011,0000b.dcm", "i0002,0000b.dcm")
	f.Add("IMG-0004-00002.dcm", "IMG-0004-00004.dcm", "x.dcm")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		names := []string{a, b, c}
		nums, ok := nameNumbers(names)
		if !ok {
			return
		}
		// The numbers are distinct and each is written in its name.
		seen := map[int]bool{}
		for i, n := range nums {
			if seen[n] || n < 0 || !strings.Contains(names[i], fmt.Sprint(n)) {
				t.Fatalf("nameNumbers(%q) = %v", names, nums)
			}
			seen[n] = true
		}
	})
}

// BenchmarkCHAOS loads one CT patient of 20 full-size slices (512×512, as in CHAOS) and resizes
// them to 128×128.
func BenchmarkCHAOS(b *testing.B) {
	dir := b.TempDir()
	pdir := filepath.Join(dir, "CT", "1")
	for k := range 20 {
		writeFile(b, filepath.Join(pdir, "DICOM_anon", fmt.Sprintf("i%04d,0000b.dcm", k)), dcm{rows: 512, cols: 512,
			raw: func(x, y int) uint16 { return uint16(x*3 + y + k) }, slope: "1", intercept: "-1024"}.bytes(b))
		writeFile(b, filepath.Join(pdir, "Ground", fmt.Sprintf("liver_GT_%03d.png", k)), pngBytes(b, 512, 512, func(x, y int) color.Color {
			if x > 200 && y > 200 && x < 300 {
				return color.Gray{255}
			}
			return color.Gray{0}
		}))
	}
	b.ResetTimer()
	for b.Loop() {
		d, err := CHAOSWith(CHAOSOptions{Dir: dir})
		if err != nil || d.Len() != 20 {
			b.Fatal(d, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/20, "ms/slice")
}
