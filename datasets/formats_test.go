package datasets

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/frame"
	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

// ---------- CIFAR-10 ----------

// cifarBytes encodes records in the CIFAR-10 binary format: label, then R, G, B planes. Pixel p
// of record r has R = (r+p) mod 256, G = 2p mod 256, B = 255 − p mod 256.
func cifarBytes(labels ...byte) []byte {
	var b []byte
	for r, l := range labels {
		b = append(b, l)
		for c := range 3 {
			for p := range 1024 {
				v := [3]int{(r + p) % 256, (2 * p) % 256, 255 - p%256}[c]
				b = append(b, byte(v))
			}
		}
	}
	return b
}

func TestReadCIFAR10(t *testing.T) {
	d, err := ReadCIFAR10(bytes.NewReader(cifarBytes(3, 9)), "data_batch_1.bin")
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2 || d.Labels[0] != 3 || d.Labels[1] != 9 || d.Classes[3] != "cat" {
		t.Fatalf("%v %v", d, d.Labels)
	}
	// Record 1, pixel (row 2, col 5) = p 69: H×W×C layout → index (2*32+5)*3.
	x := rawImage(d, 1)[(2*32+5)*3:]
	if x[0] != float32(70)/255 || x[1] != float32(138)/255 || x[2] != float32(255-69)/255 {
		t.Errorf("pixel = %v", x[:3])
	}
	_, err = ReadCIFAR10(bytes.NewReader(cifarBytes(1, 2)[:5000]), "f.bin")
	if err == nil || !strings.Contains(err.Error(), "f.bin: offset 3073: truncated record 1") {
		t.Errorf("truncated: %v", err)
	}
	_, err = ReadCIFAR10(bytes.NewReader(cifarBytes(1, 12)), "f.bin")
	if err == nil || !strings.Contains(err.Error(), "offset 3073: record 1 has label 12") {
		t.Errorf("bad label: %v", err)
	}
	dir := t.TempDir()
	for i := 1; i <= 5; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("data_batch_%d.bin", i)), cifarBytes(byte(i), 0), 0o644)
	}
	_, _, err = CIFAR10With(CIFAR10Options{Dir: dir})
	var me *MissingDataError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "test_batch.bin") {
		t.Fatalf("missing test batch: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "test_batch.bin"), cifarBytes(7), 0o644)
	train, test, err := CIFAR10With(CIFAR10Options{Dir: dir})
	if err != nil || train.Len() != 10 || test.Len() != 1 || train.Labels[8] != 5 {
		t.Fatalf("CIFAR10With: %v %v %v", train, test, err)
	}
}

func FuzzReadCIFAR10(f *testing.F) {
	f.Add(cifarBytes(1))
	f.Add(cifarBytes(1)[:100])
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := ReadCIFAR10(bytes.NewReader(in), "fuzz")
		if err == nil && (len(in)%cifarRecord != 0 || d.Len() != len(in)/cifarRecord) {
			t.Fatalf("accepted %d bytes as %d records", len(in), d.Len())
		}
	})
}

// ---------- PPM + GTSRB ----------

func ppmBytes(w, h int, f func(x, y, c int) byte) []byte {
	b := []byte(fmt.Sprintf("P6\n# made by a test\n%d %d\n255\n", w, h))
	for y := range h {
		for x := range w {
			for c := range 3 {
				b = append(b, f(x, y, c))
			}
		}
	}
	return b
}

