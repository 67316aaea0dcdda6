package datasets

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"cmp"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/godl-course/godl/internal/atomicfile"
)

// Limits against decompression bombs (a 1 MB archive that expands to gigabytes and fills the
// student's home folder: 10 GiB on the course's JupyterHub).
var (
	// maxExtractBytes bounds the total size that [Extract] writes from one archive: 4 GiB, a bit
	// above the largest data set of the course once extracted (CHAOS_Train_Sets.zip, about
	// 2 GB) and well below a student's home folder. The loaders use tighter limits for their own
	// archives (cifarExtractLimit, ...).
	maxExtractBytes int64 = 4 << 30
	// maxExtractRatio bounds how much one entry may expand (uncompressed / compressed size): the
	// data sets' files (photos, DICOM slices, PNG masks, CSV) compress less than 20×; deflate can
	// reach 1032×.
	maxExtractRatio int64 = 200
	// extractRatioSlack is the size below which an entry is not checked for its ratio (a small
	// CSV or an empty file may compress well).
	extractRatioSlack int64 = 1 << 20
)

// extractLimit is the most an extraction may write, and why, for the errors.
type extractLimit struct {
	bytes int64
	why   string // e.g. "the limit for CIFAR-10, whose files take 184 MB"
}

// The limits of the archives the loaders extract: a few times their real content.
var (
	cifarExtractLimit      = extractLimit{512 << 20, "the limit for cifar-10-binary.tar.gz, whose files take 184 MB"}
	gtsrbTrainExtractLimit = extractLimit{2 << 30, "the limit for GTSRB_Final_Training_Images.zip, whose photos take a few hundred MB"}
	gtsrbTestExtractLimit  = extractLimit{1 << 30, "the limit for GTSRB_Final_Test_Images.zip, whose photos take about 150 MB"}
	gtsrbGTExtractLimit    = extractLimit{16 << 20, "the limit for GTSRB_Final_Test_GT.zip, whose CSV file takes 0.5 MB"}
)

// defaultExtractLimit is the limit of [Extract].
func defaultExtractLimit() extractLimit {
	return extractLimit{maxExtractBytes, "the limit of datasets.Extract, above the largest data set of the course"}
}

// Extract unpacks a .zip, .tar, .tar.gz or .tgz archive into the folder dest.
//
// It is safe against malicious archives: entries with absolute paths or ".." components, and
// links, are refused with an error naming the entry. So are decompression bombs: an archive
// that would write more than 4 GiB in all, an entry that expands more than 200 times (deflate
// can reach 1000), zip entries sharing their compressed data. The archive is extracted into a
// temporary folder next to dest which is renamed to dest only when everything was written:
// dest is either absent or complete. dest must not exist yet.
func Extract(archive, dest string) error { return extractLimited(archive, dest, defaultExtractLimit()) }

// extractLimited is [Extract] writing at most lim.bytes.
func extractLimited(archive, dest string, lim extractLimit) error {
	if dirExists(dest) {
		return fmt.Errorf("datasets: extracting %s: %s already exists", archive, dest)
	}
	return atomicfile.WriteDir(dest, func(tmp string) error {
		x := &extraction{archive: archive, dest: tmp, limit: lim}
		lower := strings.ToLower(archive)
		switch {
		case strings.HasSuffix(lower, ".zip"):
			return x.zipFile()
		case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"), strings.HasSuffix(lower, ".tar"):
			return x.tarFile()
		}
		return fmt.Errorf("datasets: %s: unknown archive type (want .zip, .tar, .tar.gz or .tgz)", archive)
	})
}

// extraction is one archive being extracted into dest.
type extraction struct {
	archive, dest string
	limit         extractLimit
	written       int64 // bytes written so far, all entries
}

// remedy is what to do about an archive refused as a bomb.
func (x *extraction) remedy() string {
	return fmt.Sprintf("this is not the expected archive: delete %s and run again to download it", x.archive)
}

