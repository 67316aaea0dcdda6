package nn

// The CHAOS challenge's scores of a segmented volume: Dice, RAVD, ASSD and MSSD.

import (
	"fmt"
	"math"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/internal/calls"
	"github.com/godl-course/godl/tensor"
)

// VolumeScores are the four scores of the CHAOS challenge for one predicted volume P against
// the reference volume T (https://chaos.grand-challenge.org/Evaluation/): see [VolumeMetrics].
type VolumeScores struct {
	Dice float64 // 2|P ∩ T| / (|P| + |T|), in [0, 1]: 1 is perfect
	RAVD float64 // relative absolute volume difference, in %: 0 is perfect
	ASSD float64 // average symmetric surface distance, in mm: 0 is perfect
	MSSD float64 // maximum symmetric surface distance (Hausdorff), in mm: 0 is perfect
}

func (s VolumeScores) String() string {
	return fmt.Sprintf("Dice %.3f, RAVD %.1f%%, ASSD %.2f mm, MSSD %.2f mm", s.Dice, s.RAVD, s.ASSD, s.MSSD)
}

// VolumeMetrics scores a predicted volume against the reference as the CHAOS challenge does
// (its evaluation code, github.com/emrekavur/CHAOS-evaluation): pred and ref are the masks of
// one patient, shape (slices, rows, cols) or (slices, rows, cols, 1), a voxel counted as "in"
// when its value is above threshold (0.5 for probabilities), and spacing gives the size of the
// voxels in mm ([datasets.CHAOSSpacing] reads it from the DICOM headers):
//
//   - Dice = 2|P ∩ T| / (|P| + |T|) ([DiceScore]);
//   - RAVD = | |P| − |T| | / |T| · 100 %, volumes as voxel counts ([RAVD]);
//   - ASSD and MSSD, the mean and the maximum of the distances from each surface voxel of one
//     mask to the nearest surface voxel of the other, both directions together
//     ([SurfaceDistances]).
//
// It returns an error when the shapes differ or are not volumes, when the spacing is not
// positive, and when the reference is empty (RAVD divides by its volume; a CHAOS reference
// always holds the organ). An empty prediction gets Dice 0, RAVD 100% and ASSD = MSSD = +Inf.
func VolumeMetrics(pred, ref *tensor.Tensor, threshold float64, spacing datasets.VoxelSpacing) (VolumeScores, error) {
	calls.Count("nn.VolumeMetrics")
	ravd, err := RAVD(pred, ref, threshold)
	if err != nil {
		return VolumeScores{}, err
	}
	assd, mssd, err := SurfaceDistances(pred, ref, threshold, spacing)
	if err != nil {
		return VolumeScores{}, err
	}
	return VolumeScores{Dice: DiceScore(pred, ref, threshold), RAVD: ravd, ASSD: assd, MSSD: mssd}, nil
}

// RAVD is the relative absolute volume difference of a predicted mask P against the reference
// T, in percent: | |P| − |T| | / |T| · 100, |·| the number of voxels above threshold (on a grid
// of equal voxels this is the difference in mm³ too). 0 is perfect; a prediction 10% too large
// or 10% too small gives 10, an empty one 100. It says nothing about where the voxels are:
// read it with the Dice and the surface distances. pred and ref must have the same shape; an
// empty reference is an error (the ratio is undefined).
func RAVD(pred, ref *tensor.Tensor, threshold float64) (float64, error) {
	calls.Count("nn.RAVD")
	if err := sameVolumes("RAVD", pred, ref, false); err != nil {
		return 0, err
	}
	var np, nt int
	for i, p := range pred.Data {
		if p > threshold {
			np++
		}
		if ref.Data[i] > threshold {
			nt++
		}
	}
	if nt == 0 {
		return 0, fmt.Errorf("nn.RAVD: the reference mask is empty (no value above %v), so the relative volume difference is undefined: score only volumes whose reference holds the organ", threshold)
	}
	return math.Abs(float64(np-nt)) / float64(nt) * 100, nil
}

