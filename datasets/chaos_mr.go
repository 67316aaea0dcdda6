package datasets

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
)

// MRSequence names one MR series of a CHAOS patient.
type MRSequence string

// The MR series of each CHAOS patient. T1-DUAL is acquired twice at once, in phase and out of
// phase (fat and water signals added or subtracted); both images are registered and share the
// masks of T1DUAL/Ground. T2-SPIR is a T2-weighted series with fat suppression, with its own
// masks.
const (
	MRT1InPhase  MRSequence = "T1DUAL/InPhase"  // <patient>/T1DUAL/DICOM_anon/InPhase, masks in T1DUAL/Ground
	MRT1OutPhase MRSequence = "T1DUAL/OutPhase" // <patient>/T1DUAL/DICOM_anon/OutPhase, masks in T1DUAL/Ground
	MRT2SPIR     MRSequence = "T2SPIR"          // <patient>/T2SPIR/DICOM_anon, masks in T2SPIR/Ground
)

// dirs returns the DICOM folder and the mask folder of the sequence inside a patient folder.
func (s MRSequence) dirs(patient string) (dicomDir, groundDir string, err error) {
	switch s {
	case MRT1InPhase:
		return filepath.Join(patient, "T1DUAL", "DICOM_anon", "InPhase"), filepath.Join(patient, "T1DUAL", "Ground"), nil
	case MRT1OutPhase:
		return filepath.Join(patient, "T1DUAL", "DICOM_anon", "OutPhase"), filepath.Join(patient, "T1DUAL", "Ground"), nil
	case MRT2SPIR:
		return filepath.Join(patient, "T2SPIR", "DICOM_anon"), filepath.Join(patient, "T2SPIR", "Ground"), nil
	}
	return "", "", fmt.Errorf("datasets: unknown MR sequence %q: use MRT1InPhase, MRT1OutPhase or MRT2SPIR", string(s))
}

// Organ selects what the masks of [CHAOSMRWith] hold.
type Organ int

const (
	AllOrgans   Organ = iota // class ids 0..4, see [CHAOSMRClasses]
	Liver                    // binary mask: 1 on the liver
	RightKidney              // binary mask: 1 on the right kidney
	LeftKidney               // binary mask: 1 on the left kidney
	Spleen                   // binary mask: 1 on the spleen
)

// CHAOSMRClasses are the classes of the MR masks of [CHAOSMR]: the mask value of a pixel is its
// index in this list.
var CHAOSMRClasses = []string{"background", "liver", "right kidney", "left kidney", "spleen"}

// chaosMRClass maps a grey level (0..255) of a CHAOS MR mask to its class id. The readme of the
// data set gives each organ a grey level and a range around it ("Liver: 63 (55<<<70)", ...):
//
//	liver 63 (55–70), right kidney 126 (110–135), left kidney 189 (175–200), spleen 252 (240–255)
//
// It does not say whether the bounds belong to the ranges; they are taken inclusive here (the
// masks use the central levels, the ranges only absorb small deviations). Every other level is
// background (0).
func chaosMRClass(g int) int {
	switch {
	case g >= 55 && g <= 70:
		return 1
	case g >= 110 && g <= 135:
		return 2
	case g >= 175 && g <= 200:
		return 3
	case g >= 240 && g <= 255:
		return 4
	}
	return 0
}

// CHAOSMROptions configures [CHAOSMRWith]. The zero value is the default.
type CHAOSMROptions struct {
	// Dir is the folder where CHAOS_Train_Sets.zip was extracted: it holds
	// Train_Sets/MR/<patient>/... (or CHAOS_Train_Sets/Train_Sets/MR/..., or MR/... directly);
	// default $GODL_CHAOS_DIR, else <CacheDir>/chaos.
	Dir string
	// Size is the side of the resized slices; default 128 (the originals are mostly 256×256).
	Size int
	// Sequences are the series loaded for each patient, in this order; default all three:
	// MRT1InPhase, MRT1OutPhase, MRT2SPIR.
	Sequences []MRSequence
	// Organ selects the masks: AllOrgans (default) gives class ids 0..4, another value a binary
	// mask of that organ.
	Organ Organ
	// Percentiles are the percentiles (in %) mapped to 0 and 1 by the intensity scaling of each
	// series; default {1, 99}. {0, 100} is min-max scaling.
	Percentiles [2]float64
	// SliceOrder says how DICOM files are paired with masks; default OrderAuto.
	SliceOrder SliceOrder
	// Patients keeps only these patients (folder numbers), e.g. for smoke runs; nil: all.
	Patients []int
}

