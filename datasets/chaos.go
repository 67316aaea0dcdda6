package datasets

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// Window is an intensity window for CT: Hounsfield units in [Center − Width/2, Center + Width/2]
// map linearly to [0, 1], values outside are clipped:
//
//	x = clip((HU − (Center − Width/2)) / Width, 0, 1)
type Window struct{ Center, Width float64 }

// LiverWindow is the abdominal soft-tissue window used for the liver: [−150, 250] HU.
var LiverWindow = Window{Center: 50, Width: 400}

// ReadDICOMSlice parses one single-frame greyscale DICOM file and returns its pixels in
// Hounsfield units (HU = raw·RescaleSlope + RescaleIntercept, signed when PixelRepresentation
// is 1), rows×cols, row-major. name is used in errors: a file the DICOM library cannot read, or
// without native pixel data, gives a [*FormatError].
func ReadDICOMSlice(r io.Reader, size int64, name string) (hu []float32, rows, cols int, err error) {
	defer func() {
		if p := recover(); p != nil {
			hu, rows, cols, err = nil, 0, 0, &FormatError{File: name, Offset: -1, Msg: fmt.Sprintf("unreadable DICOM: %v", p)}
		}
	}()
	ds, err := dicom.Parse(r, size, nil)
	if err != nil {
		return nil, 0, 0, &FormatError{File: name, Offset: -1, Msg: "unreadable DICOM: " + err.Error()}
	}
	num := func(t tag.Tag, def float64) float64 {
		e, err := ds.FindElementByTag(t)
		if err != nil {
			return def
		}
		switch v := e.Value.GetValue().(type) {
		case []string:
			if len(v) > 0 {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v[0]), 64); err == nil {
					return f
				}
			}
		case []int:
			if len(v) > 0 {
				return float64(v[0])
			}
		case []float64:
			if len(v) > 0 {
				return v[0]
			}
		}
		return def
	}
	pe, err := ds.FindElementByTag(tag.PixelData)
	if err != nil {
		return nil, 0, 0, &FormatError{File: name, Offset: -1, Msg: "DICOM without pixel data"}
	}
	info, ok := pe.Value.GetValue().(dicom.PixelDataInfo)
	if !ok || len(info.Frames) == 0 || info.Frames[0] == nil {
		return nil, 0, 0, &FormatError{File: name, Offset: -1, Msg: "DICOM pixel data could not be decoded"}
	}
	nf, err := info.Frames[0].GetNativeFrame()
	if err != nil {
		return nil, 0, 0, &FormatError{File: name, Offset: -1, Msg: "DICOM pixel data is compressed (encapsulated), only native pixel data is supported: " + err.Error()}
	}
	rows, cols = nf.Rows(), nf.Cols()
	if nf.SamplesPerPixel() != 1 || rows <= 0 || cols <= 0 {
		return nil, 0, 0, &FormatError{File: name, Offset: -1, Msg: fmt.Sprintf("DICOM image %d×%d with %d samples per pixel, want greyscale", rows, cols, nf.SamplesPerPixel())}
	}
	slope, intercept := num(tag.RescaleSlope, 1), num(tag.RescaleIntercept, 0)
	signed := num(tag.PixelRepresentation, 0) == 1
	n := rows * cols
	hu = make([]float32, n)
	switch raw := nf.RawDataSlice().(type) {
	case []uint16:
		if len(raw) < n {
			return nil, 0, 0, &FormatError{File: name, Offset: -1, Msg: fmt.Sprintf("DICOM pixel data has %d values for %d×%d", len(raw), rows, cols)}
		}
		for i := range n {
			v := float64(raw[i])
			if signed {
				v = float64(int16(raw[i]))
			}
			hu[i] = float32(v*slope + intercept)
		}
	case []uint8:
		if len(raw) < n {
			return nil, 0, 0, &FormatError{File: name, Offset: -1, Msg: fmt.Sprintf("DICOM pixel data has %d values for %d×%d", len(raw), rows, cols)}
		}
		for i := range n {
			v := float64(raw[i])
			if signed {
				v = float64(int8(raw[i]))
			}
			hu[i] = float32(v*slope + intercept)
		}
	default:
		return nil, 0, 0, &FormatError{File: name, Offset: -1, Msg: fmt.Sprintf("DICOM with %d bits per sample not supported", nf.BitsPerSample())}
	}
	return hu, rows, cols, nil
}

// apply maps Hounsfield units to [0,1] in place.
func (w Window) apply(hu []float32) {
	lo := w.Center - w.Width/2
	for i, v := range hu {
		hu[i] = float32(min(max((float64(v)-lo)/w.Width, 0), 1))
	}
}

// CHAOSOptions configures [CHAOSWith]. The zero value is the default.
type CHAOSOptions struct {
	// Dir is the folder holding Train_Sets/CT/<patient>/{DICOM_anon,Ground}; default
	// $GODL_CHAOS_DIR, else <CacheDir>/chaos.
	Dir    string
	Size   int    // side of the resized slices; default 128 (the originals are 512×512)
	Window Window // intensity window; default LiverWindow
}