// SurfaceDistances returns the average (ASSD) and the maximum (MSSD, the symmetric Hausdorff
// distance) symmetric surface distance in mm between the masks pred and ref, shape (slices,
// rows, cols) or (slices, rows, cols, 1), values above threshold "in", voxels of the given size.
//
// The surface of a mask is the set of its voxels that have at least one of their 6 face
// neighbours outside the mask; a neighbour beyond the edge of the volume counts as inside, so a
// mask cut by the first slice has no surface there (the CHAOS evaluation's
// M XOR binary_erosion(M, 6-connectivity, border_value=1)). With S_P and S_T the surfaces and
// d(v, S) the Euclidean distance in mm from the centre of voxel v to the nearest voxel centre of
// S (axes scaled by spacing.Slice, spacing.Row, spacing.Col),
//
//	ASSD = ( Σ_{v ∈ S_P} d(v, S_T) + Σ_{v ∈ S_T} d(v, S_P) ) / (|S_P| + |S_T|)
//	MSSD = max( max_{v ∈ S_P} d(v, S_T), max_{v ∈ S_T} d(v, S_P) ).
//
// The distances are exact: an exact Euclidean distance transform of each surface (the
// separable lower-envelope algorithm of Felzenszwalb and Huttenlocher, one pass per axis with
// its spacing), linear in the number of voxels, gives d(v, S) at every voxel; no pair of surface
// voxels is compared one by one. Edge cases: when neither mask has a surface voxel (both empty,
// or both filling the volume) both distances are 0; when only one has, they are +Inf (no
// surface to measure to: the worst score). Different shapes, a tensor that is not a volume, or
// a spacing that is not positive and finite is an error.
func SurfaceDistances(pred, ref *tensor.Tensor, threshold float64, spacing datasets.VoxelSpacing) (assd, mssd float64, err error) {
	calls.Count("nn.SurfaceDistances")
	if err := sameVolumes("SurfaceDistances", pred, ref, true); err != nil {
		return 0, 0, err
	}
	sp := [3]float64{spacing.Slice, spacing.Row, spacing.Col}
	for i, s := range sp {
		if !(s > 0) || math.IsInf(s, 1) {
			return 0, 0, fmt.Errorf("nn.SurfaceDistances: the %s spacing is %v mm, want a positive size (datasets.CHAOSSpacing reads it from the DICOM headers)", [3]string{"slice", "row", "column"}[i], s)
		}
	}
	dims := [3]int{pred.Shape[0], pred.Shape[1], pred.Shape[2]}
	sPred := maskSurface(pred.Data, threshold, dims)
	sRef := maskSurface(ref.Data, threshold, dims)
	nPred, nRef := count(sPred), count(sRef)
	switch {
	case nPred == 0 && nRef == 0:
		return 0, 0, nil
	case nPred == 0 || nRef == 0:
		return math.Inf(1), math.Inf(1), nil
	}
	var sum float64
	for _, pair := range [2][2][]bool{{sPred, sRef}, {sRef, sPred}} {
		d2 := squaredDistanceTransform(pair[1], dims, sp)
		for i, on := range pair[0] {
			if on {
				d := math.Sqrt(d2[i])
				sum += d
				mssd = max(mssd, d)
			}
		}
	}
	return sum / float64(nPred+nRef), mssd, nil
}

// sameVolumes checks that pred and ref have the same shape and, when volume is set, that it is
// (slices, rows, cols) or (slices, rows, cols, 1).
func sameVolumes(fn string, pred, ref *tensor.Tensor, volume bool) error {
	if pred == nil || ref == nil {
		return fmt.Errorf("nn.%s: a nil tensor: give the predicted and the reference masks", fn)
	}
	if !sameSize(pred, ref) || len(pred.Shape) != len(ref.Shape) {
		return fmt.Errorf("nn.%s: the prediction has shape %v but the reference %v: give the two masks of the same volume", fn, pred.Shape, ref.Shape)
	}
	for i := range pred.Shape {
		if pred.Shape[i] != ref.Shape[i] {
			return fmt.Errorf("nn.%s: the prediction has shape %v but the reference %v: give the two masks of the same volume", fn, pred.Shape, ref.Shape)
		}
	}
	if volume {
		s := pred.Shape
		if !(len(s) == 3 || len(s) == 4 && s[3] == 1) {
			return fmt.Errorf("nn.%s: masks of shape %v, want a volume (slices, rows, cols) or (slices, rows, cols, 1): stack the slices of one patient, in order", fn, s)
		}
	}
	return nil
}

