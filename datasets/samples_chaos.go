package datasets

// Sample CHAOS CT files: DICOM slices of generated patients and their liver masks (PNG).

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"path/filepath"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/frame"
	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

// Hounsfield units of the tissues of the sample CT slices.
const (
	huAir    = -1000
	huFat    = -100
	huTissue = 40  // muscle and other soft tissue
	huLiver  = 110 // contrast-enhanced liver (portal venous phase)
	huSpleen = 120 // close to the liver: the network must use shape and position too
	huBone   = 500
	huNoise  = 18 // standard deviation of the noise
)

// sampleCTPatient is the anatomy of one generated patient.
type sampleCTPatient struct {
	bodyA, bodyB   float64 // half axes of the body ellipse (fraction of the image)
	liverX, liverY float64 // centre of the liver (fraction of the image), on the image's left
	liverA, liverB float64 // its half axes at its widest slice
	liverZ, liverH float64 // its centre and half height along the slices (fraction of the series)
	lobes          [4]float64
	spleenX        float64
}

func newSampleCTPatient(r *rand.Rand) sampleCTPatient {
	u := func(a, b float64) float64 { return a + (b-a)*r.Float64() }
	return sampleCTPatient{
		bodyA: u(0.38, 0.46), bodyB: u(0.28, 0.34),
		liverX: u(0.30, 0.36), liverY: u(0.42, 0.50), liverA: u(0.13, 0.18), liverB: u(0.11, 0.15),
		liverZ: u(0.40, 0.60), liverH: u(0.30, 0.42),
		lobes:   [4]float64{u(0.05, 0.15), u(0, 2*math.Pi), u(0.03, 0.1), u(0, 2*math.Pi)},
		spleenX: u(0.68, 0.74),
	}
}

// sampleCTSlice returns slice z ∈ [0,1] (HU, size×size, row-major) and its liver mask.
func (p sampleCTPatient) slice(z float64, size int, r *rand.Rand) ([]int16, []bool) {
	hu := make([]int16, size*size)
	mask := make([]bool, size*size)
	// The liver's cross-section shrinks towards its top and bottom.
	lz := 1 - math.Pow((z-p.liverZ)/p.liverH, 2)
	sz := 1 - math.Pow((z-0.55)/0.3, 2) // the spleen: smaller, a bit lower
	for y := range size {
		for x := range size {
			fx, fy := (float64(x)+0.5)/float64(size), (float64(y)+0.5)/float64(size)
			v := float64(huAir)
			eb := math.Pow((fx-0.5)/p.bodyA, 2) + math.Pow((fy-0.5)/p.bodyB, 2)
			if eb <= 1 {
				v = huTissue
				if eb > 0.8 {
					v = huFat // subcutaneous fat
				}
				// Spine: a bright disc at the back (bottom of the image), the aorta in front.
				if math.Hypot(fx-0.5, fy-(0.5+p.bodyB*0.65)) < 0.05 {
					v = huBone
				} else if math.Hypot(fx-0.53, fy-(0.5+p.bodyB*0.35)) < 0.025 {
					v = 160
				}
				if sz > 0 && math.Pow((fx-p.spleenX)/0.06, 2)+math.Pow((fy-0.55)/0.08, 2) <= sz {
					v = huSpleen
				}
				if lz > 0 {
					dx, dy := (fx-p.liverX)/p.liverA, (fy-p.liverY)/p.liverB
					th := math.Atan2(dy, dx)
					rr := lz * (1 + p.lobes[0]*math.Sin(2*th+p.lobes[1]) + p.lobes[2]*math.Sin(3*th+p.lobes[3]))
					if dx*dx+dy*dy <= rr*rr {
						v = huLiver
						mask[y*size+x] = true
					}
				}
			}
			if v != huAir {
				v += huNoise * r.NormFloat64()
			}
			hu[y*size+x] = int16(math.Round(v))
		}
	}
	return hu, mask
}

