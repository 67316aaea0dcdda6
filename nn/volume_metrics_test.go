package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/tensor"
)

// maskBox returns a (nz, ny, nx, 1) mask holding 1 on the voxels z0 ≤ z ≤ z1, y0 ≤ y ≤ y1, x0 ≤ x ≤ x1.
func maskBox(nz, ny, nx, z0, z1, y0, y1, x0, x1 int) *tensor.Tensor {
	t := tensor.Zeros(nz, ny, nx, 1)
	for z := z0; z <= z1; z++ {
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				t.Data[(z*ny+y)*nx+x] = 1
			}
		}
	}
	return t
}

func TestSurfaceDistancesOfShiftedCubes(t *testing.T) {
	// Two 4×4×4 cubes, the prediction 2 slices below the reference; voxels 3 mm (slices) ×
	// 1 mm (rows) × 0.5 mm (columns). Each cube has 56 surface voxels (64 minus the 2×2×2
	// inside). From the prediction's surface (slices 4..7) to the reference's (slices 2..5):
	//   slice 4, its bottom face: 12 voxels on the ring lie on the reference's surface (0 mm),
	//     the 4 inner ones are one column from that ring: 0.5 mm (a row away would be 1 mm);
	//   slice 5, ring: on the reference's top face: 0 mm (12 voxels);
	//   slice 6, ring: one slice above the reference's top face: 3 mm (12 voxels);
	//   slice 7, top face: two slices above it: 6 mm (16 voxels).
	// Sum 4·0.5 + 12·3 + 16·6 = 134 mm, the same in the other direction by symmetry:
	// ASSD = 268 / 112 = 2.392857... mm, MSSD = 6 mm.
	ref := maskBox(12, 10, 10, 2, 5, 2, 5, 2, 5)
	pred := maskBox(12, 10, 10, 4, 7, 2, 5, 2, 5)
	sp := datasets.VoxelSpacing{Slice: 3, Row: 1, Col: 0.5}
	assd, mssd, err := SurfaceDistances(pred, ref, 0.5, sp)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(assd-268.0/112) > 1e-12 || math.Abs(mssd-6) > 1e-12 {
		t.Errorf("ASSD %v, MSSD %v; want %v and 6", assd, mssd, 268.0/112)
	}
	// The same cubes shifted by 2 columns instead (0.5 mm each): from the prediction's face at
	// column 4, the ring lies on the reference's surface (0) and the 4 inner voxels are one column
	// from the reference's face at column 5 (0.5 mm; the ring is a row or a slice away, 1 or 3 mm);
	// the ring at column 5 lies on that face (0), the ring at column 6 is one column from it
	// (0.5 mm), the face at column 7 two columns (1 mm). Sum 4·0.5 + 12·0.5 + 16·1 = 24 mm each
	// way: ASSD 48/112 mm, MSSD 1 mm.
	pred = maskBox(12, 10, 10, 2, 5, 2, 5, 4, 7)
	assd, mssd, err = SurfaceDistances(pred, ref, 0.5, sp)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(assd-48.0/112) > 1e-12 || math.Abs(mssd-1) > 1e-12 {
		t.Errorf("shifted along the columns: ASSD %v, MSSD %v; want %v and 1", assd, mssd, 48.0/112)
	}
	// Identical volumes: 0 and 0, Dice 1, RAVD 0.
	s, err := VolumeMetrics(ref, ref, 0.5, sp)
	if err != nil {
		t.Fatal(err)
	}
	if (s != VolumeScores{Dice: 1}) {
		t.Errorf("identical volumes: %v, want Dice 1 and zeros", s)
	}
}

