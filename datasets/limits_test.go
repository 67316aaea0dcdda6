package datasets

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image/color"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Small hand-made files that announce, or expand to, far more than they hold.

// zeroZip returns a zip archive holding name: size zero bytes, deflated (about 1000:1).
func zeroZip(t *testing.T, name string, size int) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, size))
	zw.Close()
	return b.Bytes()
}

// zeroTarGz returns a .tar.gz archive holding name: size zero bytes.
func zeroTarGz(t *testing.T, name string, size int) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(size), Typeflag: tar.TypeReg})
	tw.Write(make([]byte, size))
	tw.Close()
	zw.Close()
	return b.Bytes()
}

// overlappingZip returns a zip archive whose central directory lists the one stored file a.bin a
// second time as b.bin, at the same offset: the two entries share their data (the trick of
// "better zip bombs", which multiplies one compressed kernel by the number of entries).
func overlappingZip(t *testing.T) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("a.bin")
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 1 << 12 {
		binary.Write(w, binary.LittleEndian, rnd.Uint64())
	}
	zw.Close()
	z := b.Bytes()
	eocd := bytes.LastIndex(z, []byte("PK\x05\x06"))
	cdStart := int(binary.LittleEndian.Uint32(z[eocd+16:]))
	rec := bytes.Clone(z[cdStart:eocd]) // the one central directory record
	copy(rec[46:], "b.bin")
	out := append(bytes.Clone(z[:eocd]), rec...)
	end := bytes.Clone(z[eocd:])
	binary.LittleEndian.PutUint16(end[8:], 2)
	binary.LittleEndian.PutUint16(end[10:], 2)
	binary.LittleEndian.PutUint32(end[12:], uint32(2*len(rec)))
	return append(out, end...)
}

// TestExtractBombs: archives of a few kilobytes that expand to megabytes (1000:1) or that list
// the same data twice are refused with an error naming the archive, the entry and why; nothing
// is left behind. The limits fit in a student's home folder (10 GiB on JupyterHub).
func TestExtractBombs(t *testing.T) {
	if maxExtractBytes > 10<<30 {
		t.Errorf("Extract writes up to %d bytes from one archive: more than a student's home folder (10 GiB)", maxExtractBytes)
	}
	dir := t.TempDir()
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"zeros.zip":    {zeroZip(t, "data/zeros.bin", 8<<20), `entry "data/zeros.bin" expands`},
		"zeros.tar.gz": {zeroTarGz(t, "data/zeros.bin", 8<<20), `entry "data/zeros.bin" expands`},
		"overlap.zip":  {overlappingZip(t), `entries "a.bin" and "b.bin" share their compressed data`},
	} {
		archive := filepath.Join(dir, name)
		if err := os.WriteFile(archive, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		dest := filepath.Join(dir, "out-"+name)
		err := Extract(archive, dest)
		if err == nil || !strings.Contains(err.Error(), archive) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "delete "+archive) {
			t.Errorf("%s (%d bytes): error %v, want one naming the archive and saying %q and what to do", name, len(c.data), err, c.want)
		}
		if dirExists(dest) {
			t.Errorf("%s: %s left behind", name, dest)
		}
	}
	// An ordinary archive of incompressible data still extracts.
	rnd := rand.New(rand.NewPCG(3, 4))
	noise := make([]byte, 3<<20)
	for i := range noise {
		noise[i] = byte(rnd.Uint32())
	}
	good := filepath.Join(dir, "noise.tar.gz")
	os.WriteFile(good, tarGz(t, map[string]string{"noise.bin": string(noise), "zeros.txt": string(make([]byte, 100<<10))}, ""), 0o644)
	if err := Extract(good, filepath.Join(dir, "noise")); err != nil {
		t.Errorf("ordinary archive refused: %v", err)
	}
}

