package datasets

// The voxel spacing of the CHAOS CT volumes, from the DICOM headers, for the challenge's
// distances in millimetres (nn.SurfaceDistances, nn.VolumeMetrics).

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// VoxelSpacing is the distance in millimetres between the centres of neighbouring voxels of a
// volume along its three axes: Slice (from one slice to the next), Row (from one row of a slice
// to the next: down the image) and Col (from one column to the next: across the image). The
// axes are taken as orthogonal (no gantry tilt), as in the CHAOS evaluation.
type VoxelSpacing struct {
	Slice, Row, Col float64
	// SliceFrom names the DICOM field the slice spacing was read from: "ImagePositionPatient"
	// (the distance between the first and the last slice's positions, over the number of
	// steps), "SpacingBetweenSlices" or "SliceThickness" (the fallbacks, in that order, when the
	// positions are missing or all equal).
	SliceFrom string
}

func (s VoxelSpacing) String() string {
	return fmt.Sprintf("%.3g × %.3g × %.3g mm (slice × row × column; slice spacing from %s)", s.Slice, s.Row, s.Col, s.SliceFrom)
}

// CHAOSSpacing returns the voxel spacing of each patient's CT volume (the key is the patient
// number, as in the Groups of [CHAOSWith]) on the grid that CHAOSWith(opt) returns: the slices
// resized to opt.Size×opt.Size (default 128), so the in-plane spacing is the DICOM one scaled by
// the original size over opt.Size (the field of view is kept). It reads the headers of the same
// files as CHAOSWith, with the same options (Dir, SliceOrder, Patients), and puts the slices in
// the same order:
//
//   - Row and Col: PixelSpacing (0028,0030) of the first slice, whose two values are the row
//     spacing (between the centres of neighbouring rows) then the column spacing, in mm;
//   - Slice: |P_last − P_first| / (n − 1), P the ImagePositionPatient (0020,0032) of the first
//     and last of the n slices, as the CHAOS evaluation computes it (the slices are equally
//     spaced); when the positions are missing or equal, SpacingBetweenSlices (0018,0088), else
//     SliceThickness (0018,0050). SliceFrom says which.
//
// A series without PixelSpacing, with slices of different sizes or pixel spacings, or without
// any slice spacing is an error naming the folder. The slices of patient p are the examples of
// the CHAOSWith(opt) data set whose Groups value is p, in the order of the data set: slice 0
// first.
//
//	ct := nb.Must(datasets.CHAOSWith(datasets.CHAOSOptions{Size: 64}))
//	spacing := nb.Must(datasets.CHAOSSpacing(datasets.CHAOSOptions{Size: 64}))
//	fmt.Println(spacing[ct.Groups[0]]) // the voxels of the first patient
func CHAOSSpacing(opt CHAOSOptions) (map[int]VoxelSpacing, error) {
	if opt.Size <= 0 {
		opt.Size = 128
	}
	ct, err := chaosModalityDir(opt.Dir, "CT", []string{filepath.Join("<patient>", "DICOM_anon", "i0000,0000b.dcm"), filepath.Join("<patient>", "Ground", "liver_GT_000.png")})
	if err != nil {
		return nil, err
	}
	patients, err := chaosPatients(ct, opt.Patients)
	if err != nil {
		return nil, err
	}
	out := make(map[int]VoxelSpacing, len(patients))
	for _, p := range patients {
		dicomDir, groundDir := filepath.Join(p.dir, "DICOM_anon"), filepath.Join(p.dir, "Ground")
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
		hs := make([]*dicomSlice, len(dcms))
		geo := make([]sliceGeometry, len(dcms))
		byPtr := make(map[*dicomSlice]int, len(dcms))
		err = parallelFor(len(dcms), func(i int) (err error) {
			hs[i], geo[i], err = readDICOMHeader(dcms[i])
			return err
		})
		if err != nil {
			return nil, err
		}
		for i, h := range hs {
			byPtr[h] = i
		}
		ordered, _, err := pairSlices(hs, masks, opt.SliceOrder, dicomDir, groundDir)
		if err != nil {
			return nil, err
		}
		sorted := make([]sliceGeometry, len(ordered))
		for i, h := range ordered {
			sorted[i] = geo[byPtr[h]]
		}
		sp, err := seriesSpacing(ordered, sorted, dicomDir)
		if err != nil {
			return nil, err
		}
		sp.Row *= float64(ordered[0].rows) / float64(opt.Size)
		sp.Col *= float64(ordered[0].cols) / float64(opt.Size)
		out[p.id] = sp
	}
	return out, nil
}

