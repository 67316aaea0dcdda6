package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// idxBytes encodes an unsigned-byte IDX file.
func idxBytes(dims []int, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	return b.Bytes()
}

func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// writeIDXSet writes the four MNIST files into dir: nTrain/nTest images of 2×3 pixels where
// pixel j of image i is (i*6+j) mod 256, and label i mod 10.
func writeIDXSet(t testing.TB, dir string, nTrain, nTest int) {
	t.Helper()
	write := func(name string, n int, images bool) {
		var data []byte
		var dims []int
		if images {
			dims = []int{n, 2, 3}
			for i := range n * 6 {
				data = append(data, byte(i))
			}
		} else {
			dims = []int{n}
			for i := range n {
				data = append(data, byte(i%10))
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), gzipBytes(idxBytes(dims, data)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("train-images-idx3-ubyte.gz", nTrain, true)
	write("train-labels-idx1-ubyte.gz", nTrain, false)
	write("t10k-images-idx3-ubyte.gz", nTest, true)
	write("t10k-labels-idx1-ubyte.gz", nTest, false)
}

func TestReadIDX(t *testing.T) {
	data := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255}
	raw := idxBytes([]int{2, 2, 3}, data)
	for name, in := range map[string][]byte{"raw": raw, "gzip": gzipBytes(raw)} {
		idx, err := ReadIDX(bytes.NewReader(in), name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(idx.Dims) != 3 || idx.Dims[0] != 2 || idx.Dims[1] != 2 || idx.Dims[2] != 3 || !bytes.Equal(idx.Data, data) {
			t.Fatalf("%s: got %v %v", name, idx.Dims, idx.Data)
		}
	}
}

func TestReadIDXErrors(t *testing.T) {
	good := idxBytes([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	cases := []struct {
		name string
		in   []byte
		want string // substring of the error
	}{
		{"empty", nil, "offset 0: truncated while reading the magic"},
		{"wrong magic", append([]byte{1, 2}, good[2:]...), "offset 0: wrong magic"},
		{"float type", append([]byte{0, 0, 0x0d}, good[3:]...), "offset 2: IDX data type 0x0d"},
		{"no dims", []byte{0, 0, 8, 0}, "offset 3: IDX with 0 dimensions"},
		{"truncated header", good[:6], "offset 6: truncated while reading the size of dimension 0"},
		{"truncated data", good[:len(good)-2], "offset 16: truncated: sizes [2 3] need 6 data bytes, the file has 4"},
		{"trailing", append(append([]byte{}, good...), 7), "offset 18: trailing bytes"},
		{"huge", idxBytes([]int{1 << 20, 1 << 20}, nil), "announce more than"},
		{"truncated gzip", gzipBytes(good)[:20], "gzip"},
	}
	for _, c := range cases {
		_, err := ReadIDX(bytes.NewReader(c.in), "x.idx")
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: err = %v, want a FormatError", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "x.idx") {
			t.Errorf("%s: error %q, want it to name x.idx and contain %q", c.name, err, c.want)
		}
	}
}

func TestIDXImagesLabels(t *testing.T) {
	dir := t.TempDir()
	writeIDXSet(t, dir, 12, 4)
	train, test, err := mnistLikeSet().load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 12 || test.Len() != 4 {
		t.Fatalf("got %d/%d examples", train.Len(), test.Len())
	}
	// Image 1, pixel (row 1, col 2) is byte 6+5 = 11 → 11/255.
	if got, want := rawImage(train, 1)[5], float32(11)/255; got != want {
		t.Errorf("pixel = %v, want %v", got, want)
	}
	if train.Labels[11] != 1 || len(train.Shape) != 3 || train.Shape[2] != 1 {
		t.Errorf("labels/shape wrong: %v %v", train.Labels, train.Shape)
	}
	// Label/image count mismatch names both files.
	os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), gzipBytes(idxBytes([]int{3}, []byte{1, 2, 3})), 0o644)
	_, _, err = mnistLikeSet().load(dir)
	if err == nil || !strings.Contains(err.Error(), "label/image count mismatch: 3 labels") || !strings.Contains(err.Error(), "t10k-images") {
		t.Errorf("count mismatch: err = %v", err)
	}
	// A label that is not a class id.
	os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), gzipBytes(idxBytes([]int{4}, []byte{1, 2, 3, 10})), 0o644)
	_, _, err = mnistLikeSet().load(dir)
	if err == nil || !strings.Contains(err.Error(), "offset 11: label 10 of example 3") {
		t.Errorf("bad label: err = %v", err)
	}
}

// mnistLikeSet is the MNIST description without content checksums (for generated files).
func mnistLikeSet() *idxSet {
	s := mnistSet
	for i := range s.files {
		s.files[i].contentSHA256, s.files[i].fileSHA256, s.files[i].fileMD5 = "", "", ""
	}
	return &s
}

func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(gzipBytes(idxBytes([]int{1, 2, 2}, []byte{1, 2, 3, 4})))
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		idx, err := ReadIDX(bytes.NewReader(in), "fuzz")
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error is not a FormatError: %v", err)
			}
			return
		}
		if prod(idx.Dims) != len(idx.Data) {
			t.Fatalf("dims %v but %d bytes", idx.Dims, len(idx.Data))
		}
	})
}