// EnvCHAOSDir names the environment variable pointing at the CHAOS folder.
const EnvCHAOSDir = "GODL_CHAOS_DIR"

// CHAOS loads the CT part of the CHAOS training set (liver segmentation): one example per
// slice, X the windowed CT slice (Size×Size×1 in [0,1], [LiverWindow]) and Targets the liver
// mask (Size×Size×1, 1 = liver); Groups is the patient number (split with
// [Dataset.SplitByGroup] so that no patient is on both sides).
//
// Expected layout (the archive CHAOS_Train_Sets.zip extracted into <CacheDir>/chaos):
// Train_Sets/CT/<patient>/DICOM_anon/*.dcm and Train_Sets/CT/<patient>/Ground/*.png, the n-th
// mask (file names in natural order) belonging to the n-th DICOM slice.
func CHAOS() (*Dataset, error) { return CHAOSWith(CHAOSOptions{}) }

// CHAOSWith is [CHAOS] with options.
func CHAOSWith(opt CHAOSOptions) (*Dataset, error) {
	if opt.Size <= 0 {
		opt.Size = 128
	}
	if opt.Window.Width <= 0 {
		opt.Window = LiverWindow
	}
	dir := opt.Dir
	if dir == "" {
		dir = os.Getenv(EnvCHAOSDir)
	}
	if dir == "" {
		dir = filepath.Join(CacheDir(), "chaos")
	}
	ct := filepath.Join(dir, "Train_Sets", "CT")
	patients, err := os.ReadDir(ct)
	if err != nil {
		return nil, &MissingDataError{Dataset: "CHAOS", Files: []string{filepath.Join(ct, "<patient>", "DICOM_anon", "*.dcm"), filepath.Join(ct, "<patient>", "Ground", "*.png")},
			URL: "https://chaos.grand-challenge.org (CHAOS_Train_Sets.zip, also on zenodo.org/record/3431873)", Hint: "extract CHAOS_Train_Sets.zip into " + dir + " or set $" + EnvCHAOSDir}
	}
	s := opt.Size
	d := &Dataset{Name: "chaos-ct", Shape: []int{s, s, 1}, TargetShape: []int{s, s, 1}, X: []float32{}, Targets: []float32{}}
	for _, p := range patients {
		if !p.IsDir() {
			continue
		}
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			pid = len(d.Groups) + 1_000_000
		}
		pdir := filepath.Join(ct, p.Name())
		dcms, err := listFiles(filepath.Join(pdir, "DICOM_anon"), ".dcm")
		if err != nil {
			return nil, err
		}
		masks, err := listFiles(filepath.Join(pdir, "Ground"), ".png")
		if err != nil {
			return nil, err
		}
		if len(dcms) != len(masks) {
			return nil, fmt.Errorf("datasets: CHAOS patient %s: %d DICOM slices in DICOM_anon but %d masks in Ground", pdir, len(dcms), len(masks))
		}
		for i := range dcms {
			x, err := readDICOMFile(dcms[i])
			if err != nil {
				return nil, err
			}
			m, err := readPNG(masks[i], 1)
			if err != nil {
				return nil, err
			}
			if m.h != x.h || m.w != x.w {
				return nil, fmt.Errorf("datasets: %s is %d×%d but its mask %s is %d×%d", dcms[i], x.w, x.h, masks[i], m.w, m.h)
			}
			opt.Window.apply(x.pix)
			for k, v := range m.pix {
				m.pix[k] = 0
				if v > 0.5 {
					m.pix[k] = 1
				}
			}
			d.X = append(d.X, x.resizeBilinear(s, s).pix...)
			d.Targets = append(d.Targets, m.resizeNearest(s, s).pix...)
			d.Groups = append(d.Groups, pid)
		}
	}
	if d.Len() == 0 {
		return nil, &MissingDataError{Dataset: "CHAOS", Files: []string{filepath.Join(ct, "<patient>", "DICOM_anon", "*.dcm")}, Hint: "no CT slices found"}
	}
	return d, nil
}

func readDICOMFile(path string) (picture, error) {
	f, err := os.Open(path)
	if err != nil {
		return picture{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return picture{}, err
	}
	hu, rows, cols, err := ReadDICOMSlice(f, st.Size(), path)
	if err != nil {
		return picture{}, err
	}
	return picture{h: rows, w: cols, c: 1, pix: hu}, nil
}

// listFiles lists the files of dir with the extension ext, in natural order (numbers compared
// as numbers: slice2 before slice10).
func listFiles(dir, ext string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("datasets: %v", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ext) {
			out = append(out, e.Name())
		}
	}
	slices.SortFunc(out, naturalCompare)
	for i, n := range out {
		out[i] = filepath.Join(dir, n)
	}
	return out, nil
}

// naturalCompare compares strings with runs of digits compared by value.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := leadingDigits(a), leadingDigits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := len(na) - len(nb); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func leadingDigits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
