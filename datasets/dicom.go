package datasets

// Reading CT slices from DICOM files (github.com/suyashkumar/dicom): Hounsfield units, size,
// position and instance number.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// dicomSlice is one parsed DICOM file: its pixel values and the header fields that can order
// the slices of a series.
type dicomSlice struct {
	path        string
	pix         []float32 // rows×cols, row-major: raw·RescaleSlope + RescaleIntercept
	rows, cols  int
	instance    int // InstanceNumber (0020,0013), valid when hasInstance
	hasInstance bool
	pos         []float64 // ImagePositionPatient (0020,0032), 3 values in mm; nil when absent
	orient      []float64 // ImageOrientationPatient (0020,0037), 6 direction cosines; nil when absent
	// The fields that give the voxel spacing (nil or 0 when absent): see [CHAOSSpacing].
	pixelSpacing []float64 // PixelSpacing (0028,0030): row spacing, column spacing (mm)
	between      float64   // SpacingBetweenSlices (0018,0088)
	thickness    float64   // SliceThickness (0018,0050)
}

// ReadDICOMSlice parses one single-frame greyscale DICOM file and returns its pixels rescaled
// with the file's RescaleSlope and RescaleIntercept (value = raw·slope + intercept, raw signed
// when PixelRepresentation is 1), rows×cols, row-major. For CT the values are Hounsfield units
// (HU); for MR they are in the scanner's arbitrary units. name is used in errors: a file the
// DICOM library cannot read, or without native (uncompressed) pixel data, gives a
// [*FormatError].
//
// size is the length of the file (at most 64 MiB). The whole file is read and its structure
// checked before the DICOM library sees it: a header announcing more data than the file holds
// (a corrupt element length, rows × columns × frames larger than the file) is refused with an
// error saying so, instead of letting the library try to allocate it.
func ReadDICOMSlice(r io.Reader, size int64, name string) (hu []float32, rows, cols int, err error) {
	s, err := parseDICOM(r, size, name)
	if err != nil {
		return nil, 0, 0, err
	}
	return s.pix, s.rows, s.cols, nil
}

// parseDICOM is [ReadDICOMSlice] keeping the header fields used to order slices.
func parseDICOM(r io.Reader, size int64, name string) (*dicomSlice, error) {
	return decodeDICOM(r, size, name, true)
}