func TestReadPPM(t *testing.T) {
	in := ppmBytes(3, 2, func(x, y, c int) byte { return byte(10*x + 100*y + c) })
	pix, h, w, err := ReadPPM(bytes.NewReader(in), "a.ppm")
	if err != nil || h != 2 || w != 3 {
		t.Fatalf("%v %d %d", err, h, w)
	}
	if got := pix[(1*3+2)*3+1]; got != float32(121)/255 {
		t.Errorf("pixel (2,1) G = %v", got*255)
	}
	// 16-bit samples.
	in16 := append([]byte("P6 1 1 1000\n"), 0x01, 0xF4, 0x03, 0xE8, 0, 0)
	pix, _, _, err = ReadPPM(bytes.NewReader(in16), "b.ppm")
	if err != nil || pix[0] != 0.5 || pix[1] != 1 || pix[2] != 0 {
		t.Errorf("16-bit: %v %v", pix, err)
	}
	bad := map[string]string{
		"P5\n1 1\n255\n\x00":         "offset 0: bad PPM header",
		"P6\n1 x\n255\n":             "offset 5: bad PPM header: height expected",
		"P6\n0 1\n255\n":             "size 0×1",
		"P6\n1 1\n70000\n":           "maxval 70000",
		"P6\n2 2\n255\nabcde":        "offset 16: truncated PPM",
		"P6\n1 1\n":                  "truncated before the maxval",
		"P6\n1 1\n100\n\xff\x00\x00": "larger than maxval",
	}
	for in, want := range bad {
		_, _, _, err := ReadPPM(strings.NewReader(in), "bad.ppm")
		if err == nil || !strings.Contains(err.Error(), "bad.ppm") || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}

func TestReadGTSRBCSV(t *testing.T) {
	csv := "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\r\n00000_00000.ppm;29;30;5;6;24;25;14\r\n"
	rows, err := ReadGTSRBCSV(strings.NewReader(csv), "GT-00014.csv")
	if err != nil || len(rows) != 1 || rows[0] != (GTSRBRow{"00000_00000.ppm", 29, 30, 5, 6, 24, 25, 14, 2}) {
		t.Fatalf("%+v %v", rows, err)
	}
	bad := map[string]string{
		"Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;ClassId\na;1;1;0;0;0;0\n":                 "line 1: missing columns Roi.Y2",
		"Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\na.ppm;1;1;0;0;0\n":        "line 2: 6 fields, the header has 8",
		"Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\na.ppm;1;1;0;0;0;0;x\n":    "line 2: column ClassId",
		"Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\na.ppm;5;5;0;0;5;4;1\n":    "line 2: ROI (0,0)-(5,4) is not inside the 5×5 image",
		"Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\na.ppm;5;5;0;0;4;4;43\n":   "ClassId 43",
		"Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n../a.ppm;5;5;0;0;4;4;1\n": "bad file name",
		"": "empty file",
	}
	for in, want := range bad {
		_, err := ReadGTSRBCSV(strings.NewReader(in), "GT.csv")
		if err == nil || !strings.Contains(err.Error(), "GT.csv") || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}

// writeGTSRB writes a GTSRB folder: classes 0 and 1, `tracks` tracks of 3 images each, 12×10
// pixels with a 2-pixel border of 0 around a ROI filled with (class+1)·100 in the red channel;
// and a test folder with 2 images.
func writeGTSRB(t *testing.T, dir string, tracks int) {
	img := func(class int) []byte {
		return ppmBytes(12, 10, func(x, y, c int) byte {
			if x < 2 || y < 2 || x > 9 || y > 7 || c != 0 {
				return 0
			}
			return byte((class + 1) * 100)
		})
	}
	header := "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n"
	for k := range 2 {
		cdir := filepath.Join(dir, "Final_Training", "Images", fmt.Sprintf("%05d", k))
		os.MkdirAll(cdir, 0o755)
		csv := header
		for tr := range tracks {
			for i := range 3 {
				name := fmt.Sprintf("%05d_%05d.ppm", tr, i)
				os.WriteFile(filepath.Join(cdir, name), img(k), 0o644)
				csv += fmt.Sprintf("%s;12;10;2;2;9;7;%d\n", name, k)
			}
		}
		os.WriteFile(filepath.Join(cdir, fmt.Sprintf("GT-%05d.csv", k)), []byte(csv), 0o644)
	}
	tdir := filepath.Join(dir, "Final_Test", "Images")
	os.MkdirAll(tdir, 0o755)
	os.WriteFile(filepath.Join(tdir, "00000.ppm"), img(1), 0o644)
	os.WriteFile(filepath.Join(tdir, "00001.ppm"), img(0), 0o644)
	os.WriteFile(filepath.Join(tdir, "GT-final_test.csv"), []byte(header+"00000.ppm;12;10;2;2;9;7;1\n00001.ppm;12;10;2;2;9;7;0\n"), 0o644)
}

func TestGTSRB(t *testing.T) {
	dir := t.TempDir()
	writeGTSRB(t, dir, 5)
	train, test, err := GTSRBWith(GTSRBOptions{Dir: dir, Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 30 || test.Len() != 2 || len(train.Classes) != 43 || train.Shape[0] != 4 || train.Shape[2] != 3 {
		t.Fatalf("%v / %v", train, test)
	}
	// Cropped to the ROI, every pixel is the ROI colour: R = (class+1)·100/255, G = B = 0.
	for i := range train.Len() {
		x := rawImage(train, i)
		want := float32((train.Labels[i]+1)*100) / 255
		for p := 0; p < len(x); p += 3 {
			if math.Abs(float64(x[p]-want)) > 1e-6 || x[p+1] != 0 {
				t.Fatalf("image %d (class %d) pixel %v, want R=%v", i, train.Labels[i], x[p:p+3], want)
			}
		}
	}
	if test.Labels[0] != 1 || test.Labels[1] != 0 {
		t.Errorf("test labels %v", test.Labels)
	}
	// Without cropping the black border shows.
	full, _, err := GTSRBWith(GTSRBOptions{Dir: dir, Size: 12, NoCrop: true})
	if err != nil || rawImage(full, 0)[0] != 0 {
		t.Errorf("NoCrop: %v %v", err, rawImage(full, 0)[:3])
	}
	// The split by track keeps each track on one side, balanced per class (1 of 5 tracks).
	a, b := train.SplitByGroup(0.8, 3)
	if a.Len() != 24 || b.Len() != 6 {
		t.Fatalf("split %d / %d", a.Len(), b.Len())
	}
	// A size mismatch between CSV and image names the CSV line.
	cdir := filepath.Join(dir, "Final_Training", "Images", "00001")
	os.WriteFile(filepath.Join(cdir, "00002_00001.ppm"), ppmBytes(11, 10, func(x, y, c int) byte { return 0 }), 0o644)
	_, _, err = GTSRBWith(GTSRBOptions{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "GT-00001.csv: line 9: 00002_00001.ppm is 11×10 but the CSV says 12×10") {
		t.Errorf("size mismatch: %v", err)
	}
	os.WriteFile(filepath.Join(cdir, "00002_00001.ppm"), []byte("P3\n"), 0o644)
	_, _, err = GTSRBWith(GTSRBOptions{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "00002_00001.ppm: offset 0: bad PPM header") {
		t.Errorf("bad PPM: %v", err)
	}
	_, _, err = GTSRBWith(GTSRBOptions{Dir: t.TempDir()})
	var me *MissingDataError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "Final_Training") {
		t.Errorf("missing: %v", err)
	}
}

func FuzzReadPPM(f *testing.F) {
	f.Add(ppmBytes(2, 2, func(x, y, c int) byte { return byte(x + y + c) }))
	f.Add([]byte("P6 1 1 65535\n\x00\x01\x00\x02\x00\x03"))
	f.Fuzz(func(t *testing.T, in []byte) {
		pix, h, w, err := ReadPPM(bytes.NewReader(in), "fuzz")
		if err == nil && len(pix) != h*w*3 {
			t.Fatalf("%d values for %d×%d", len(pix), h, w)
		}
		for _, v := range pix {
			if v < 0 || v > 1 {
				t.Fatalf("value %v outside [0,1]", v)
			}
		}
	})
}

func FuzzReadGTSRBCSV(f *testing.F) {
	f.Add("Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n0_0.ppm;29;30;5;6;24;25;14\n")
	f.Add("ClassId;Filename\n1;a\n")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := ReadGTSRBCSV(strings.NewReader(in), "fuzz.csv")
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.ClassID < 0 || r.ClassID > 42 || r.X2 >= r.Width || r.Y2 >= r.Height || r.X1 > r.X2 || strings.Contains(r.Filename, "/") {
				t.Fatalf("accepted an invalid row %+v", r)
			}
		}
	})
}

// ---------- DICOM + CHAOS ----------

// dicomBytes writes a real DICOM file (explicit VR little endian) with a 16-bit signed CT slice:
// stored value v(x, y) = 10x − 5y − 100, RescaleSlope 2, RescaleIntercept −1000.
func dicomBytes(t testing.TB, rows, cols int) []byte {
	raw := make([]uint16, rows*cols)
	for y := range rows {
		for x := range cols {
			raw[y*cols+x] = uint16(int16(10*x - 5*y - 100))
		}
	}
	el := func(tg tag.Tag, v any) *dicom.Element {
		e, err := dicom.NewElement(tg, v)
		if err != nil {
			t.Fatalf("NewElement %v: %v", tg, err)
		}
		return e
	}
	ds := dicom.Dataset{Elements: []*dicom.Element{
		el(tag.MediaStorageSOPClassUID, []string{"1.2.840.10008.5.1.4.1.1.2"}),
		el(tag.MediaStorageSOPInstanceUID, []string{"1.2.3.4.5.6.7"}),
		el(tag.TransferSyntaxUID, []string{uid.ExplicitVRLittleEndian}),
		el(tag.Rows, []int{rows}),
		el(tag.Columns, []int{cols}),
		el(tag.BitsAllocated, []int{16}),
		el(tag.BitsStored, []int{16}),
		el(tag.PixelRepresentation, []int{1}),
		el(tag.SamplesPerPixel, []int{1}),
		el(tag.NumberOfFrames, []string{"1"}),
		el(tag.RescaleSlope, []string{"2"}),
		el(tag.RescaleIntercept, []string{"-1000"}),
		el(tag.PixelData, dicom.PixelDataInfo{Frames: []*frame.Frame{{NativeData: &frame.NativeFrame[uint16]{
			InternalBitsPerSample: 16, InternalRows: rows, InternalCols: cols, InternalSamplesPerPixel: 1, RawData: raw}}}}),
	}}
	var b bytes.Buffer
	if err := dicom.Write(&b, ds); err != nil {
		t.Fatalf("dicom.Write: %v", err)
	}
	return b.Bytes()
}

func pngBytes(t testing.TB, w, h int, f func(x, y int) color.Color) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, f(x, y))
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadDICOMSlice(t *testing.T) {
	b := dicomBytes(t, 4, 6)
	hu, rows, cols, err := ReadDICOMSlice(bytes.NewReader(b), int64(len(b)), "s.dcm")
	if err != nil || rows != 4 || cols != 6 {
		t.Fatalf("%v %d %d", err, rows, cols)
	}
	for y := range 4 {
		for x := range 6 {
			if want := float32(2*(10*x-5*y-100) - 1000); hu[y*6+x] != want {
				t.Fatalf("HU(%d,%d) = %v, want %v", x, y, hu[y*6+x], want)
			}
		}
	}
	for _, in := range [][]byte{nil, []byte("not a dicom file at all, really not"), b[:len(b)-10]} {
		_, _, _, err := ReadDICOMSlice(bytes.NewReader(in), int64(len(in)), "bad.dcm")
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "bad.dcm") {
			t.Errorf("%d bytes: error %v, want a FormatError naming bad.dcm", len(in), err)
		}
	}
}

