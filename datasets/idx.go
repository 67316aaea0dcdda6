package datasets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
)

// IDX is the content of an IDX file (the format of MNIST and Fashion-MNIST): a tensor of
// unsigned bytes with shape Dims, row-major.
//
// File layout (big-endian): 0x00 0x00, type (0x08 = unsigned byte), number of dimensions k,
// k uint32 sizes, then prod(sizes) bytes.
type IDX struct {
	Dims []int
	Data []byte
}

// maxIDXElements bounds the size an IDX header may announce (1 GiB), so that a corrupt header
// gives an error instead of an enormous allocation.
const maxIDXElements = 1 << 30

// ReadIDX parses an IDX file from r; name is used in error messages. Gzip-compressed input
// (the .gz files as distributed) is detected and decompressed.
//
// Errors are [*FormatError]s with the offset in the uncompressed IDX stream: wrong magic,
// unsupported type, truncated data, trailing bytes.
func ReadIDX(r io.Reader, name string) (*IDX, error) {
	return readIDX(r, name, nil)
}

// readIDX is ReadIDX that also feeds the uncompressed bytes to h (when not nil).
func readIDX(r io.Reader, name string, h hash.Hash) (*IDX, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, formatErrorAt(name, 0, "corrupt gzip header: %v", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(gzipErrReader{zr}, 1<<16)
	}
	if h != nil {
		br = bufio.NewReaderSize(io.TeeReader(br, h), 1<<16)
	}
	var hdr [4]byte
	if n, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, idxReadError(name, int64(n), "magic number", err)
	}
	if hdr[0] != 0 || hdr[1] != 0 {
		return nil, formatErrorAt(name, 0, "wrong magic number % x: an IDX file starts with 00 00 08 <dims> (is it an IDX file?)", hdr)
	}
	if hdr[2] != 0x08 {
		return nil, formatErrorAt(name, 2, "IDX data type 0x%02x not supported, want 0x08 (unsigned byte)", hdr[2])
	}
	k := int(hdr[3])
	if k < 1 || k > 4 {
		return nil, formatErrorAt(name, 3, "IDX with %d dimensions, want 1 to 4", k)
	}
	idx := &IDX{Dims: make([]int, k)}
	total := 1
	for i := range k {
		var b [4]byte
		off := int64(4 + 4*i)
		if n, err := io.ReadFull(br, b[:]); err != nil {
			return nil, idxReadError(name, off+int64(n), fmt.Sprintf("size of dimension %d", i), err)
		}
		d := int(binary.BigEndian.Uint32(b[:]))
		idx.Dims[i] = d
		if d == 0 {
			total = 0
		} else if total > 0 {
			if d > maxIDXElements || total*d > maxIDXElements {
				return nil, formatErrorAt(name, off, "IDX sizes %v announce more than %d bytes (corrupt header?)", idx.Dims[:i+1], maxIDXElements)
			}
			total *= d
		}
	}
	start := int64(4 + 4*k)
	// Read at most total+1 bytes, growing the buffer as data arrive: a lying header costs no
	// more memory than the data actually present.
	var buf bytes.Buffer
	buf.Grow(min(total, 1<<24) + 1)
	n, err := io.Copy(&buf, io.LimitReader(br, int64(total)+1))
	if err != nil {
		return nil, idxReadError(name, start+n, "data", err)
	}
	if n < int64(total) {
		return nil, formatErrorAt(name, start+n, "truncated: sizes %v need %d data bytes, the file has %d", idx.Dims, total, n)
	}
	if n > int64(total) {
		return nil, formatErrorAt(name, start+int64(total), "trailing bytes after the %d data bytes announced by sizes %v", total, idx.Dims)
	}
	idx.Data = buf.Bytes()
	return idx, nil
}

// gzipErrReader marks the errors of a gzip stream, so that a truncated .gz file is reported as
// such and not as a truncated IDX file.
type gzipErrReader struct{ r io.Reader }

type gzipError struct{ err error }

func (e gzipError) Error() string {
	if e.err == io.ErrUnexpectedEOF {
		return "truncated gzip stream"
	}
	return "corrupt gzip data: " + e.err.Error()
}

func (g gzipErrReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = gzipError{err}
	}
	return n, err
}

func idxReadError(name string, off int64, what string, err error) error {
	var ge gzipError
	if errors.As(err, &ge) {
		return formatErrorAt(name, off, "%v (while reading the %s)", ge, what)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return formatErrorAt(name, off, "truncated while reading the %s", what)
	}
	return formatErrorAt(name, off, "reading the %s: %v", what, err)
}

// ReadIDXFile reads an IDX file (gzip-compressed or not) from disk.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadIDX(f, path)
}

// idxImagesLabels builds a classification Dataset from an IDX image tensor [N, H, W] (or
// [N, H, W, C]) and an IDX label vector [N]. Pixels are scaled to [0,1]: x = byte / 255.
func idxImagesLabels(name string, images *IDX, imagesFile string, labels *IDX, labelsFile string, classes []string) (*Dataset, error) {
	if len(images.Dims) != 3 && len(images.Dims) != 4 {
		return nil, formatErrorAt(imagesFile, 3, "images file has sizes %v, want [N H W] or [N H W C]", images.Dims)
	}
	if len(labels.Dims) != 1 {
		return nil, formatErrorAt(labelsFile, 3, "labels file has sizes %v, want [N]", labels.Dims)
	}
	n := images.Dims[0]
	if labels.Dims[0] != n {
		return nil, formatErrorAt(labelsFile, 4, "label/image count mismatch: %d labels in %s, %d images in %s", labels.Dims[0], labelsFile, n, imagesFile)
	}
	shape := append([]int(nil), images.Dims[1:]...)
	if len(shape) == 2 {
		shape = append(shape, 1)
	}
	d := &Dataset{Name: name, Shape: shape, Classes: classes, X: bytesToUnit(images.Data), Labels: make([]int, n)}
	for i, l := range labels.Data {
		if int(l) >= len(classes) {
			return nil, formatErrorAt(labelsFile, int64(8+i), "label %d of example %d is not a class id in [0,%d)", l, i, len(classes))
		}
		d.Labels[i] = int(l)
	}
	return d, nil
}

// bytesToUnit converts bytes to float32 in [0,1]: x = b / 255.
func bytesToUnit(b []byte) []float32 {
	var lut [256]float32
	for i := range lut {
		lut[i] = float32(i) / 255
	}
	x := make([]float32, len(b))
	for i, v := range b {
		x[i] = lut[v]
	}
	return x
}
