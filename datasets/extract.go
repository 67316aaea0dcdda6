package datasets

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/godl-course/godl/internal/atomicfile"
)

// maxExtractBytes bounds the total size of an extracted archive (protection against archive
// bombs): 64 GB, far above any data set used here.
var maxExtractBytes int64 = 64 << 30

// Extract unpacks a .zip, .tar, .tar.gz or .tgz archive into the folder dest.
//
// It is safe against malicious archives: entries with absolute paths or ".." components, and
// links, are refused with an error naming the entry. The archive is extracted into a temporary
// folder next to dest which is renamed to dest only when everything was written: dest is either
// absent or complete. dest must not exist yet.
func Extract(archive, dest string) error {
	if dirExists(dest) {
		return fmt.Errorf("datasets: extracting %s: %s already exists", archive, dest)
	}
	return atomicfile.WriteDir(dest, func(tmp string) error {
		lower := strings.ToLower(archive)
		switch {
		case strings.HasSuffix(lower, ".zip"):
			return extractZip(archive, tmp)
		case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"), strings.HasSuffix(lower, ".tar"):
			return extractTarFile(archive, tmp)
		}
		return fmt.Errorf("datasets: %s: unknown archive type (want .zip, .tar, .tar.gz or .tgz)", archive)
	})
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

func extractTarFile(archive, dest string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	return extractTar(f, archive, dest)
}

// extractTar unpacks a tar stream (gzip-compressed or not) into dest.
func extractTar(r io.Reader, archive, dest string) error {
	br := bufio.NewReader(r)
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("datasets: %s: corrupt gzip header: %v", archive, err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	tr := tar.NewReader(br)
	var written int64
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("datasets: %s: corrupt tar archive after %d bytes: %v", archive, written, err)
		}
		target, err := safeJoin(dest, h.Name, archive)
		if err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			n, err := writeEntry(target, tr, maxExtractBytes-written)
			written += n
			if err != nil {
				return fmt.Errorf("datasets: %s: entry %q: %w", archive, h.Name, err)
			}
		case tar.TypeXGlobalHeader, tar.TypeXHeader:
		default:
			return fmt.Errorf("datasets: %s: entry %q is a link or special file (type %q), refused: %w", archive, h.Name, h.Typeflag, errUnsafePath)
		}
	}
}

func extractZip(archive, dest string) error {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return fmt.Errorf("datasets: %s: not a valid zip archive: %v", archive, err)
	}
	defer zr.Close()
	return extractZipReader(&zr.Reader, archive, dest)
}

func extractZipReader(zr *zip.Reader, archive, dest string) error {
	var written int64
	for _, f := range zr.File {
		target, err := safeJoin(dest, f.Name, archive)
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
				return fmt.Errorf("datasets: %s: entry %q: %v", archive, f.Name, err)
			}
			n, err := writeEntry(target, rc, maxExtractBytes-written)
			rc.Close()
			written += n
			if err != nil {
				return fmt.Errorf("datasets: %s: entry %q: %w", archive, f.Name, err)
			}
		default:
			return fmt.Errorf("datasets: %s: entry %q is a link or special file, refused: %w", archive, f.Name, errUnsafePath)
		}
	}
	return nil
}

// writeEntry writes one file of an archive, at most limit bytes.
func writeEntry(target string, r io.Reader, limit int64) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return 0, err
	}
	out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, io.LimitReader(r, limit+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > limit {
		err = fmt.Errorf("archive larger than %d bytes, refused", maxExtractBytes)
	}
	return n, err
}