func TestSurfaceDistancesOneVoxelEach(t *testing.T) {
	// Voxel (0,0,0) against voxel (1,1,1), voxels 2 × 3 × 4 mm: √(4 + 9 + 16) = √29 mm both ways.
	pred, ref := maskBox(3, 3, 3, 0, 0, 0, 0, 0, 0), maskBox(3, 3, 3, 1, 1, 1, 1, 1, 1)
	s, err := VolumeMetrics(pred, ref, 0.5, datasets.VoxelSpacing{Slice: 2, Row: 3, Col: 4})
	if err != nil {
		t.Fatal(err)
	}
	if want := math.Sqrt(29); math.Abs(s.ASSD-want) > 1e-12 || math.Abs(s.MSSD-want) > 1e-12 || s.Dice != 0 || s.RAVD != 0 {
		t.Errorf("%v, want Dice 0, RAVD 0, ASSD = MSSD = √29 = %v", s, want)
	}
}

func TestRAVD(t *testing.T) {
	ref := maskBox(1, 1, 20, 0, 0, 0, 0, 0, 9) // 10 voxels
	for _, c := range []struct {
		last int // the prediction is voxels 0..last
		want float64
	}{{10, 10}, {8, 10}, {9, 0}, {19, 100}} {
		got, err := RAVD(maskBox(1, 1, 20, 0, 0, 0, 0, 0, c.last), ref, 0.5)
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("prediction of %d voxels against 10: RAVD %v (%v), want %v%%", c.last+1, got, err, c.want)
		}
	}
	empty := tensor.Zeros(1, 1, 20, 1)
	if got, err := RAVD(empty, ref, 0.5); err != nil || got != 100 {
		t.Errorf("empty prediction: RAVD %v (%v), want 100%%", got, err)
	}
	if _, err := RAVD(ref, empty, 0.5); err == nil || !strings.Contains(err.Error(), "reference mask is empty") {
		t.Errorf("empty reference: error %v, want one saying the reference is empty", err)
	}
}

