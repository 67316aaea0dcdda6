package datasets

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

// Hand-made DICOM files (explicit VR little endian unless said otherwise), to build damaged
// headers byte by byte.

// dcmHdr encodes the header of an explicit-VR little-endian element with the value length vl
// (the value itself is not written).
func dcmHdr(group, elem uint16, vr string, vl uint32) []byte {
	b := binary.LittleEndian.AppendUint16(nil, group)
	b = binary.LittleEndian.AppendUint16(b, elem)
	b = append(b, vr...)
	switch vr {
	case "OB", "OD", "OF", "OL", "OW", "SQ", "UN", "UC", "UR", "UT":
		b = append(b, 0, 0)
		b = binary.LittleEndian.AppendUint32(b, vl)
	default:
		b = binary.LittleEndian.AppendUint16(b, uint16(vl))
	}
	return b
}

// dcmEl encodes an explicit-VR little-endian element with its value (padded to an even length).
func dcmEl(group, elem uint16, vr string, value []byte) []byte {
	if len(value)%2 == 1 {
		pad := byte(' ')
		if vr == "UI" || vr == "OB" {
			pad = 0
		}
		value = append(bytes.Clone(value), pad)
	}
	return append(dcmHdr(group, elem, vr, uint32(len(value))), value...)
}

func dcmUS(group, elem uint16, v uint16) []byte {
	return dcmEl(group, elem, "US", binary.LittleEndian.AppendUint16(nil, v))
}

// dcmFile returns a DICOM file: preamble, DICM, File Meta Information with the transfer syntax
// ts, then the data set elements.
func dcmFile(ts string, elems ...[]byte) []byte {
	meta := dcmEl(0x0002, 0x0010, "UI", []byte(ts))
	b := make([]byte, 128, 1024)
	b = append(b, "DICM"...)
	b = append(b, dcmEl(0x0002, 0x0000, "UL", binary.LittleEndian.AppendUint32(nil, uint32(len(meta))))...)
	b = append(b, meta...)
	for _, e := range elems {
		b = append(b, e...)
	}
	return b
}

const (
	tsExplicitLE = "1.2.840.10008.1.2.1"
	tsImplicitLE = "1.2.840.10008.1.2"
)

// dcmImage returns the elements describing native pixel data: rows, columns, bits allocated,
// samples per pixel and, when frames is not "", NumberOfFrames.
func dcmImage(rows, cols, bits, spp uint16, frames string) [][]byte {
	e := [][]byte{dcmUS(0x0028, 0x0002, spp)}
	if frames != "" {
		e = append(e, dcmEl(0x0028, 0x0008, "IS", []byte(frames)))
	}
	return append(e, dcmUS(0x0028, 0x0010, rows), dcmUS(0x0028, 0x0011, cols), dcmUS(0x0028, 0x0100, bits), dcmUS(0x0028, 0x0103, 0))
}

// dicomBomb is a small damaged DICOM file whose header makes github.com/suyashkumar/dicom
// allocate gigabytes, and the part of the error it must give instead.
type dicomBomb struct {
	name string
	data []byte
	want string
}

func dicomBombs() []dicomBomb {
	img := func(rows, cols, bits, spp uint16, frames string, pixels ...[]byte) []byte {
		return dcmFile(tsExplicitLE, append(dcmImage(rows, cols, bits, spp, frames), pixels...)...)
	}
	// 65535×65535 pixels × 2 bytes × 16 frames = 137,434,759,200 bytes, which the library
	// compares with the 32-bit value length modulo 2³²: 4,290,773,024.
	wrapped := uint32(uint64(65535) * 65535 * 2 * 16 % (1 << 32))
	return []dicomBomb{
		{"frames", img(65535, 65535, 16, 1, "16", dcmHdr(0x7FE0, 0x0010, "OW", wrapped), make([]byte, 16)),
			"header says 65535×65535 pixels × 2 bytes × 16 frames (137.4 GB) but the file has"},
		{"frame-count", img(1, 1, 8, 1, "2000000000", dcmHdr(0x7FE0, 0x0010, "OB", 2_000_000_000), make([]byte, 16)),
			"header says 1×1 pixels × 1 bytes × 2000000000 frames (2.0 GB) but the file has"},
		{"one-bit", img(65535, 65535, 1, 1, "", dcmHdr(0x7FE0, 0x0010, "OB", 65535*65535/8), make([]byte, 16)),
			"header says 65535×65535 pixels × 0.125 bytes (536.9 MB) but the file has"},
		{"text", dcmFile(tsExplicitLE, dcmHdr(0x0010, 0x0010, "UT", 0xFFFF_FFF0), []byte("Doe^John")),
			"element (0010,0010) (VR UT) announces 4294967280 bytes (4.3 GB) but only 8 bytes of the file follow"},
		{"date", dcmFile(tsExplicitLE, dcmHdr(0x0008, 0x0020, "DA", 0xFFFF), []byte("20240101")),
			"element (0008,0020) (VR DA) has an undefined length"},
		{"bytes", dcmFile(tsExplicitLE, dcmHdr(0x0009, 0x1010, "OB", 0xFFFF_FFF0), make([]byte, 32)),
			"element (0009,1010) (VR OB) announces 4294967280 bytes (4.3 GB) but only 32 bytes"},
		{"implicit", dcmFile(tsImplicitLE, binary.LittleEndian.AppendUint32([]byte{0x10, 0, 0x10, 0}, 0xFFFF_FFF0), []byte("Doe^John")),
			"element (0010,0010) (VR PN) announces 4294967280 bytes (4.3 GB)"},
	}
}