// TestDecodePNGHeaderBomb: a 1-pixel PNG whose header is changed to announce 8000×8000 16-bit
// RGBA pixels (512 MB, under the pixel limit) is refused before the decoder allocates them.
func TestDecodePNGHeaderBomb(t *testing.T) {
	b := pngBytes(t, 1, 1, func(x, y int) color.Color { return color.Black })
	binary.BigEndian.PutUint32(b[16:], 8000)
	binary.BigEndian.PutUint32(b[20:], 8000)
	b[24], b[25] = 16, 6 // bit depth, colour type RGBA
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := decodePNG(bytes.NewReader(b), "mask.png", 1)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "mask.png") || !strings.Contains(err.Error(), "8000×8000 pixels") || !strings.Contains(err.Error(), "cannot hold them") {
		t.Errorf("error %v, want one saying that the %d-byte file cannot hold 8000×8000 pixels", err, len(b))
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("%d bytes allocated for a %d-byte PNG file", grew, len(b))
	}
}

// TestGTSRBCSVBombs: a CSV file of many lines, or announcing a huge image, is refused before
// the loader makes room for the images it lists.
func TestGTSRBCSVBombs(t *testing.T) {
	const header = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n"
	_, err := ReadGTSRBCSV(strings.NewReader(header+"a.ppm;100000;100000;0;0;99999;99999;1\n"), "GT-00001.csv")
	if err == nil || !strings.Contains(err.Error(), "GT-00001.csv: line 2: image size 100000×100000") {
		t.Errorf("huge image: %v", err)
	}
	_, err = ReadGTSRBCSV(strings.NewReader(header+"a.ppm;5;5;0;0;4;4;1\nb.ppm;5;5;0;0;4;4;1\na.ppm;5;5;0;0;4;4;1\n"), "GT-00001.csv")
	if err == nil || !strings.Contains(err.Error(), "GT-00001.csv: line 4: a.ppm is listed twice (first on line 2)") {
		t.Errorf("file listed twice: %v", err)
	}
	// 20,000 lines (700 kB) naming photos that are not there: 20,000 × 64×64×3 values = 983 MB
	// if the loader allocates before looking.
	dir := t.TempDir()
	cdir := filepath.Join(dir, "Final_Training", "Images", "00000")
	var csv strings.Builder
	csv.WriteString(header)
	for i := range 20000 {
		fmt.Fprintf(&csv, "%05d_%05d.ppm;30;30;0;0;29;29;0\n", i/30, i%30)
	}
	writeFile(t, filepath.Join(cdir, "GT-00000.csv"), []byte(csv.String()))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err = GTSRBWith(GTSRBOptions{Dir: dir, Size: 64})
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "GT-00000.csv: line 2: 00000_00000.ppm is not in "+cdir) {
		t.Errorf("error %v, want one naming the CSV line and the missing photo", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("%d bytes allocated for a CSV file of %d bytes listing missing photos", grew, csv.Len())
	}
}

// ---- Tests of functions that did not exist before the limits. ----

// TestExtractLimits: the limit of each data set's archive, and its message.
func TestExtractLimits(t *testing.T) {
	for _, l := range []extractLimit{cifarExtractLimit, gtsrbTrainExtractLimit, gtsrbTestExtractLimit, gtsrbGTExtractLimit} {
		if l.bytes > maxExtractBytes || l.why == "" {
			t.Errorf("limit %+v", l)
		}
	}
	rnd := rand.New(rand.NewPCG(5, 6))
	noise := make([]byte, 600<<10)
	for i := range noise {
		noise[i] = byte(rnd.Uint32())
	}
	dir := t.TempDir()
	archive := filepath.Join(dir, "cifar-10-binary.tar.gz")
	os.WriteFile(archive, tarGz(t, map[string]string{"a.bin": string(noise), "b.bin": string(noise)}, ""), 0o644)
	err := extractLimited(archive, filepath.Join(dir, "out"), extractLimit{1 << 20, "the limit for a test, whose files take 1 MB"})
	if err == nil || !strings.Contains(err.Error(), "more than 1.0 MB (the limit for a test, whose files take 1 MB): refused") || dirExists(filepath.Join(dir, "out")) {
		t.Errorf("total limit: %v", err)
	}
	zipped := filepath.Join(dir, "x.zip")
	os.WriteFile(zipped, zipBytes(t, map[string]string{"a.bin": string(noise), "b.bin": string(noise)}), 0o644)
	err = extractLimited(zipped, filepath.Join(dir, "zout"), extractLimit{1 << 20, "the limit for a test"})
	if err == nil || !strings.Contains(err.Error(), "more than 1.0 MB (the limit for a test)") {
		t.Errorf("total limit (zip): %v", err)
	}
}