func count(m []bool) int {
	n := 0
	for _, on := range m {
		if on {
			n++
		}
	}
	return n
}

// maskSurface returns the surface voxels of the mask (values above threshold) of a volume of
// dims (slices, rows, cols): the voxels in the mask with a face neighbour inside the volume
// that is not.
func maskSurface(data []float64, threshold float64, dims [3]int) []bool {
	nz, ny, nx := dims[0], dims[1], dims[2]
	in := func(z, y, x int) bool {
		if z < 0 || y < 0 || x < 0 || z >= nz || y >= ny || x >= nx {
			return true // beyond the edge: counted as inside (no surface there)
		}
		return data[(z*ny+y)*nx+x] > threshold
	}
	out := make([]bool, len(data))
	for z := range nz {
		for y := range ny {
			for x := range nx {
				if !in(z, y, x) {
					continue
				}
				out[(z*ny+y)*nx+x] = !in(z-1, y, x) || !in(z+1, y, x) || !in(z, y-1, x) || !in(z, y+1, x) || !in(z, y, x-1) || !in(z, y, x+1)
			}
		}
	}
	return out
}

// squaredDistanceTransform returns, for every voxel of a volume of dims (slices, rows, cols)
// with voxel size sp (mm), the squared Euclidean distance in mm² to the nearest voxel of
// feature (+Inf when feature is empty): the exact transform of Felzenszwalb & Huttenlocher
// ("Distance transforms of sampled functions", 2012), applied along the columns, then the
// rows, then the slices.
func squaredDistanceTransform(feature []bool, dims [3]int, sp [3]float64) []float64 {
	f := make([]float64, len(feature))
	for i, on := range feature {
		if !on {
			f[i] = math.Inf(1)
		}
	}
	strides := [3]int{dims[1] * dims[2], dims[2], 1}
	longest := max(dims[0], dims[1], dims[2])
	line := make([]float64, longest)
	res := make([]float64, longest)
	v := make([]int, longest)
	z := make([]float64, longest+1)
	for _, axis := range []int{2, 1, 0} {
		n, stride := dims[axis], strides[axis]
		// Every line along axis starts at a voxel whose coordinate on that axis is 0.
		for start := range f {
			if (start/stride)%n != 0 {
				continue
			}
			for k := range n {
				line[k] = f[start+k*stride]
			}
			lowerEnvelope(line[:n], sp[axis], res[:n], v, z)
			for k := range n {
				f[start+k*stride] = res[k]
			}
		}
	}
	return f
}

// lowerEnvelope computes out[q] = min_p ((q − p)²·s² + f[p]) for one line of samples s mm apart:
// the lower envelope of the parabolas rooted at the finite f[p]. v and z are work space (len(f)
// and len(f)+1 at least).
func lowerEnvelope(f []float64, s float64, out []float64, v []int, z []float64) {
	n := len(f)
	k := -1
	for q := range n {
		if math.IsInf(f[q], 1) {
			continue
		}
		if k < 0 {
			k = 0
			v[0], z[0], z[1] = q, math.Inf(-1), math.Inf(1)
			continue
		}
		// x: where the parabola of q gets below the last one of the envelope; the ones it hides
		// are dropped (never the first: z[0] = −Inf).
		x := parabolaCrossing(f, s, q, v[k])
		for x <= z[k] {
			k--
			x = parabolaCrossing(f, s, q, v[k])
		}
		k++
		v[k], z[k], z[k+1] = q, x, math.Inf(1)
	}
	if k < 0 {
		for q := range out {
			out[q] = math.Inf(1)
		}
		return
	}
	k = 0
	for q := range n {
		pq := float64(q) * s
		for z[k+1] < pq {
			k++
		}
		d := pq - float64(v[k])*s
		out[q] = d*d + f[v[k]]
	}
}

// parabolaCrossing is the position (mm) where the parabolas rooted at samples q > r of a line
// (samples s mm apart) cross: (f[q] + (qs)² − f[r] − (rs)²) / (2(q − r)s).
func parabolaCrossing(f []float64, s float64, q, r int) float64 {
	pq, pr := float64(q)*s, float64(r)*s
	return ((f[q] + pq*pq) - (f[r] + pr*pr)) / (2 * (pq - pr))
}