// TestDICOMHeaderBombs reads damaged DICOM files of a few hundred bytes whose headers announce
// gigabytes. Each is read in a child process (this test binary again) whose address space is
// limited to 1 GiB more than it uses at start: a parser that allocates what the header says
// dies there ("fatal error: out of memory") instead of taking the machine down, and the test
// fails with the start of the child's output.
func TestDICOMHeaderBombs(t *testing.T) {
	if name := os.Getenv("GODL_TEST_DICOM_BOMB"); name != "" {
		readDICOMBomb(t, name)
		return
	}
	if runtime.GOOS != "linux" {
		t.Skip("needs Linux's RLIMIT_AS")
	}
	for _, b := range dicomBombs() {
		t.Run(b.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestDICOMHeaderBombs$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), "GODL_TEST_DICOM_BOMB="+b.name, "GOMEMLIMIT=512MiB", "GOTRACEBACK=single")
			out, err := cmd.CombinedOutput()
			if err != nil {
				lines := strings.SplitAfter(string(out), "\n")
				t.Fatalf("reading a damaged %d-byte DICOM file under a memory limit failed (%v):\n%s", len(b.data), err, strings.Join(lines[:min(len(lines), 12)], ""))
			}
			if !bytes.Contains(out, []byte("--- PASS: TestDICOMHeaderBombs")) {
				t.Fatalf("the child process did not run the test:\n%s", out)
			}
		})
	}
}

// readDICOMBomb is the child process of TestDICOMHeaderBombs: it reads the bomb name with at
// most 1 GiB more address space than it has now.
func readDICOMBomb(t *testing.T, name string) {
	defer limitAddressSpace(t, 1<<30)()
	debug.SetMemoryLimit(512 << 20)
	for _, b := range dicomBombs() {
		if b.name != name {
			continue
		}
		path := filepath.Join(t.TempDir(), b.name+".dcm")
		if err := os.WriteFile(path, b.data, 0o644); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := readDICOMFile(path)
		runtime.ReadMemStats(&after)
		t.Logf("%s (%d bytes): %v", path, len(b.data), err)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), b.want) || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("%s: error %v, want one naming the file, saying %q and that the file is damaged", b.name, err, b.want)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
			t.Errorf("%s: %d bytes allocated for a %d-byte file", b.name, grew, len(b.data))
		}
		return
	}
	t.Fatalf("no DICOM bomb named %q", name)
}