// tooLarge refuses an entry that would take the extraction past its limit.
func (x *extraction) tooLarge(entry string, size int64) error {
	return fmt.Errorf("datasets: %s: entry %q would take the extracted files to %s or more, more than %s (%s): refused as a decompression bomb; %s",
		x.archive, entry, humanBytes(float64(size)), humanBytes(float64(x.limit.bytes)), x.limit.why, x.remedy())
}

// tooCompressed refuses an entry that expands more than maxExtractRatio times.
func (x *extraction) tooCompressed(entry string, size, compressed int64) error {
	return fmt.Errorf("datasets: %s: entry %q expands %s of compressed data to %s or more (%d×), while data sets compress at most %d×: refused as a decompression bomb; %s",
		x.archive, entry, humanBytes(float64(compressed)), humanBytes(float64(size)), size/max(compressed, 1), maxExtractRatio, x.remedy())
}

// safeJoin returns dir/name for an archive entry name, or an error when the name would escape
// dir (absolute path, "..", backslashes used as separators, empty).
func safeJoin(dir, name, archive string) (string, error) {
	if name == "" || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("datasets: %s: entry with an empty or invalid name %q", archive, name)
	}
	n := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(n, "/") || (len(n) > 1 && n[1] == ':') {
		return "", fmt.Errorf("datasets: %s: entry %q has an absolute path: %w", archive, name, errUnsafePath)
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", fmt.Errorf("datasets: %s: entry %q leaves the destination folder: %w", archive, name, errUnsafePath)
		}
	}
	clean := path.Clean(n)
	if clean == "." {
		return dir, nil
	}
	return filepath.Join(dir, filepath.FromSlash(clean)), nil
}

func (x *extraction) tarFile() error {
	f, err := os.Open(x.archive)
	if err != nil {
		return err
	}
	defer f.Close()
	return x.tar(f)
}

// extractTar unpacks a tar stream (gzip-compressed or not) into dest, with the limits of
// [Extract].
func extractTar(r io.Reader, archive, dest string) error {
	x := &extraction{archive: archive, dest: dest, limit: defaultExtractLimit()}
	return x.tar(r)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// tar unpacks a tar stream (gzip-compressed or not). The compressed bytes read so far bound the
// bytes written, in all and for each entry: at most maxExtractRatio times as many (beyond
// extractRatioSlack).
func (x *extraction) tar(r io.Reader) error {
	in := &countingReader{r: r}
	const readAhead = 64 << 10 // bytes of in that br may hold before they are decompressed
	br := bufio.NewReaderSize(in, readAhead)
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("datasets: %s: corrupt gzip header: %v", x.archive, err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	tr := tar.NewReader(br)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("datasets: %s: corrupt tar archive after %d bytes: %v", x.archive, x.written, err)
		}
		target, err := safeJoin(x.dest, h.Name, x.archive)
		if err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if h.Size > x.limit.bytes-x.written {
				return x.tooLarge(h.Name, x.written+h.Size)
			}
			start := in.n
			err := x.writeEntry(target, tr, func(n int64) error {
				// Compressed bytes read so far (read-ahead included) against bytes written.
				if all := x.written + n; all > extractRatioSlack && all > maxExtractRatio*in.n {
					return x.tooCompressed(h.Name, all, in.n)
				}
				if comp := in.n - start + readAhead; n > extractRatioSlack && n > maxExtractRatio*comp {
					return x.tooCompressed(h.Name, n, comp)
				}
				return nil
			})
			if err != nil {
				return x.entryError(h.Name, err)
			}
		case tar.TypeXGlobalHeader, tar.TypeXHeader:
		default:
			return fmt.Errorf("datasets: %s: entry %q is a link or special file (type %q), refused: %w", x.archive, h.Name, h.Typeflag, errUnsafePath)
		}
	}
}

func (x *extraction) zipFile() error {
	zr, err := zip.OpenReader(x.archive)
	if err != nil {
		return fmt.Errorf("datasets: %s: not a valid zip archive: %v", x.archive, err)
	}
	defer zr.Close()
	return x.zip(&zr.Reader)
}