// CHAOSMR loads the MR part of the CHAOS training set (20 patients, segmentation of the liver,
// the kidneys and the spleen): one example per slice of each series (T1-DUAL in phase, T1-DUAL
// out of phase, T2-SPIR; see [MRSequence]), X the slice (Size×Size×1 in [0,1]) and Targets its
// mask (Size×Size×1) of class ids 0..4 ([CHAOSMRClasses]: background, liver, right kidney, left
// kidney, spleen); Groups is the patient number: split with [Dataset.SplitByGroup] so that no
// patient is on both sides (the in-phase and out-of-phase images of one patient are the same
// anatomy with the same masks).
//
//	mr := nb.Must(datasets.CHAOSMR())
//	train, val := mr.SplitByGroup(0.8, 1)
//
// MR intensities have no physical unit (unlike the Hounsfield units of CT) and their range
// varies between scanners, series and patients, so each series (one volume) is scaled on its
// own by its percentiles:
//
//	x = clip((v − P_lo) / (P_hi − P_lo), 0, 1)
//
// with P_lo and P_hi the 1st and 99th percentiles of all the values of the volume (see
// [CHAOSMROptions.Percentiles]), computed before resizing. The few brightest voxels (fat,
// vessels) then do not squeeze the organs into a narrow range.
//
// The masks are PNG files where each organ is a grey level (the CHAOS description): liver 63
// (55–70), right kidney 126 (110–135), left kidney 189 (175–200), spleen 252 (240–255); other
// levels are background. Images are resized with bilinear interpolation, masks with the nearest
// pixel so that they keep valid class ids.
//
// Expected layout (CHAOS_Train_Sets.zip extracted into <CacheDir>/chaos, see [CHAOS]):
//
//	Train_Sets/MR/<patient>/T1DUAL/DICOM_anon/InPhase/*.dcm
//	Train_Sets/MR/<patient>/T1DUAL/DICOM_anon/OutPhase/*.dcm
//	Train_Sets/MR/<patient>/T1DUAL/Ground/*.png      (one mask per slice position, both phases)
//	Train_Sets/MR/<patient>/T2SPIR/DICOM_anon/*.dcm
//	Train_Sets/MR/<patient>/T2SPIR/Ground/*.png
//
// Slices and masks are paired as described by [SliceOrder]. Unreadable files, a slice and a
// mask of different sizes, or a series with more slices than masks give an error naming the
// files.
func CHAOSMR() (*Dataset, error) { return CHAOSMRWith(CHAOSMROptions{}) }