// TestCheckDICOM checks the structure walk on intact files and on the damage it must name.
func TestCheckDICOM(t *testing.T) {
	pix := func(n int) []byte { return dcmEl(0x7FE0, 0x0010, "OW", make([]byte, n)) }
	good := map[string][]byte{
		"written by the library": dicomBytes(t, 3, 4),
		"explicit":               dcmFile(tsExplicitLE, append(dcmImage(3, 4, 16, 1, "1"), pix(24))...),
		"padded":                 dcmFile(tsExplicitLE, append(dcmImage(3, 3, 8, 1, ""), pix(9), make([]byte, 8))...),
		"sequence": dcmFile(tsExplicitLE, append(dcmImage(2, 2, 16, 1, ""),
			// (0008,1140) SQ of undefined length: one item of undefined length with a UI, then the
			// item and sequence delimiters.
			dcmHdr(0x0008, 0x1140, "SQ", 0xFFFF_FFFF),
			[]byte{0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF},
			dcmEl(0x0008, 0x1155, "UI", []byte("1.2.3")),
			[]byte{0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0},
			[]byte{0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0},
			pix(8))...),
	}
	// The library's own files in the other uncompressed transfer syntaxes.
	for _, ts := range []string{uid.ImplicitVRLittleEndian, uid.ExplicitVRBigEndian} {
		in := dicomBytes(t, 3, 4)
		ds, err := dicom.Parse(bytes.NewReader(in), int64(len(in)), nil)
		if err != nil {
			t.Fatal(err)
		}
		e, err := ds.FindElementByTag(tag.TransferSyntaxUID)
		if err != nil {
			t.Fatal(err)
		}
		if e.Value, err = dicom.NewValue([]string{ts}); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := dicom.Write(&b, ds); err != nil {
			t.Fatalf("dicom.Write %s: %v", ts, err)
		}
		good["transfer syntax "+ts] = b.Bytes()
	}
	for name, b := range good {
		if err := checkDICOM(b, name+".dcm"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if _, _, _, err := ReadDICOMSlice(bytes.NewReader(b), int64(len(b)), name+".dcm"); err != nil {
			t.Errorf("%s: ReadDICOMSlice: %v", name, err)
		}
	}
	deep := dcmFile(tsExplicitLE)
	for range 40 {
		deep = append(deep, dcmHdr(0x0008, 0x1140, "SQ", 0xFFFF_FFFF)...)
		deep = append(deep, 0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF)
	}
	bad := map[string]struct {
		data []byte
		want string
	}{
		"no preamble":  {[]byte("junk"), "no \"DICM\" marker at byte 128"},
		"jpeg":         {dcmFile("1.2.840.10008.1.2.4.50", dcmImage(2, 2, 8, 1, "")...), "transfer syntax \"1.2.840.10008.1.2.4.50\""},
		"deflate":      {dcmFile("1.2.840.10008.1.2.1.99"), "deflate-compressed"},
		"frames":       {dcmFile(tsExplicitLE, append(dcmImage(2, 2, 8, 1, "2"), pix(8))...), "DICOM with 2 frames: one slice (one frame) per file"},
		"short pixels": {dcmFile(tsExplicitLE, append(dcmImage(2, 2, 16, 1, ""), pix(6))...), "pixel data has 6 bytes but the header says 2×2 pixels × 2 bytes = 8 bytes"},
		"no rows":      {dcmFile(tsExplicitLE, dcmUS(0x0028, 0x0011, 2), dcmUS(0x0028, 0x0100, 8), dcmUS(0x0028, 0x0002, 1), pix(4)), "no Rows (0028,0010) before the pixel data"},
		"encapsulated": {dcmFile(tsExplicitLE, append(dcmImage(2, 2, 8, 1, ""), dcmHdr(0x7FE0, 0x0010, "OB", 0xFFFF_FFFF))...), "compressed (encapsulated)"},
		"nesting":      {deep, "sequences nested more than 32 deep"},
		"item length":  {dcmFile(tsExplicitLE, dcmHdr(0x0008, 0x1140, "SQ", 16), []byte{0xFE, 0xFF, 0x00, 0xE0, 0xF0, 0xFF, 0xFF, 0xFF}, make([]byte, 8)), "announces 4294967280 bytes"},
		"too big":      {make([]byte, maxDICOMBytes+1), "more than the 67.1 MB a single slice can have"},
	}
	for name, b := range bad {
		err := checkDICOM(b.data, "x/"+name+".dcm")
		if err == nil || !strings.Contains(err.Error(), "datasets: x/"+name+".dcm") || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: %v, want an error naming the file and saying %q", name, err, b.want)
		}
	}
}

// FuzzDICOMHeader feeds arbitrary headers to the structure check and to the DICOM library
// behind it, in a process whose address space is limited (Linux) and with a soft memory limit:
// whatever the header says, reading a file may allocate only a small multiple of its size.
func FuzzDICOMHeader(f *testing.F) {
	f.Add(dicomBytes(f, 2, 3))
	f.Add(dcmFile(tsImplicitLE))
	for _, b := range dicomBombs() {
		f.Add(b.data)
	}
	defer limitAddressSpace(f, 2<<30)()
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 30))
	f.Fuzz(func(t *testing.T, in []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		checked := checkDICOM(in, "fuzz.dcm")
		hu, rows, cols, err := ReadDICOMSlice(bytes.NewReader(in), int64(len(in)), "fuzz.dcm")
		runtime.ReadMemStats(&after)
		if grew, bound := after.TotalAlloc-before.TotalAlloc, uint64(64*len(in)+1<<20); grew > bound {
			t.Fatalf("%d bytes allocated for a %d-byte file (check: %v; read: %v)", grew, len(in), checked, err)
		}
		if checked != nil && err == nil {
			t.Fatalf("ReadDICOMSlice read a file that the check refuses: %v", checked)
		}
		if err == nil && (len(hu) != rows*cols || rows*cols > len(in)) {
			t.Fatalf("%d values for %d×%d from %d bytes", len(hu), rows, cols, len(in))
		}
	})
}
