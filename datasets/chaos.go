package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
//	ct := nb.Must(datasets.CHAOS())
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
	patients, err := chaosCTPatients(opt)
	if err != nil {
		return nil, err
	}
	s := opt.Size
	d := &Dataset{Name: "chaos-ct", Shape: []int{s, s, 1}, TargetShape: []int{s, s, 1}, X: []float32{}, Targets: []float32{},
		Classes: slices.Clone(CHAOSCTClasses)}
	for _, p := range patients {
		noteDataset("chaos-ct", p.dir)
		ser, err := loadSeries(filepath.Join(p.dir, "DICOM_anon"), filepath.Join(p.dir, "Ground"), opt.SliceOrder, true)
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

// readMask reads the PNG mask of a slice (grey levels in [0,1]) and checks its size, from its
// header before decoding it.
func readMask(path string, sl *dicomSlice) (picture, error) {
	w, h, err := pngSize(path)
	if err != nil {
		return picture{}, err
	}
	if h != sl.rows || w != sl.cols {
		return picture{}, fmt.Errorf("datasets: %s is %d×%d (width×height) but its mask %s is %d×%d", sl.path, sl.cols, sl.rows, path, w, h)
	}
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
		var err error
		if dir, err = defaultDir(EnvCHAOSDir, "chaos"); err != nil {
			return "", err
		}
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
// chaosCTPatients returns the CT patients of CHAOS that opt selects (opt.Dir, opt.Patients).
func chaosCTPatients(opt CHAOSOptions) ([]chaosPatient, error) {
	ct, err := chaosModalityDir(opt.Dir, "CT", []string{filepath.Join("<patient>", "DICOM_anon", "i0000,0000b.dcm"), filepath.Join("<patient>", "Ground", "liver_GT_000.png")})
	if err != nil {
		return nil, err
	}
	return chaosPatients(ct, opt.Patients)
}

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