// CHAOSMRWith is [CHAOSMR] with options.
func CHAOSMRWith(opt CHAOSMROptions) (*Dataset, error) {
	if opt.Size <= 0 {
		opt.Size = 128
	}
	if opt.Sequences == nil {
		opt.Sequences = []MRSequence{MRT1InPhase, MRT1OutPhase, MRT2SPIR}
	}
	if opt.Percentiles == [2]float64{} {
		opt.Percentiles = [2]float64{1, 99}
	}
	if lo, hi := opt.Percentiles[0], opt.Percentiles[1]; !(lo >= 0 && lo < hi && hi <= 100) {
		return nil, fmt.Errorf("datasets: CHAOSMR: Percentiles %v, want 0 ≤ low < high ≤ 100, e.g. {1, 99}", opt.Percentiles)
	}
	if opt.Organ < AllOrgans || opt.Organ > Spleen {
		return nil, fmt.Errorf("datasets: CHAOSMR: Organ %d, want AllOrgans, Liver, RightKidney, LeftKidney or Spleen", opt.Organ)
	}
	for _, s := range opt.Sequences {
		if _, _, err := s.dirs(""); err != nil {
			return nil, err
		}
	}
	mr, err := chaosModalityDir(opt.Dir, "MR", []string{
		filepath.Join("<patient>", "T1DUAL", "DICOM_anon", "InPhase", "*.dcm"),
		filepath.Join("<patient>", "T1DUAL", "DICOM_anon", "OutPhase", "*.dcm"),
		filepath.Join("<patient>", "T1DUAL", "Ground", "*.png"),
		filepath.Join("<patient>", "T2SPIR", "DICOM_anon", "*.dcm"),
		filepath.Join("<patient>", "T2SPIR", "Ground", "*.png"),
	})
	if err != nil {
		return nil, err
	}
	patients, err := chaosPatients(mr, opt.Patients)
	if err != nil {
		return nil, err
	}
	s := opt.Size
	d := &Dataset{Name: "chaos-mr", Shape: []int{s, s, 1}, TargetShape: []int{s, s, 1}, X: []float32{}, Targets: []float32{},
		Classes: slices.Clone(CHAOSMRClasses)}
	if opt.Organ != AllOrgans {
		d.Classes = []string{"background", CHAOSMRClasses[opt.Organ]}
	}
	for _, p := range patients {
		for _, seq := range opt.Sequences {
			dicomDir, groundDir, _ := seq.dirs(p.dir)
			ser, err := loadSeries(dicomDir, groundDir, opt.SliceOrder, true)
			if err != nil {
				return nil, err
			}
			lo, hi := volumePercentiles(ser.slices, opt.Percentiles[0], opt.Percentiles[1])
			for i, sl := range ser.slices {
				m, err := readMask(ser.masks[i], sl)
				if err != nil {
					return nil, err
				}
				for k, v := range m.pix {
					c := chaosMRClass(int(math.Round(float64(v) * 255)))
					switch {
					case opt.Organ == AllOrgans:
						m.pix[k] = float32(c)
					case c == int(opt.Organ):
						m.pix[k] = 1
					default:
						m.pix[k] = 0
					}
				}
				scaleToUnit(sl.pix, lo, hi)
				x := picture{h: sl.rows, w: sl.cols, c: 1, pix: sl.pix}
				d.X = append(d.X, x.resizeBilinear(s, s).pix...)
				d.Targets = append(d.Targets, m.resizeNearest(s, s).pix...)
				d.Groups = append(d.Groups, p.id)
				sl.pix = nil
			}
		}
	}
	return d, nil
}

// volumePercentiles returns the percentiles lo and hi (in %) of all the values of the slices.
func volumePercentiles(sl []*dicomSlice, lo, hi float64) (float64, float64) {
	n := 0
	for _, s := range sl {
		n += len(s.pix)
	}
	all := make([]float32, 0, n)
	for _, s := range sl {
		all = append(all, s.pix...)
	}
	slices.Sort(all)
	return percentile(all, lo), percentile(all, hi)
}

// percentile returns the p-th percentile (0 ≤ p ≤ 100) of sorted values, interpolating linearly
// between the two nearest ranks: with r = p/100·(N−1), k = ⌊r⌋,
//
//	P = v_k + (r − k)·(v_{k+1} − v_k)
//
// (the default of NumPy's percentile). It returns 0 for no values.
func percentile(sorted []float32, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	r := p / 100 * float64(len(sorted)-1)
	k := int(math.Floor(r))
	if k >= len(sorted)-1 {
		return float64(sorted[len(sorted)-1])
	}
	f := r - float64(k)
	return float64(sorted[k]) + f*(float64(sorted[k+1])-float64(sorted[k]))
}

// scaleToUnit maps v to clip((v − lo)/(hi − lo), 0, 1) in place; everything to 0 when hi ≤ lo
// (a constant volume).
func scaleToUnit(v []float32, lo, hi float64) {
	if !(hi > lo) {
		clear(v)
		return
	}
	w := hi - lo
	for i, x := range v {
		v[i] = float32(min(max((float64(x)-lo)/w, 0), 1))
	}
}