func TestCHAOS(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"1", "2"} {
		pd := filepath.Join(dir, "Train_Sets", "CT", p)
		os.MkdirAll(filepath.Join(pd, "DICOM_anon"), 0o755)
		os.MkdirAll(filepath.Join(pd, "Ground"), 0o755)
		for i := range 3 {
			os.WriteFile(filepath.Join(pd, "DICOM_anon", fmt.Sprintf("i%04d,0000b.dcm", i)), dicomBytes(t, 8, 8), 0o644)
			// The mask marks the left half (x < 4) of slice i's first i+1 rows.
			os.WriteFile(filepath.Join(pd, "Ground", fmt.Sprintf("liver_GT_%03d.png", i)), pngBytes(t, 8, 8, func(x, y int) color.Color {
				if x < 4 && y <= i {
					return color.Gray{255}
				}
				return color.Gray{0}
			}), 0o644)
		}
	}
	d, err := CHAOSWith(CHAOSOptions{Dir: dir, Size: 8, Window: Window{Center: -1200, Width: 400}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 6 || d.Groups[0] != 1 || d.Groups[5] != 2 {
		t.Fatalf("%v groups %v", d, d.Groups)
	}
	// Window [−1400, −1000]: HU(x,y) = 20x − 10y − 1200 → (HU + 1400)/400.
	for y := range 8 {
		for x := range 8 {
			hu := float64(20*x - 10*y - 1200)
			want := min(max((hu+1400)/400, 0), 1)
			if got := rawImage(d, 0)[y*8+x]; math.Abs(float64(got)-want) > 1e-6 {
				t.Fatalf("windowed (%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
	var liver float32
	for _, v := range rawTarget(d, 2) {
		liver += v
	}
	if liver != 12 { // slice 2: 3 rows × 4 columns
		t.Errorf("mask of slice 2 has %v liver pixels, want 12", liver)
	}
	os.Remove(filepath.Join(dir, "Train_Sets", "CT", "2", "Ground", "liver_GT_002.png"))
	if _, err := CHAOSWith(CHAOSOptions{Dir: dir, Size: 8}); err == nil || !strings.Contains(err.Error(), "3 DICOM slices in "+filepath.Join(dir, "Train_Sets", "CT", "2", "DICOM_anon")+" but 2 masks") {
		t.Errorf("count mismatch: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "Train_Sets", "CT", "2", "Ground", "liver_GT_002.png"), []byte("junk"), 0o644)
	os.WriteFile(filepath.Join(dir, "Train_Sets", "CT", "1", "DICOM_anon", "i0001,0000b.dcm"), []byte("junk"), 0o644)
	if _, err := CHAOSWith(CHAOSOptions{Dir: dir, Size: 8}); err == nil || !strings.Contains(err.Error(), "i0001,0000b.dcm") || !strings.Contains(err.Error(), "unreadable DICOM") {
		t.Errorf("bad DICOM: %v", err)
	}
	if _, err := CHAOSWith(CHAOSOptions{Dir: t.TempDir()}); !errors.As(err, new(*MissingDataError)) {
		t.Errorf("missing: %v", err)
	}
}

func FuzzReadDICOMSlice(f *testing.F) {
	f.Add(dicomBytes(f, 2, 3))
	f.Fuzz(func(t *testing.T, in []byte) {
		hu, rows, cols, err := ReadDICOMSlice(bytes.NewReader(in), int64(len(in)), "fuzz.dcm")
		if err == nil && len(hu) != rows*cols {
			t.Fatalf("%d values for %d×%d", len(hu), rows, cols)
		}
	})
}

// ---------- dehazing pairs (PNG) ----------

func TestDehazePairs(t *testing.T) {
	dir := t.TempDir()
	// NH-HAZE layout: one folder. GT pixel = (x, y, 0)/255, hazy = GT + 100/255 in blue.
	for _, n := range []string{"01", "02"} {
		os.WriteFile(filepath.Join(dir, n+"_GT.png"), pngBytes(t, 20, 16, func(x, y int) color.Color { return color.NRGBA{uint8(x), uint8(y), 0, 255} }), 0o644)
		os.WriteFile(filepath.Join(dir, n+"_hazy.png"), pngBytes(t, 20, 16, func(x, y int) color.Color { return color.NRGBA{uint8(x), uint8(y), 100, 255} }), 0o644)
	}
	d, err := DehazeWith(DehazeOptions{Dir: dir, Crop: 8, CropsPerImage: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 6 || d.Shape[0] != 8 || d.TargetShape[2] != 3 {
		t.Fatalf("%v", d)
	}
	for i := range d.Len() {
		x, y := rawImage(d, i), rawTarget(d, i)
		for p := 0; p < len(x); p += 3 {
			if x[p] != y[p] || x[p+1] != y[p+1] || x[p+2] != float32(100)/255 || y[p+2] != 0 {
				t.Fatalf("crop %d is not aligned: hazy %v GT %v", i, x[p:p+3], y[p:p+3])
			}
		}
	}
	// Dense-Haze layout with a missing partner.
	dense := t.TempDir()
	os.MkdirAll(filepath.Join(dense, "hazy"), 0o755)
	os.MkdirAll(filepath.Join(dense, "GT"), 0o755)
	os.WriteFile(filepath.Join(dense, "hazy", "01_hazy.png"), pngBytes(t, 8, 8, func(x, y int) color.Color { return color.Black }), 0o644)
	os.WriteFile(filepath.Join(dense, "GT", "01_GT.png"), pngBytes(t, 8, 8, func(x, y int) color.Color { return color.White }), 0o644)
	os.WriteFile(filepath.Join(dense, "GT", "02_GT.png"), pngBytes(t, 8, 8, func(x, y int) color.Color { return color.White }), 0o644)
	if _, err := DehazeWith(DehazeOptions{Dir: dense, Crop: 4}); err == nil || !strings.Contains(err.Error(), "02_GT.png (no 02_hazy.png)") {
		t.Errorf("mismatched names: %v", err)
	}
	os.Remove(filepath.Join(dense, "GT", "02_GT.png"))
	d, err = DehazeWith(DehazeOptions{Dir: dense, Resize: 4})
	if err != nil || d.Len() != 1 || rawTarget(d, 0)[0] != 1 || rawImage(d, 0)[0] != 0 {
		t.Fatalf("Dense-Haze: %v %v", d, err)
	}
}

func TestDecodePNGRefusesHugeImages(t *testing.T) {
	b := pngBytes(t, 1, 1, func(x, y int) color.Color { return color.Black })
	// IHDR: 8-byte signature, chunk length, "IHDR", width and height (big-endian), ..., CRC of
	// the chunk type and data (bytes 12..28) at 29.
	binary.BigEndian.PutUint32(b[16:], 100_000)
	binary.BigEndian.PutUint32(b[20:], 100_000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	_, err := decodePNG(bytes.NewReader(b), "huge.png", 1)
	var fe *FormatError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "huge.png: offset 16: PNG header announces 100000×100000 pixels") {
		t.Errorf("error %v", err)
	}
}

func FuzzDecodePNG(f *testing.F) {
	f.Add(pngBytes(f, 2, 2, func(x, y int) color.Color { return color.Gray{uint8(x * 100)} }))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := decodePNG(bytes.NewReader(in), "fuzz.png", 3)
		if err == nil && len(p.pix) != p.h*p.w*3 {
			t.Fatalf("%d values for %d×%d", len(p.pix), p.h, p.w)
		}
	})
}

// The default folders and the "missing" answer that notebooks fall back on.
func TestMissingDataDefaults(t *testing.T) {
	empty := t.TempDir()
	t.Setenv(EnvDehazeDir, empty)
	_, err := Dehaze()
	if !IsMissing(err) || !strings.Contains(err.Error(), empty) {
		t.Errorf("Dehaze with an empty $%s: %v, want a MissingDataError naming the folder", EnvDehazeDir, err)
	}
	t.Setenv(EnvCIFAR10Dir, "")
	t.Setenv("GODL_DATA", empty)
	_, _, err = CIFAR10With(CIFAR10Options{NoDownload: true})
	if !IsMissing(err) || !strings.Contains(err.Error(), "cifar-10-binary.tar.gz") {
		t.Errorf("CIFAR10 without download: %v", err)
	}
	if IsMissing(fmt.Errorf("datasets: corrupt")) || IsMissing(nil) {
		t.Error("IsMissing of another error or of nil")
	}
}

func TestGTSRBNoDownload(t *testing.T) {
	t.Setenv(EnvGTSRBDir, "")
	t.Setenv("GODL_DATA", t.TempDir())
	_, _, err := GTSRBWith(GTSRBOptions{NoDownload: true})
	if !IsMissing(err) || !strings.Contains(err.Error(), "GTSRB_Final_Training_Images.zip") {
		t.Errorf("GTSRB without download: %v", err)
	}
}
