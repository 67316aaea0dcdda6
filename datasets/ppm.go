package datasets

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

// ReadPPM decodes a binary PPM (P6) image, the format of GTSRB: header "P6 <width> <height>
// <maxval>" (ASCII, separated by whitespace, '#' comments allowed) then width·height RGB
// triplets of 1 byte (maxval < 256) or 2 bytes big-endian (maxval ≥ 256). It returns the
// pixels H×W×3 as float32 in [0,1] (sample / maxval). name is used in errors, which give the
// byte offset of the problem.
func ReadPPM(r io.Reader, name string) (pix []float32, h, w int, err error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var off int64
	readByte := func() (byte, error) {
		b, err := br.ReadByte()
		if err == nil {
			off++
		}
		return b, err
	}
	m0, e0 := readByte()
	m1, e1 := readByte()
	if e0 != nil || e1 != nil || m0 != 'P' || m1 != '6' {
		return nil, 0, 0, formatErrorAt(name, 0, "bad PPM header: not a binary PPM (magic \"P6\" expected)")
	}
	// readUint reads whitespace/comments then a decimal number.
	readUint := func(what string) (int, error) {
		var b byte
		var err error
		for {
			b, err = readByte()
			if err != nil {
				return 0, formatErrorAt(name, off, "bad PPM header: truncated before the %s", what)
			}
			if b == '#' {
				for b != '\n' && b != '\r' {
					if b, err = readByte(); err != nil {
						return 0, formatErrorAt(name, off, "bad PPM header: truncated in a comment before the %s", what)
					}
				}
				continue
			}
			if b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f' {
				continue
			}
			break
		}
		if b < '0' || b > '9' {
			return 0, formatErrorAt(name, off-1, "bad PPM header: %s expected, found %q", what, b)
		}
		v := 0
		for b >= '0' && b <= '9' {
			v = 10*v + int(b-'0')
			if v > 1<<20 {
				return 0, formatErrorAt(name, off, "bad PPM header: %s too large", what)
			}
			if b, err = readByte(); err != nil {
				return 0, formatErrorAt(name, off, "bad PPM header: truncated after the %s", what)
			}
		}
		// b is the single whitespace that ends the number.
		if b != ' ' && b != '\t' && b != '\n' && b != '\r' && b != '\v' && b != '\f' && b != '#' {
			return 0, formatErrorAt(name, off-1, "bad PPM header: unexpected %q after the %s", b, what)
		}
		if b == '#' {
			br.UnreadByte()
			off--
		}
		return v, nil
	}
	if w, err = readUint("width"); err != nil {
		return nil, 0, 0, err
	}
	if h, err = readUint("height"); err != nil {
		return nil, 0, 0, err
	}
	maxval, err := readUint("maxval")
	if err != nil {
		return nil, 0, 0, err
	}
	if w == 0 || h == 0 || w*h > maxPixels {
		return nil, 0, 0, formatErrorAt(name, off, "bad PPM header: size %d×%d", w, h)
	}
	if maxval == 0 || maxval > 65535 {
		return nil, 0, 0, formatErrorAt(name, off, "bad PPM header: maxval %d, want 1..65535", maxval)
	}
	bps := 1
	if maxval >= 256 {
		bps = 2
	}
	n := w * h * 3
	raw := make([]byte, 0, min(n*bps, 1<<20))
	buf := make([]byte, 1<<16)
	for len(raw) < n*bps {
		k, err := br.Read(buf[:min(len(buf), n*bps-len(raw))])
		raw = append(raw, buf[:k]...)
		if err != nil {
			if err == io.EOF {
				return nil, 0, 0, formatErrorAt(name, off+int64(len(raw)), "truncated PPM: %d×%d pixels need %d bytes of data, found %d", w, h, n*bps, len(raw))
			}
			return nil, 0, 0, formatErrorAt(name, off+int64(len(raw)), "reading PPM data: %v", err)
		}
	}
	pix = make([]float32, n)
	mv := float32(maxval)
	for i := range pix {
		var v int
		if bps == 1 {
			v = int(raw[i])
		} else {
			v = int(raw[2*i])<<8 | int(raw[2*i+1])
		}
		if v > maxval {
			return nil, 0, 0, formatErrorAt(name, off+int64(i*bps), "PPM sample %d is larger than maxval %d", v, maxval)
		}
		pix[i] = float32(v) / mv
	}
	return pix, h, w, nil
}

// readPPMFile reads a PPM file from disk.
func readPPMFile(path string) (picture, error) {
	f, err := os.Open(path)
	if err != nil {
		return picture{}, err
	}
	defer f.Close()
	pix, h, w, err := ReadPPM(f, path)
	if err != nil {
		return picture{}, err
	}
	return picture{h: h, w: w, c: 3, pix: pix}, nil
}

// WritePPM encodes an H×W×3 image with values in [0,1] as binary PPM (P6, maxval 255).
func WritePPM(wr io.Writer, pix []float32, h, w int) error {
	if len(pix) != h*w*3 {
		return fmt.Errorf("datasets: WritePPM: %d values for %d×%d×3", len(pix), h, w)
	}
	bw := bufio.NewWriter(wr)
	fmt.Fprintf(bw, "P6\n%d %d\n255\n", w, h)
	for _, v := range pix {
		bw.WriteByte(byte(min(max(v, 0), 1)*255 + 0.5))
	}
	return bw.Flush()
}