func TestVolumeMetricsEdgeCases(t *testing.T) {
	sp := datasets.VoxelSpacing{Slice: 2.5, Row: 0.8, Col: 0.8}
	ref := maskBox(4, 5, 6, 1, 2, 1, 3, 1, 4)
	empty := tensor.Zeros(4, 5, 6, 1)
	s, err := VolumeMetrics(empty, ref, 0.5, sp)
	if err != nil {
		t.Fatal(err)
	}
	if s.Dice != 0 || s.RAVD != 100 || !math.IsInf(s.ASSD, 1) || !math.IsInf(s.MSSD, 1) {
		t.Errorf("empty prediction: %v, want Dice 0, RAVD 100%%, ASSD = MSSD = +Inf", s)
	}
	if a, m, err := SurfaceDistances(empty, empty, 0.5, sp); err != nil || a != 0 || m != 0 {
		t.Errorf("both empty: %v %v %v, want 0 0", a, m, err)
	}
	if _, err := VolumeMetrics(ref, empty, 0.5, sp); err == nil {
		t.Error("empty reference: no error")
	}
	// A mask filling the volume has no surface (beyond the edge counts as inside, as in the
	// CHAOS evaluation).
	full := tensor.Full(1, 4, 5, 6, 1)
	if a, m, err := SurfaceDistances(full, full, 0.5, sp); err != nil || a != 0 || m != 0 {
		t.Errorf("both full: %v %v %v, want 0 0", a, m, err)
	}
	if a, m, err := SurfaceDistances(full, ref, 0.5, sp); err != nil || !math.IsInf(a, 1) || !math.IsInf(m, 1) {
		t.Errorf("full against a box: %v %v %v, want +Inf +Inf", a, m, err)
	}
	// Rank 3 works like rank 4 with one channel.
	r3 := tensor.New(ref.Data, 4, 5, 6)
	if a, m, err := SurfaceDistances(r3, r3, 0.5, sp); err != nil || a != 0 || m != 0 {
		t.Errorf("rank 3: %v %v %v", a, m, err)
	}
	for _, c := range []struct {
		name      string
		pred, ref *tensor.Tensor
		sp        datasets.VoxelSpacing
		want      string
	}{
		{"shapes differ", maskBox(4, 5, 7, 0, 0, 0, 0, 0, 0), ref, sp, "shape [4 5 7 1] but the reference [4 5 6 1]"},
		{"not a volume", tensor.Zeros(5, 6), tensor.Zeros(5, 6), sp, "want a volume"},
		{"two channels", tensor.Zeros(4, 5, 6, 2), tensor.Zeros(4, 5, 6, 2), sp, "want a volume"},
		{"zero spacing", ref, ref, datasets.VoxelSpacing{Slice: 0, Row: 1, Col: 1}, "slice spacing is 0 mm"},
		{"NaN spacing", ref, ref, datasets.VoxelSpacing{Slice: 1, Row: 1, Col: math.NaN()}, "column spacing is NaN mm"},
	} {
		if _, _, err := SurfaceDistances(c.pred, c.ref, 0.5, c.sp); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
}

// bruteSurfaceDistances is the definition of SurfaceDistances written out the slow way: the
// surfaces by looking at the 6 neighbours, then every pair of surface voxels.
func bruteSurfaceDistances(pred, ref *tensor.Tensor, dims [3]int, sp [3]float64) (assd, mssd float64) {
	type voxel [3]int
	surface := func(m *tensor.Tensor) []voxel {
		at := func(v voxel) bool {
			for i := range 3 {
				if v[i] < 0 || v[i] >= dims[i] {
					return true
				}
			}
			return m.Data[(v[0]*dims[1]+v[1])*dims[2]+v[2]] > 0.5
		}
		var out []voxel
		for z := range dims[0] {
			for y := range dims[1] {
				for x := range dims[2] {
					v := voxel{z, y, x}
					if !at(v) {
						continue
					}
					for _, d := range []voxel{{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}} {
						if !at(voxel{z + d[0], y + d[1], x + d[2]}) {
							out = append(out, v)
							break
						}
					}
				}
			}
		}
		return out
	}
	a, b := surface(pred), surface(ref)
	var sum float64
	for _, dir := range [2][2][]voxel{{a, b}, {b, a}} {
		for _, u := range dir[0] {
			best := math.Inf(1)
			for _, w := range dir[1] {
				var d2 float64
				for i := range 3 {
					d := float64(u[i]-w[i]) * sp[i]
					d2 += d * d
				}
				best = min(best, d2)
			}
			sum += math.Sqrt(best)
			mssd = max(mssd, math.Sqrt(best))
		}
	}
	return sum / float64(len(a)+len(b)), mssd
}

func TestSurfaceDistancesAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := range 40 {
		dims := [3]int{2 + rng.IntN(6), 2 + rng.IntN(8), 2 + rng.IntN(8)}
		sp := [3]float64{0.5 + 4*rng.Float64(), 0.3 + rng.Float64(), 0.3 + rng.Float64()}
		n := dims[0] * dims[1] * dims[2]
		pred, ref := tensor.Zeros(dims[0], dims[1], dims[2]), tensor.Zeros(dims[0], dims[1], dims[2])
		fill := 0.1 + 0.6*rng.Float64()
		for i := range n {
			if rng.Float64() < fill {
				pred.Data[i] = 1
			}
			if rng.Float64() < fill {
				ref.Data[i] = 1
			}
		}
		pred.Data[rng.IntN(n)], ref.Data[rng.IntN(n)] = 0, 0 // neither fills the volume
		pred.Data[rng.IntN(n)], ref.Data[rng.IntN(n)] = 1, 1 // nor is empty
		wantA, wantM := bruteSurfaceDistances(pred, ref, dims, sp)
		a, m, err := SurfaceDistances(pred, ref, 0.5, datasets.VoxelSpacing{Slice: sp[0], Row: sp[1], Col: sp[2]})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(a-wantA) > 1e-9 || math.Abs(m-wantM) > 1e-9 {
			t.Errorf("trial %d, %v voxels of %v mm: ASSD %v, MSSD %v; brute force %v, %v", trial, dims, sp, a, m, wantA, wantM)
		}
	}
}
