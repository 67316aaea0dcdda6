package datasets

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/frame"
	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

func TestCHAOSSpacingOfTheSampleSet(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "chaos")
	if err := WriteSampleCHAOS(dir, 3, 5, 16, 1); err != nil {
		t.Fatal(err)
	}
	// The sample files: ImagePositionPatient z = 0, −2.5, −5, ... mm, PixelSpacing 300/16 mm.
	for _, size := range []int{8, 16, 0} {
		sp, err := CHAOSSpacing(CHAOSOptions{Dir: dir, Size: size})
		if err != nil {
			t.Fatal(err)
		}
		if len(sp) != 3 {
			t.Fatalf("Size %d: %d patients, want 3: %v", size, len(sp), sp)
		}
		grid := size
		if grid == 0 {
			grid = 128 // CHAOSWith's default
		}
		for p := 1; p <= 3; p++ {
			got := sp[p]
			want := VoxelSpacing{Slice: 2.5, Row: 300.0 / float64(grid), Col: 300.0 / float64(grid), SliceFrom: "ImagePositionPatient"}
			if math.Abs(got.Slice-want.Slice) > 1e-9 || math.Abs(got.Row-want.Row) > 1e-9 || math.Abs(got.Col-want.Col) > 1e-9 || got.SliceFrom != want.SliceFrom {
				t.Errorf("Size %d, patient %d: %v, want %v", size, p, got, want)
			}
		}
	}
	// The slices of a patient in the data set are in the same order as the files (slice 0 first).
	d, err := CHAOSWith(CHAOSOptions{Dir: dir, Size: 16})
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.Len() {
		if want := 1 + i/5; d.Groups[i] != want {
			t.Fatalf("example %d belongs to patient %d, want %d (patients in order, 5 slices each)", i, d.Groups[i], want)
		}
	}
	if _, err := CHAOSSpacing(CHAOSOptions{Dir: dir, Patients: []int{2, 9}}); err == nil || !strings.Contains(err.Error(), "[1 2 3]") {
		t.Errorf("a missing patient: error %v, want one listing the patient folders", err)
	}
}

// spacingSlice describes the header of one slice written by writeSpacingSeries ("" or nil: the
// field is left out).
type spacingSlice struct {
	pos                []string
	between, thickness string
	pixelSpacing       []string
}

