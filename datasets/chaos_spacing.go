package datasets

// The voxel spacing of the CHAOS CT volumes, from the DICOM headers, for the challenge's
// distances in millimetres (nn.SurfaceDistances, nn.VolumeMetrics).

import (
	"fmt"
	"math"
	"path/filepath"
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
	patients, err := chaosCTPatients(opt)
	if err != nil {
		return nil, err
	}
	out := make(map[int]VoxelSpacing, len(patients))
	for _, p := range patients {
		dicomDir := filepath.Join(p.dir, "DICOM_anon")
		ser, err := loadSeries(dicomDir, filepath.Join(p.dir, "Ground"), opt.SliceOrder, false) // headers only
		if err != nil {
			return nil, err
		}
		sp, err := seriesSpacing(ser.slices, dicomDir)
		if err != nil {
			return nil, err
		}
		sp.Row *= float64(ser.slices[0].rows) / float64(opt.Size)
		sp.Col *= float64(ser.slices[0].cols) / float64(opt.Size)
		out[p.id] = sp
	}
	return out, nil
}

// seriesSpacing computes the spacing of a series in its original resolution, sl in slice order.
func seriesSpacing(sl []*dicomSlice, dir string) (VoxelSpacing, error) {
	first := sl[0]
	if len(first.pixelSpacing) != 2 || !(first.pixelSpacing[0] > 0) || !(first.pixelSpacing[1] > 0) {
		return VoxelSpacing{}, fmt.Errorf("datasets: %s has no valid PixelSpacing (0028,0030), needed for distances in mm", first.path)
	}
	for _, g := range sl {
		if g.rows != first.rows || g.cols != first.cols {
			return VoxelSpacing{}, fmt.Errorf("datasets: %s is %d×%d but %s is %d×%d (width×height): the slices of a volume must have one size", first.path, first.cols, first.rows, g.path, g.cols, g.rows)
		}
		if len(g.pixelSpacing) != 2 || math.Abs(g.pixelSpacing[0]-first.pixelSpacing[0]) > 1e-6 || math.Abs(g.pixelSpacing[1]-first.pixelSpacing[1]) > 1e-6 {
			return VoxelSpacing{}, fmt.Errorf("datasets: %s has PixelSpacing %v but %s has %v: the slices of a volume must have one spacing", first.path, first.pixelSpacing, g.path, g.pixelSpacing)
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
