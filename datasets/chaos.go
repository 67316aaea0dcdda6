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

// apply maps Hounsfield units to [0,1] in place.
func (w Window) apply(hu []float32) {
	lo := w.Center - w.Width/2
	for i, v := range hu {
		hu[i] = float32(min(max((float64(v)-lo)/w.Width, 0), 1))
	}
}

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
}

// ReadDICOMSlice parses one single-frame greyscale DICOM file and returns its pixels rescaled
// with the file's RescaleSlope and RescaleIntercept (value = raw·slope + intercept, raw signed
// when PixelRepresentation is 1), rows×cols, row-major. For CT the values are Hounsfield units
// (HU); for MR they are in the scanner's arbitrary units. name is used in errors: a file the
// DICOM library cannot read, or without native (uncompressed) pixel data, gives a
// [*FormatError].
func ReadDICOMSlice(r io.Reader, size int64, name string) (hu []float32, rows, cols int, err error) {
	s, err := parseDICOM(r, size, name)
	if err != nil {
		return nil, 0, 0, err
	}
	return s.pix, s.rows, s.cols, nil
}

// parseDICOM is [ReadDICOMSlice] keeping the header fields used to order slices.
func parseDICOM(r io.Reader, size int64, name string) (s *dicomSlice, err error) {
	bad := func(msg string) error { return &FormatError{File: name, Offset: -1, Msg: msg} }
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, bad(fmt.Sprintf("unreadable DICOM: %v", p))
		}
	}()
	ds, err := dicom.Parse(r, size, nil)
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
	s = &dicomSlice{path: name, rows: nf.Rows(), cols: nf.Cols()}
	if nf.SamplesPerPixel() != 1 || s.rows <= 0 || s.cols <= 0 {
		return nil, bad(fmt.Sprintf("DICOM image %d×%d with %d samples per pixel, want greyscale", s.rows, s.cols, nf.SamplesPerPixel()))
	}
	if v := nums(tag.InstanceNumber); len(v) == 1 {
		s.instance, s.hasInstance = int(v[0]), true
	}
	if v := nums(tag.ImagePositionPatient); len(v) == 3 {
		s.pos = v
	}
	if v := nums(tag.ImageOrientationPatient); len(v) == 6 {
		s.orient = v
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

func readDICOMFile(path string) (*dicomSlice, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return parseDICOM(f, st.Size(), path)
}

// readDICOMFiles parses the files in parallel; on errors it returns the one of the first file.
func readDICOMFiles(paths []string) ([]*dicomSlice, error) {
	out := make([]*dicomSlice, len(paths))
	err := parallelFor(len(paths), func(i int) (err error) {
		out[i], err = readDICOMFile(paths[i])
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SliceOrder says how the DICOM files of one series are put in order before the n-th file is
// paired with the n-th mask of the Ground folder (masks are always taken in natural name order:
// liver_GT_002.png before liver_GT_010.png).
//
// The CHAOS organizers define the order of the slices by the file names, not by the position
// tags of the DICOM headers (their evaluation code says so), and sorting CT series by
// ImagePositionPatient has been reported to reorder some of them: names are the reference, the
// headers only a fallback for files that were renamed.
type SliceOrder int

const (
	// OrderAuto (the default) pairs each DICOM file with the mask of the same name when every file
	// has one (IMG-0002-00001.dcm ↔ IMG-0002-00001.png). Otherwise it orders the files by name
	// when the names are numbered (i0000,0000b.dcm, i0001,0000b.dcm, ...: the names differ only
	// by a number), else by InstanceNumber, else by position along the slice normal.
	OrderAuto SliceOrder = iota
	// OrderByName orders the files by name, numbers compared as numbers (i2 before i10).
	OrderByName
	// OrderByInstanceNumber orders the files by their DICOM InstanceNumber (0020,0013).
	OrderByInstanceNumber
	// OrderByPosition orders the files by their position along the slice normal:
	// ImagePositionPatient · (row direction × column direction), from ImageOrientationPatient.
	OrderByPosition
)

func (o SliceOrder) String() string {
	switch o {
	case OrderAuto:
		return "OrderAuto"
	case OrderByName:
		return "OrderByName"
	case OrderByInstanceNumber:
		return "OrderByInstanceNumber"
	case OrderByPosition:
		return "OrderByPosition"
	}
	return fmt.Sprintf("SliceOrder(%d)", int(o))
}

// pairedSeries is one DICOM series with its masks: slices[i] belongs with masks[i].
type pairedSeries struct {
	slices []*dicomSlice
	masks  []string
}

// loadSeries reads the DICOM files of dicomDir and pairs them with the PNG masks of groundDir.
func loadSeries(dicomDir, groundDir string, order SliceOrder) (*pairedSeries, error) {
	dcms, err := listFiles(dicomDir, ".dcm")
	if err != nil {
		return nil, err
	}
	if len(dcms) == 0 {
		return nil, fmt.Errorf("datasets: no .dcm file in %s", dicomDir)
	}
	masks, err := listFiles(groundDir, ".png")
	if err != nil {
		return nil, err
	}
	sl, err := readDICOMFiles(dcms)
	if err != nil {
		return nil, err
	}
	sl, masks, err = pairSlices(sl, masks, order, dicomDir, groundDir)
	if err != nil {
		return nil, err
	}
	return &pairedSeries{slices: sl, masks: masks}, nil
}

// pairSlices orders the slices of one series (given in natural name order) and pairs them with
// the masks (natural name order), as described by [SliceOrder].
func pairSlices(sl []*dicomSlice, masks []string, order SliceOrder, dicomDir, groundDir string) ([]*dicomSlice, []string, error) {
	if order == OrderAuto || order == OrderByName {
		if m, ok := matchStems(sl, masks); ok {
			return sl, m, nil
		}
	}
	how := order
	if how == OrderAuto {
		_, numbered := nameNumbers(baseNames(sl))
		switch {
		case numbered || len(sl) == 1:
			how = OrderByName
		case allHaveInstance(sl):
			how = OrderByInstanceNumber
		case allHavePosition(sl):
			how = OrderByPosition
		default:
			return nil, nil, fmt.Errorf("datasets: cannot order the DICOM files of %s: their names carry no slice number and the files have neither InstanceNumber (0020,0013) nor ImagePositionPatient/ImageOrientationPatient; rename them so that the names differ only by the slice number (as in CHAOS: i0000,0000b.dcm, i0001,0000b.dcm, ...)", dicomDir)
		}
	}
	sl = slices.Clone(sl)
	switch how {
	case OrderByName:
	case OrderByInstanceNumber:
		for _, s := range sl {
			if !s.hasInstance {
				return nil, nil, fmt.Errorf("datasets: %s has no InstanceNumber (0020,0013), needed by %v; use another SliceOrder", s.path, how)
			}
		}
		slices.SortStableFunc(sl, func(a, b *dicomSlice) int { return a.instance - b.instance })
		for i := 1; i < len(sl); i++ {
			if sl[i].instance == sl[i-1].instance {
				return nil, nil, fmt.Errorf("datasets: %s and %s have the same InstanceNumber %d: cannot order the slices by it; use another SliceOrder", sl[i-1].path, sl[i].path, sl[i].instance)
			}
		}
	case OrderByPosition:
		key := make(map[*dicomSlice]float64, len(sl))
		for _, s := range sl {
			if s.pos == nil || s.orient == nil {
				return nil, nil, fmt.Errorf("datasets: %s has no ImagePositionPatient/ImageOrientationPatient (0020,0032)/(0020,0037), needed by %v; use another SliceOrder", s.path, how)
			}
			key[s] = slicePosition(s)
		}
		slices.SortStableFunc(sl, func(a, b *dicomSlice) int {
			switch ka, kb := key[a], key[b]; {
			case ka < kb:
				return -1
			case ka > kb:
				return 1
			}
			return 0
		})
		for i := 1; i < len(sl); i++ {
			if key[sl[i]] == key[sl[i-1]] {
				return nil, nil, fmt.Errorf("datasets: %s and %s are at the same position %g mm along the slice normal: cannot order the slices by it; use another SliceOrder", sl[i-1].path, sl[i].path, key[sl[i]])
			}
		}
	default:
		return nil, nil, fmt.Errorf("datasets: unknown %v", how)
	}
	if len(sl) != len(masks) {
		return nil, nil, countMismatch(sl, masks, dicomDir, groundDir)
	}
	return sl, masks, nil
}

// slicePosition is the position of a slice along its normal n = r × c (r, c the row and column
// direction cosines): d = ImagePositionPatient · n.
func slicePosition(s *dicomSlice) float64 {
	r, c, p := s.orient[:3], s.orient[3:], s.pos
	n := [3]float64{r[1]*c[2] - r[2]*c[1], r[2]*c[0] - r[0]*c[2], r[0]*c[1] - r[1]*c[0]}
	return p[0]*n[0] + p[1]*n[1] + p[2]*n[2]
}

func allHaveInstance(sl []*dicomSlice) bool {
	for _, s := range sl {
		if !s.hasInstance {
			return false
		}
	}
	return true
}

func allHavePosition(sl []*dicomSlice) bool {
	for _, s := range sl {
		if s.pos == nil || s.orient == nil {
			return false
		}
	}
	return true
}

func baseNames(sl []*dicomSlice) []string {
	out := make([]string, len(sl))
	for i, s := range sl {
		out[i] = filepath.Base(s.path)
	}
	return out
}

func stem(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// matchStems returns the masks in the order of the slices when every slice has exactly one mask
// with the same name (extension aside) and there are no other masks.
func matchStems(sl []*dicomSlice, masks []string) ([]string, bool) {
	if len(sl) != len(masks) {
		return nil, false
	}
	byStem := make(map[string]string, len(masks))
	for _, m := range masks {
		byStem[stem(m)] = m
	}
	out := make([]string, len(sl))
	for i, s := range sl {
		m, ok := byStem[stem(s.path)]
		if !ok {
			return nil, false
		}
		out[i] = m
		delete(byStem, stem(s.path))
	}
	return out, true
}

// nameNumbers returns the slice number carried by each name when the names differ only by a
// number: the common prefix and suffix of all names (not ending / starting with a digit) are
// removed and what remains must be digits, a different number for each name.
// i0007,0000b.dcm → 7, liver_GT_007.png → 7, IMG-0004-00012.dcm → 12. It needs 2 names or more.
func nameNumbers(names []string) ([]int, bool) {
	if len(names) < 2 {
		return nil, false
	}
	pre, suf := names[0], names[0]
	for _, n := range names[1:] {
		pre = pre[:commonPrefix(pre, n)]
		suf = suf[len(suf)-commonSuffix(suf, n):]
	}
	for pre != "" && isDigit(pre[len(pre)-1]) {
		pre = pre[:len(pre)-1]
	}
	for suf != "" && isDigit(suf[0]) {
		suf = suf[1:]
	}
	nums := make([]int, len(names))
	seen := make(map[int]bool, len(names))
	for i, n := range names {
		if len(pre)+len(suf) > len(n) {
			return nil, false
		}
		mid := n[len(pre) : len(n)-len(suf)]
		if mid == "" || leadingDigits(mid) != len(mid) || len(mid) > 9 {
			return nil, false
		}
		v, _ := strconv.Atoi(mid)
		if seen[v] {
			return nil, false
		}
		seen[v] = true
		nums[i] = v
	}
	return nums, true
}

func commonPrefix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

func commonSuffix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// countMismatch explains a series with more slices than masks or the reverse; when both sides
// are numbered it names the numbers present on one side only.
func countMismatch(sl []*dicomSlice, masks []string, dicomDir, groundDir string) error {
	msg := fmt.Sprintf("datasets: %d DICOM slices in %s but %d masks in %s: each slice needs its mask", len(sl), dicomDir, len(masks), groundDir)
	dn, ok1 := nameNumbers(baseNames(sl))
	mnames := make([]string, len(masks))
	for i, m := range masks {
		mnames[i] = filepath.Base(m)
	}
	mn, ok2 := nameNumbers(mnames)
	if !ok1 || !ok2 {
		return fmt.Errorf("%s", msg)
	}
	inMasks := map[int]bool{}
	for _, v := range mn {
		inMasks[v] = true
	}
	inSlices := map[int]bool{}
	var noMask, noSlice []string
	for i, v := range dn {
		inSlices[v] = true
		if !inMasks[v] && len(noMask) < 5 {
			noMask = append(noMask, baseNames(sl)[i])
		}
	}
	for i, v := range mn {
		if !inSlices[v] && len(noSlice) < 5 {
			noSlice = append(noSlice, mnames[i])
		}
	}
	if len(noMask) > 0 {
		msg += "; no mask numbered like " + strings.Join(noMask, ", ")
	}
	if len(noSlice) > 0 {
		msg += "; no slice numbered like " + strings.Join(noSlice, ", ")
	}
	return fmt.Errorf("%s", msg)
}

// CHAOSOptions configures [CHAOSWith]. The zero value is the default.
type CHAOSOptions struct {
	// Dir is the folder where CHAOS_Train_Sets.zip was extracted: it holds
	// Train_Sets/CT/<patient>/{DICOM_anon,Ground} (or CHAOS_Train_Sets/Train_Sets/CT/..., or
	// CT/... directly); default $GODL_CHAOS_DIR, else <CacheDir>/chaos.
	Dir        string
	Size       int        // side of the resized slices; default 128 (the originals are 512×512)
	Window     Window     // intensity window; default LiverWindow
	SliceOrder SliceOrder // how DICOM files are paired with masks; default OrderAuto
	Patients   []int      // only these patients (folder numbers), e.g. for smoke runs; nil: all
}

// EnvCHAOSDir names the environment variable pointing at the CHAOS folder (where
// CHAOS_Train_Sets.zip was extracted).
const EnvCHAOSDir = "GODL_CHAOS_DIR"

// CHAOSCTClasses are the classes of the CT masks of [CHAOS]: the mask holds 1 on the liver.
var CHAOSCTClasses = []string{"background", "liver"}

// CHAOS loads the CT part of the CHAOS training set (liver segmentation, 20 patients, about 90
// slices each): one example per slice, X the windowed CT slice (Size×Size×1 in [0,1], see [Window]
// and [LiverWindow]) and Targets the liver mask (Size×Size×1, 1 = liver, 0 = background);
// Groups is the patient number: split with [Dataset.SplitByGroup] so that no patient is on both
// sides. The images are resized with bilinear interpolation, the masks with the nearest pixel.
// For the MR part (liver, kidneys and spleen) see [CHAOSMR].
//
//	ct, err := datasets.CHAOS()
//	train, val := ct.SplitByGroup(0.8, 1)
//
// Expected layout (CHAOS_Train_Sets.zip from https://chaos.grand-challenge.org or
// https://zenodo.org/record/3431873, extracted into <CacheDir>/chaos):
//
//	Train_Sets/CT/<patient>/DICOM_anon/i0000,0000b.dcm, i0001,0000b.dcm, ...
//	Train_Sets/CT/<patient>/Ground/liver_GT_000.png, liver_GT_001.png, ...
//
// The n-th mask in name order belongs to the n-th slice in name order, also where the numbers
// differ (series named IMG-0001-00001.dcm, ... numbered from 1, masks from liver_GT_000.png);
// see [SliceOrder] for the fallbacks when the files were renamed. The mask pixels align with the DICOM pixels (row 0 of
// the PNG is row 0 of the slice). A slice and a mask of different sizes, an unreadable file, or
// a series with more slices than masks give an error naming the files.
func CHAOS() (*Dataset, error) { return CHAOSWith(CHAOSOptions{}) }

// CHAOSWith is [CHAOS] with options.
func CHAOSWith(opt CHAOSOptions) (*Dataset, error) {
	if opt.Size <= 0 {
		opt.Size = 128
	}
	if opt.Window.Width <= 0 {
		opt.Window = LiverWindow
	}
	ct, err := chaosModalityDir(opt.Dir, "CT", []string{filepath.Join("<patient>", "DICOM_anon", "i0000,0000b.dcm"), filepath.Join("<patient>", "Ground", "liver_GT_000.png")})
	if err != nil {
		return nil, err
	}
	patients, err := chaosPatients(ct, opt.Patients)
	if err != nil {
		return nil, err
	}
	s := opt.Size
	d := &Dataset{Name: "chaos-ct", Shape: []int{s, s, 1}, TargetShape: []int{s, s, 1}, X: []float32{}, Targets: []float32{},
		Classes: slices.Clone(CHAOSCTClasses)}
	for _, p := range patients {
		ser, err := loadSeries(filepath.Join(p.dir, "DICOM_anon"), filepath.Join(p.dir, "Ground"), opt.SliceOrder)
		if err != nil {
			return nil, err
		}
		for i, sl := range ser.slices {
			m, err := readMask(ser.masks[i], sl)
			if err != nil {
				return nil, err
			}
			for k, v := range m.pix {
				m.pix[k] = 0
				if v > 0.5 {
					m.pix[k] = 1
				}
			}
			opt.Window.apply(sl.pix)
			x := picture{h: sl.rows, w: sl.cols, c: 1, pix: sl.pix}
			d.X = append(d.X, x.resizeBilinear(s, s).pix...)
			d.Targets = append(d.Targets, m.resizeNearest(s, s).pix...)
			d.Groups = append(d.Groups, p.id)
			sl.pix = nil // the full-size slice is no longer needed
		}
	}
	return d, nil
}

// readMask reads the PNG mask of a slice (grey levels in [0,1]) and checks its size.
func readMask(path string, sl *dicomSlice) (picture, error) {
	m, err := readPNG(path, 1)
	if err != nil {
		return picture{}, err
	}
	if m.h != sl.rows || m.w != sl.cols {
		return picture{}, fmt.Errorf("datasets: %s is %d×%d (width×height) but its mask %s is %d×%d", sl.path, sl.cols, sl.rows, path, m.w, m.h)
	}
	return m, nil
}

// chaosModalityDir finds the folder of one modality ("CT" or "MR") of the CHAOS training set.
func chaosModalityDir(dir, modality string, example []string) (string, error) {
	if dir == "" {
		dir = os.Getenv(EnvCHAOSDir)
	}
	if dir == "" {
		dir = filepath.Join(CacheDir(), "chaos")
	}
	for _, c := range []string{
		filepath.Join(dir, "Train_Sets", modality),
		filepath.Join(dir, "CHAOS_Train_Sets", "Train_Sets", modality),
		filepath.Join(dir, modality),
	} {
		if dirExists(c) {
			return c, nil
		}
	}
	want := filepath.Join(dir, "Train_Sets", modality)
	files := make([]string, len(example))
	for i, e := range example {
		files[i] = filepath.Join(want, e)
	}
	return "", &MissingDataError{Dataset: "CHAOS " + modality, Files: files,
		URL:  "https://chaos.grand-challenge.org (CHAOS_Train_Sets.zip, also on https://zenodo.org/record/3431873)",
		Hint: "extract CHAOS_Train_Sets.zip into " + dir + " (or point $" + EnvCHAOSDir + " or the options' Dir at the folder holding Train_Sets)"}
}

type chaosPatient struct {
	id  int
	dir string
}

// chaosPatients lists the patient folders (numbers) of a modality folder in numeric order,
// keeping only the wanted ones when want is not nil.
func chaosPatients(modDir string, want []int) ([]chaosPatient, error) {
	entries, err := os.ReadDir(modDir)
	if err != nil {
		return nil, fmt.Errorf("datasets: %v", err)
	}
	var out []chaosPatient
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		id, err := strconv.Atoi(e.Name())
		if err != nil {
			continue // not a patient folder
		}
		if want == nil || slices.Contains(want, id) {
			out = append(out, chaosPatient{id: id, dir: filepath.Join(modDir, e.Name())})
		}
	}
	slices.SortFunc(out, func(a, b chaosPatient) int { return a.id - b.id })
	if want != nil && len(out) != len(want) {
		var have []string
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err == nil && e.IsDir() {
				have = append(have, e.Name())
			}
		}
		slices.SortFunc(have, naturalCompare)
		return nil, fmt.Errorf("datasets: patients %v asked for, but %s holds the patient folders [%s]", want, modDir, strings.Join(have, " "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("datasets: no patient folder (named by its number: 1, 2, ...) in %s", modDir)
	}
	return out, nil
}

// listFiles lists the files of dir with the extension ext (any case), in natural order (numbers
// compared as numbers: slice2 before slice10).
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