// extractZipReader unpacks a zip archive into dest, with the limits of [Extract].
func extractZipReader(zr *zip.Reader, archive, dest string) error {
	x := &extraction{archive: archive, dest: dest, limit: defaultExtractLimit()}
	return x.zip(zr)
}

// zip unpacks a zip archive. The sizes announced by the central directory are checked before
// anything is written (the zip reader then refuses an entry longer than announced): their
// total against the limit, each entry's ratio, and that no two entries share their compressed
// data (the overlapping entries of "better zip bombs").
func (x *extraction) zip(zr *zip.Reader) error {
	type span struct {
		name     string
		from, to int64
	}
	var total int64
	var spans []span
	for _, f := range zr.File {
		if !f.Mode().IsRegular() {
			continue
		}
		size, comp := int64(min(f.UncompressedSize64, 1<<62)), int64(min(f.CompressedSize64, 1<<62))
		if total += size; total > x.limit.bytes {
			return x.tooLarge(f.Name, total)
		}
		if size > extractRatioSlack && size > maxExtractRatio*comp {
			return x.tooCompressed(f.Name, size, comp)
		}
		if comp > 0 {
			off, err := f.DataOffset()
			if err != nil {
				return fmt.Errorf("datasets: %s: entry %q: %v", x.archive, f.Name, err)
			}
			spans = append(spans, span{f.Name, off, off + comp})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	for i := 1; i < len(spans); i++ {
		if spans[i].from < spans[i-1].to {
			return fmt.Errorf("datasets: %s: entries %q and %q share their compressed data (a zip bomb): refused; %s", x.archive, spans[i-1].name, spans[i].name, x.remedy())
		}
	}
	for _, f := range zr.File {
		target, err := safeJoin(x.dest, f.Name, x.archive)
		if err != nil {
			return err
		}
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case mode.IsRegular():
			rc, err := f.Open()
			if err != nil {
				return fmt.Errorf("datasets: %s: entry %q: %v", x.archive, f.Name, err)
			}
			comp := int64(min(f.CompressedSize64, 1<<62))
			err = x.writeEntry(target, rc, func(n int64) error {
				if n > extractRatioSlack && n > maxExtractRatio*comp {
					return x.tooCompressed(f.Name, n, comp)
				}
				return nil
			})
			rc.Close()
			if err != nil {
				return x.entryError(f.Name, err)
			}
		default:
			return fmt.Errorf("datasets: %s: entry %q is a link or special file, refused: %w", x.archive, f.Name, errUnsafePath)
		}
	}
	return nil
}

// entryError names the archive and the entry in an error of writeEntry (the limit errors
// already do).
func (x *extraction) entryError(name string, err error) error {
	if strings.HasPrefix(err.Error(), "datasets: ") {
		return err
	}
	return fmt.Errorf("datasets: %s: entry %q: %w", x.archive, name, err)
}

// writeEntry writes one file of an archive. check is called with the entry's size before each
// write; x.limit bounds the total of all entries.
func (x *extraction) writeEntry(target string, r io.Reader, check func(n int64) error) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	name, _ := filepath.Rel(x.dest, target)
	w := &guardedWriter{w: out, check: func(n int64) error {
		if x.written+n > x.limit.bytes {
			return x.tooLarge(filepath.ToSlash(name), x.written+n)
		}
		return check(n)
	}}
	_, err = io.Copy(w, r)
	x.written += w.n
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// guardedWriter counts the bytes written through it and calls check with the count they would
// reach before each write, which it refuses when check fails.
type guardedWriter struct {
	w     io.Writer
	n     int64
	check func(n int64) error
}

func (g *guardedWriter) Write(p []byte) (int, error) {
	if err := g.check(g.n + int64(len(p))); err != nil {
		return 0, err
	}
	n, err := g.w.Write(p)
	g.n += int64(n)
	return n, err
}
