package datasets

// Ordering the slices of a CHAOS series and pairing them with their mask files.

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

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

// loadSeries reads the DICOM files of dicomDir (only their headers when pixels is false) and
// pairs them with the PNG masks of groundDir.
func loadSeries(dicomDir, groundDir string, order SliceOrder, pixels bool) (*pairedSeries, error) {
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
	sl, err := readDICOMFiles(dcms, pixels)
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