// WriteSampleCHAOS writes a small generated CT liver set in the layout and formats of the
// CHAOS training set into dir (which must not exist, or be empty), readable by
// CHAOSWith(CHAOSOptions{Dir: dir}):
//
//	dir/Train_Sets/CT/<patient>/DICOM_anon/i0000,0000b.dcm, i0001,0000b.dcm, ...
//	dir/Train_Sets/CT/<patient>/Ground/liver_GT_000.png, liver_GT_001.png, ...
//
// Patients are numbered 1..patients, each with `slices` axial slices of size×size pixels:
// 16-bit DICOM files (explicit VR little endian, stored value = HU + 1024 with
// RescaleIntercept −1024, with InstanceNumber, ImagePositionPatient and
// ImageOrientationPatient) and 8-bit PNG masks (255 on the liver, 0 elsewhere). Each slice shows
// a body (soft tissue, a ring of fat, the spine, the aorta) in air, a lobed liver on the image's
// left (the patient's right) at about 110 HU, present on the middle slices only, and a spleen of
// similar density on the other side, with noise of 18 HU. The same seed writes the same files.
func WriteSampleCHAOS(dir string, patients, slices, size int, seed int64) error {
	if patients < 1 || slices < 1 || size < 8 {
		return fmt.Errorf("datasets: WriteSampleCHAOS: %d patients, %d slices (≥ 1 each) of %d×%d pixels (≥ 8)", patients, slices, size, size)
	}
	return writeSampleDir(dir, func(tmp string) error {
		rng := newRand(seed)
		for pi := 1; pi <= patients; pi++ {
			pat := newSampleCTPatient(rng)
			pdir := filepath.Join(tmp, "Train_Sets", "CT", fmt.Sprint(pi))
			for k := range slices {
				z := (float64(k) + 0.5) / float64(slices)
				hu, mask := pat.slice(z, size, rng)
				b, err := ctDICOM(hu, size, k, pi)
				if err != nil {
					return err
				}
				if err := writeFileIn(filepath.Join(pdir, "DICOM_anon", fmt.Sprintf("i%04d,0000b.dcm", k)), b); err != nil {
					return err
				}
				m := image.NewGray(image.Rect(0, 0, size, size))
				for i, on := range mask {
					if on {
						m.Pix[i] = 255
					}
				}
				var pb bytes.Buffer
				if err := png.Encode(&pb, m); err != nil {
					return err
				}
				if err := writeFileIn(filepath.Join(pdir, "Ground", fmt.Sprintf("liver_GT_%03d.png", k)), pb.Bytes()); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// ctDICOM encodes one CT slice (HU) as a DICOM file.
func ctDICOM(hu []int16, size, k, patient int) ([]byte, error) {
	raw := make([]uint16, len(hu))
	for i, v := range hu {
		raw[i] = uint16(min(max(int(v)+1024, 0), 65535))
	}
	var elems []*dicom.Element
	add := func(t tag.Tag, v any) error {
		e, err := dicom.NewElement(t, v)
		if err != nil {
			return fmt.Errorf("datasets: DICOM element %v: %v", t, err)
		}
		elems = append(elems, e)
		return nil
	}
	spacing := 300.0 / float64(size) // a 30 cm field of view
	for _, f := range []struct {
		t tag.Tag
		v any
	}{
		{tag.MediaStorageSOPClassUID, []string{"1.2.840.10008.5.1.4.1.1.2"}}, // CT Image Storage
		{tag.MediaStorageSOPInstanceUID, []string{fmt.Sprintf("1.2.826.0.1.3680043.10.1.%d.%d", patient, k)}},
		{tag.TransferSyntaxUID, []string{uid.ExplicitVRLittleEndian}},
		{tag.Modality, []string{"CT"}},
		{tag.InstanceNumber, []string{fmt.Sprint(k + 1)}},
		{tag.ImagePositionPatient, []string{"-150", "-150", fmt.Sprintf("%g", -2.5*float64(k))}},
		{tag.ImageOrientationPatient, []string{"1", "0", "0", "0", "1", "0"}},
		{tag.SliceThickness, []string{"2.5"}},
		{tag.PixelSpacing, []string{fmt.Sprintf("%g", spacing), fmt.Sprintf("%g", spacing)}},
		{tag.SamplesPerPixel, []int{1}},
		{tag.PhotometricInterpretation, []string{"MONOCHROME2"}},
		{tag.Rows, []int{size}},
		{tag.Columns, []int{size}},
		{tag.BitsAllocated, []int{16}},
		{tag.BitsStored, []int{16}},
		{tag.HighBit, []int{15}},
		{tag.PixelRepresentation, []int{0}},
		{tag.RescaleIntercept, []string{"-1024"}},
		{tag.RescaleSlope, []string{"1"}},
		{tag.PixelData, dicom.PixelDataInfo{Frames: []*frame.Frame{{NativeData: &frame.NativeFrame[uint16]{
			InternalBitsPerSample: 16, InternalRows: size, InternalCols: size, InternalSamplesPerPixel: 1, RawData: raw}}}}},
	} {
		if err := add(f.t, f.v); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	if err := dicom.Write(&b, dicom.Dataset{Elements: elems}); err != nil {
		return nil, fmt.Errorf("datasets: writing a DICOM slice: %v", err)
	}
	return b.Bytes(), nil
}