// writeSpacingSeries writes patient 1 of a CHAOS CT folder under dir: one rows×cols DICOM file
// and one blank mask per slice.
func writeSpacingSeries(t *testing.T, dir string, rows, cols int, sl []spacingSlice) {
	t.Helper()
	pdir := filepath.Join(dir, "Train_Sets", "CT", "1")
	for _, sub := range []string{"DICOM_anon", "Ground"} {
		if err := os.MkdirAll(filepath.Join(pdir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for k, s := range sl {
		var elems []*dicom.Element
		add := func(tg tag.Tag, v any) {
			e, err := dicom.NewElement(tg, v)
			if err != nil {
				t.Fatalf("NewElement %v: %v", tg, err)
			}
			elems = append(elems, e)
		}
		add(tag.MediaStorageSOPClassUID, []string{"1.2.840.10008.5.1.4.1.1.2"})
		add(tag.MediaStorageSOPInstanceUID, []string{fmt.Sprintf("1.2.3.4.%d", k)})
		add(tag.TransferSyntaxUID, []string{uid.ExplicitVRLittleEndian})
		add(tag.InstanceNumber, []string{fmt.Sprint(k + 1)})
		if s.pos != nil {
			add(tag.ImagePositionPatient, s.pos)
			add(tag.ImageOrientationPatient, []string{"1", "0", "0", "0", "1", "0"})
		}
		if s.thickness != "" {
			add(tag.SliceThickness, []string{s.thickness})
		}
		if s.between != "" {
			add(tag.SpacingBetweenSlices, []string{s.between})
		}
		if s.pixelSpacing != nil {
			add(tag.PixelSpacing, s.pixelSpacing)
		}
		add(tag.SamplesPerPixel, []int{1})
		add(tag.PhotometricInterpretation, []string{"MONOCHROME2"})
		add(tag.Rows, []int{rows})
		add(tag.Columns, []int{cols})
		add(tag.BitsAllocated, []int{16})
		add(tag.BitsStored, []int{16})
		add(tag.HighBit, []int{15})
		add(tag.PixelRepresentation, []int{0})
		add(tag.PixelData, dicom.PixelDataInfo{Frames: []*frame.Frame{{NativeData: &frame.NativeFrame[uint16]{
			InternalBitsPerSample: 16, InternalRows: rows, InternalCols: cols, InternalSamplesPerPixel: 1, RawData: make([]uint16, rows*cols)}}}})
		var b bytes.Buffer
		if err := dicom.Write(&b, dicom.Dataset{Elements: elems}); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pdir, "DICOM_anon", fmt.Sprintf("i%04d,0000b.dcm", k)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		var pb bytes.Buffer
		if err := png.Encode(&pb, image.NewGray(image.Rect(0, 0, cols, rows))); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pdir, "Ground", fmt.Sprintf("liver_GT_%03d.png", k)), pb.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCHAOSSpacingFromTheHeaders(t *testing.T) {
	ps := []string{"0.7", "0.8"} // row spacing, column spacing
	series := func(n int, f func(k int) spacingSlice) []spacingSlice {
		out := make([]spacingSlice, n)
		for k := range out {
			out[k] = f(k)
			out[k].pixelSpacing = ps
		}
		return out
	}
	for _, c := range []struct {
		name    string
		slices  []spacingSlice
		want    VoxelSpacing
		wantErr string
	}{
		{name: "positions, oblique steps of 3 mm, beat the other fields",
			slices: series(4, func(k int) spacingSlice {
				// Steps of (0, 1.8, −2.4): 3 mm each, 9 mm from the first to the last.
				return spacingSlice{pos: []string{"-100", fmt.Sprint(1.8 * float64(k)), fmt.Sprint(-2.4 * float64(k))}, between: "7", thickness: "5"}
			}),
			want: VoxelSpacing{Slice: 3, Row: 0.7 * 20 / 10, Col: 0.8 * 30 / 10, SliceFrom: "ImagePositionPatient"}},
		{name: "no positions: SpacingBetweenSlices",
			slices: series(3, func(int) spacingSlice { return spacingSlice{between: "4", thickness: "5"} }),
			want:   VoxelSpacing{Slice: 4, Row: 1.4, Col: 2.4, SliceFrom: "SpacingBetweenSlices"}},
		{name: "positions all equal: SliceThickness",
			slices: series(3, func(int) spacingSlice { return spacingSlice{pos: []string{"0", "0", "10"}, thickness: "5"} }),
			want:   VoxelSpacing{Slice: 5, Row: 1.4, Col: 2.4, SliceFrom: "SliceThickness"}},
		{name: "one slice: SliceThickness",
			slices: series(1, func(int) spacingSlice { return spacingSlice{pos: []string{"0", "0", "10"}, thickness: "2"} }),
			want:   VoxelSpacing{Slice: 2, Row: 1.4, Col: 2.4, SliceFrom: "SliceThickness"}},
		{name: "no slice spacing at all",
			slices:  series(3, func(int) spacingSlice { return spacingSlice{} }),
			wantErr: "the distance between slices is unknown"},
		{name: "no PixelSpacing",
			slices:  []spacingSlice{{thickness: "2"}, {thickness: "2"}},
			wantErr: "no valid PixelSpacing (0028,0030)"},
		{name: "pixel spacings that differ",
			slices:  []spacingSlice{{thickness: "2", pixelSpacing: ps}, {thickness: "2", pixelSpacing: []string{"0.7", "0.9"}}},
			wantErr: "must have one spacing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSpacingSeries(t, dir, 20, 30, c.slices)
			got, err := CHAOSSpacing(CHAOSOptions{Dir: dir, Size: 10})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g := got[1]
			if math.Abs(g.Slice-c.want.Slice) > 1e-9 || math.Abs(g.Row-c.want.Row) > 1e-9 || math.Abs(g.Col-c.want.Col) > 1e-9 || g.SliceFrom != c.want.SliceFrom {
				t.Errorf("got %v, want %v", g, c.want)
			}
		})
	}
}