// decodeDICOM parses a DICOM file's header fields and, when pixels is true, its pixel values;
// without pixels the pixel data is skipped (the size comes from Rows and Columns).
func decodeDICOM(r io.Reader, size int64, name string, pixels bool) (s *dicomSlice, err error) {
	bad := func(msg string) error { return &FormatError{File: name, Offset: -1, Msg: msg} }
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, bad(fmt.Sprintf("unreadable DICOM: %v", p))
		}
	}()
	if size > maxDICOMBytes {
		return nil, bad(fmt.Sprintf("DICOM file of %d bytes (%s), more than the %s a single slice can have: %s", size, humanBytes(float64(size)), humanBytes(maxDICOMBytes), dicomRemedy))
	}
	if size <= 0 {
		size = maxDICOMBytes + 1
	}
	data, err := io.ReadAll(io.LimitReader(r, size))
	if err != nil {
		return nil, fmt.Errorf("datasets: reading %s: %w", name, err)
	}
	// The library allocates what the header announces: check it against the data first.
	if err := checkDICOM(data, name); err != nil {
		return nil, err
	}
	var opts []dicom.ParseOption
	if !pixels {
		opts = append(opts, dicom.SkipPixelData())
	}
	ds, err := dicom.Parse(bytes.NewReader(data), int64(len(data)), nil, opts...)
	if err != nil {
		return nil, bad("unreadable DICOM: " + err.Error())
	}
	// nums returns the numeric values of a tag (DICOM stores IS/DS numbers as text).
	nums := func(t tag.Tag) []float64 {
		e, err := ds.FindElementByTag(t)
		if err != nil || e.Value == nil {
			return nil
		}
		var out []float64
		switch v := e.Value.GetValue().(type) {
		case []string:
			for _, s := range v {
				f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
				if err != nil {
					return nil
				}
				out = append(out, f)
			}
		case []int:
			for _, x := range v {
				out = append(out, float64(x))
			}
		case []float64:
			out = v
		}
		return out
	}
	num := func(t tag.Tag, def float64) float64 {
		if v := nums(t); len(v) > 0 {
			return v[0]
		}
		return def
	}
	s = &dicomSlice{path: name}
	if v := nums(tag.InstanceNumber); len(v) == 1 {
		s.instance, s.hasInstance = int(v[0]), true
	}
	if v := nums(tag.ImagePositionPatient); len(v) == 3 {
		s.pos = v
	}
	if v := nums(tag.ImageOrientationPatient); len(v) == 6 {
		s.orient = v
	}
	if v := nums(tag.PixelSpacing); len(v) == 2 {
		s.pixelSpacing = v
	}
	s.between, s.thickness = num(tag.SpacingBetweenSlices, 0), num(tag.SliceThickness, 0)
	if !pixels {
		s.rows, s.cols = int(num(tag.Rows, 0)), int(num(tag.Columns, 0))
		if s.rows <= 0 || s.cols <= 0 {
			return nil, bad("DICOM without Rows (0028,0010) and Columns (0028,0011)")
		}
		return s, nil
	}
	pe, err := ds.FindElementByTag(tag.PixelData)
	if err != nil {
		return nil, bad("DICOM without pixel data (tag 7FE0,0010)")
	}
	info, ok := pe.Value.GetValue().(dicom.PixelDataInfo)
	if !ok || len(info.Frames) == 0 || info.Frames[0] == nil {
		return nil, bad("DICOM pixel data could not be decoded")
	}
	nf, err := info.Frames[0].GetNativeFrame()
	if err != nil {
		return nil, bad("DICOM pixel data is compressed (encapsulated), only native pixel data is supported: " + err.Error())
	}
	s.rows, s.cols = nf.Rows(), nf.Cols()
	if nf.SamplesPerPixel() != 1 || s.rows <= 0 || s.cols <= 0 {
		return nil, bad(fmt.Sprintf("DICOM image %d×%d with %d samples per pixel, want greyscale", s.rows, s.cols, nf.SamplesPerPixel()))
	}
	slope, intercept := num(tag.RescaleSlope, 1), num(tag.RescaleIntercept, 0)
	signed := num(tag.PixelRepresentation, 0) == 1
	n := s.rows * s.cols
	s.pix = make([]float32, n)
	short := func(have int) error {
		return bad(fmt.Sprintf("DICOM pixel data has %d values for %d×%d", have, s.rows, s.cols))
	}
	switch raw := nf.RawDataSlice().(type) {
	case []uint16:
		if len(raw) < n {
			return nil, short(len(raw))
		}
		for i := range n {
			v := float64(raw[i])
			if signed {
				v = float64(int16(raw[i]))
			}
			s.pix[i] = float32(v*slope + intercept)
		}
	case []uint8:
		if len(raw) < n {
			return nil, short(len(raw))
		}
		for i := range n {
			v := float64(raw[i])
			if signed {
				v = float64(int8(raw[i]))
			}
			s.pix[i] = float32(v*slope + intercept)
		}
	default:
		return nil, bad(fmt.Sprintf("DICOM with %d bits per sample not supported (8 or 16)", nf.BitsPerSample()))
	}
	return s, nil
}

func readDICOMFile(path string) (*dicomSlice, error) { return openDICOM(path, true) }

// openDICOM reads one DICOM file, with its pixels or only its header (see decodeDICOM).
func openDICOM(path string, pixels bool) (*dicomSlice, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return decodeDICOM(f, st.Size(), path, pixels)
}

// readDICOMFiles parses the files in parallel (without their pixels when pixels is false); on
// errors it returns the one of the first file.
func readDICOMFiles(paths []string, pixels bool) ([]*dicomSlice, error) {
	out := make([]*dicomSlice, len(paths))
	err := parallelFor(len(paths), func(i int) (err error) {
		out[i], err = openDICOM(paths[i], pixels)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