// sliceGeometry holds the header fields of one slice that give the voxel spacing (0 or nil when
// absent).
type sliceGeometry struct {
	pixelSpacing []float64 // PixelSpacing (0028,0030): row spacing, column spacing (mm)
	between      float64   // SpacingBetweenSlices (0018,0088)
	thickness    float64   // SliceThickness (0018,0050)
}

// seriesSpacing computes the spacing of a series in its original resolution, sl in slice order.
func seriesSpacing(sl []*dicomSlice, geo []sliceGeometry, dir string) (VoxelSpacing, error) {
	first := geo[0]
	if len(first.pixelSpacing) != 2 || !(first.pixelSpacing[0] > 0) || !(first.pixelSpacing[1] > 0) {
		return VoxelSpacing{}, fmt.Errorf("datasets: %s has no valid PixelSpacing (0028,0030), needed for distances in mm", sl[0].path)
	}
	for i, g := range geo {
		if sl[i].rows != sl[0].rows || sl[i].cols != sl[0].cols {
			return VoxelSpacing{}, fmt.Errorf("datasets: %s is %d×%d but %s is %d×%d (width×height): the slices of a volume must have one size", sl[0].path, sl[0].cols, sl[0].rows, sl[i].path, sl[i].cols, sl[i].rows)
		}
		if len(g.pixelSpacing) != 2 || math.Abs(g.pixelSpacing[0]-first.pixelSpacing[0]) > 1e-6 || math.Abs(g.pixelSpacing[1]-first.pixelSpacing[1]) > 1e-6 {
			return VoxelSpacing{}, fmt.Errorf("datasets: %s has PixelSpacing %v but %s has %v: the slices of a volume must have one spacing", sl[0].path, first.pixelSpacing, sl[i].path, g.pixelSpacing)
		}
	}
	sp := VoxelSpacing{Row: first.pixelSpacing[0], Col: first.pixelSpacing[1]}
	n := len(sl)
	if n > 1 && sl[0].pos != nil && sl[n-1].pos != nil {
		a, b := sl[0].pos, sl[n-1].pos
		if d := math.Sqrt((b[0]-a[0])*(b[0]-a[0])+(b[1]-a[1])*(b[1]-a[1])+(b[2]-a[2])*(b[2]-a[2])) / float64(n-1); d > 0 {
			sp.Slice, sp.SliceFrom = d, "ImagePositionPatient"
			return sp, nil
		}
	}
	switch {
	case first.between > 0:
		sp.Slice, sp.SliceFrom = first.between, "SpacingBetweenSlices"
	case first.thickness > 0:
		sp.Slice, sp.SliceFrom = first.thickness, "SliceThickness"
	default:
		return VoxelSpacing{}, fmt.Errorf("datasets: the slices of %s have no ImagePositionPatient (0020,0032) that differ, no SpacingBetweenSlices (0018,0088) and no SliceThickness (0018,0050): the distance between slices is unknown", dir)
	}
	return sp, nil
}

// readDICOMHeader reads the header of one DICOM file (its pixel data is skipped): the fields
// that order the slices (as parseDICOM) and those that give the spacing.
func readDICOMHeader(path string) (s *dicomSlice, g sliceGeometry, err error) {
	bad := func(msg string) error { return &FormatError{File: path, Offset: -1, Msg: msg} }
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, bad(fmt.Sprintf("unreadable DICOM: %v", p))
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return nil, g, fmt.Errorf("datasets: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDICOMBytes+1))
	if err != nil {
		return nil, g, fmt.Errorf("datasets: reading %s: %w", path, err)
	}
	if err := checkDICOM(data, path); err != nil {
		return nil, g, err
	}
	ds, err := dicom.Parse(bytes.NewReader(data), int64(len(data)), nil, dicom.SkipPixelData())
	if err != nil {
		return nil, g, bad("unreadable DICOM: " + err.Error())
	}
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
	s = &dicomSlice{path: path}
	if v := nums(tag.Rows); len(v) == 1 {
		s.rows = int(v[0])
	}
	if v := nums(tag.Columns); len(v) == 1 {
		s.cols = int(v[0])
	}
	if s.rows <= 0 || s.cols <= 0 {
		return nil, g, bad("DICOM without Rows (0028,0010) and Columns (0028,0011)")
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
	if v := nums(tag.PixelSpacing); len(v) == 2 {
		g.pixelSpacing = v
	}
	if v := nums(tag.SpacingBetweenSlices); len(v) == 1 {
		g.between = v[0]
	}
	if v := nums(tag.SliceThickness); len(v) == 1 {
		g.thickness = v[0]
	}
	return s, g, nil
}
