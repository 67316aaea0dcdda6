package datasets

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// localServer serves content on 127.0.0.1 with Range support (http.ServeContent).
func localServer(t *testing.T, content []byte, requests *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(content))
	}))
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("server not on 127.0.0.1: %s", srv.URL)
	}
	return srv
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestDownloadResumeAndVerify(t *testing.T) {
	DownloadProgress = nil
	content := bytes.Repeat([]byte("0123456789abcdef"), 10000)
	var n atomic.Int32
	srv := localServer(t, content, &n)
	dir := t.TempDir()
	// A previous interrupted download left the first 50,000 bytes.
	os.WriteFile(filepath.Join(dir, "data.bin.part"), content[:50000], 0o644)
	var progress bytes.Buffer
	DownloadProgress = &progress
	defer func() { DownloadProgress = os.Stderr }()
	p, err := Download(dir, RemoteFile{Name: "data.bin", URLs: []string{srv.URL + "/missing", srv.URL + "/data.bin"}, SHA256: sha(content), Size: int64(len(content))})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if !bytes.Equal(got, content) {
		t.Fatal("resumed download differs from the content")
	}
	if fileExists(p + ".part") {
		t.Error(".part file left behind")
	}
	if !strings.Contains(progress.String(), "data.bin [") || !strings.Contains(progress.String(), "done") {
		t.Errorf("progress bar: %q", progress.String())
	}
	// Already there: no request.
	before := n.Load()
	if _, err := Download(dir, RemoteFile{Name: "data.bin", URLs: []string{srv.URL + "/data.bin"}}); err != nil || n.Load() != before {
		t.Errorf("existing file downloaded again: %v", err)
	}
	// A wrong checksum leaves nothing under the final name nor a .part.
	DownloadProgress = nil
	_, err = Download(dir, RemoteFile{Name: "bad.bin", URLs: []string{srv.URL + "/bad.bin"}, SHA256: strings.Repeat("0", 64)})
	if err == nil || !strings.Contains(err.Error(), "SHA-256") || fileExists(filepath.Join(dir, "bad.bin")) || fileExists(filepath.Join(dir, "bad.bin.part")) {
		t.Errorf("checksum failure: %v", err)
	}
	_, err = Download(dir, RemoteFile{Name: "md5.bin", URLs: []string{srv.URL + "/x"}, MD5: "00000000000000000000000000000000"})
	if err == nil || !strings.Contains(err.Error(), "MD5") || fileExists(filepath.Join(dir, "md5.bin")) {
		t.Errorf("md5 failure: %v", err)
	}
	// Check rejects → nothing valid left.
	_, err = Download(dir, RemoteFile{Name: "c.idx", URLs: []string{srv.URL + "/x"}, Check: checkIDXFile})
	if err == nil || fileExists(filepath.Join(dir, "c.idx")) {
		t.Errorf("Check failure: %v", err)
	}
}

func checkIDXFile(p string) error { _, err := ReadIDXFile(p); return err }

func TestIDXSetDownload(t *testing.T) {
	DownloadProgress = nil
	defer func() { DownloadProgress = os.Stderr }()
	// Serve a small MNIST-like set; the loader downloads it into the cache folder.
	src := t.TempDir()
	writeIDXSet(t, src, 6, 2)
	srv := httptest.NewServer(http.FileServer(http.Dir(src)))
	defer srv.Close()
	s := mnistLikeSet()
	s.urls = []string{srv.URL + "/"}
	dir := filepath.Join(t.TempDir(), "cache")
	if err := s.download(dir); err != nil {
		t.Fatal(err)
	}
	train, test, err := s.load(dir)
	if err != nil || train.Len() != 6 || test.Len() != 2 {
		t.Fatalf("%v %v %v", train, test, err)
	}
	// With the real MNIST checksums the small files are refused and not kept.
	dir2 := filepath.Join(t.TempDir(), "cache")
	real := mnistSet
	real.urls = []string{srv.URL + "/"}
	err = real.download(dir2)
	if err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("err = %v", err)
	}
	if entries, _ := os.ReadDir(dir2); len(entries) != 0 {
		t.Errorf("files left in the cache: %v", entries)
	}
}

func tarGz(t *testing.T, entries map[string]string, link string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for name, body := range entries {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	if link != "" {
		tw.WriteHeader(&tar.Header{Name: link, Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink})
	}
	tw.Close()
	zw.Close()
	return b.Bytes()
}

func zipBytes(t *testing.T, entries map[string]string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	return b.Bytes()
}

func TestExtract(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.tar.gz")
	os.WriteFile(good, tarGz(t, map[string]string{"a/b.txt": "hello", "c.txt": "world"}, ""), 0o644)
	dest := filepath.Join(dir, "out")
	if err := Extract(good, dest); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "a", "b.txt")); string(b) != "hello" {
		t.Errorf("a/b.txt = %q", b)
	}
	z := filepath.Join(dir, "good.zip")
	os.WriteFile(z, zipBytes(t, map[string]string{"GTSRB/x.csv": "1;2"}), 0o644)
	if err := Extract(z, filepath.Join(dir, "zout")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "zout", "GTSRB", "x.csv")); string(b) != "1;2" {
		t.Errorf("zip content %q", b)
	}
	bad := map[string][]byte{
		"dotdot.tar.gz": tarGz(t, map[string]string{"ok.txt": "x", "../evil.txt": "x"}, ""),
		"abs.tar.gz":    tarGz(t, map[string]string{"/tmp/evil.txt": "x"}, ""),
		"link.tar.gz":   tarGz(t, map[string]string{"ok.txt": "x"}, "link"),
		"dotdot.zip":    zipBytes(t, map[string]string{"a/../../evil.txt": "x"}),
	}
	for name, b := range bad {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		d := filepath.Join(dir, "x-"+name)
		err := Extract(p, d)
		if !errors.Is(err, errUnsafePath) {
			t.Errorf("%s: err = %v, want an unsafe path error", name, err)
		}
		if dirExists(d) {
			t.Errorf("%s: destination left behind", name)
		}
	}
	if fileExists(filepath.Join(dir, "evil.txt")) || fileExists("/tmp/evil.txt") {
		t.Fatal("an entry escaped the destination")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".extract-") {
			t.Errorf("temporary folder %s left behind", e.Name())
		}
	}
}

func FuzzExtractTar(f *testing.F) {
	f.Add([]byte{})
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: "a/b", Mode: 0o644, Size: 1, Typeflag: tar.TypeReg})
	tw.Write([]byte("x"))
	tw.Close()
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		dir := t.TempDir()
		dest := filepath.Join(dir, "out")
		os.MkdirAll(dest, 0o755)
		extractTar(bytes.NewReader(in), "fuzz.tar", dest)
		// Nothing may appear outside dest.
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Fatalf("entries outside the destination: %v", entries)
		}
	})
}

func FuzzExtractZip(f *testing.F) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("a/b.txt")
	fmt.Fprint(w, "x")
	zw.Close()
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		zr, err := zip.NewReader(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			return
		}
		dir := t.TempDir()
		dest := filepath.Join(dir, "out")
		os.MkdirAll(dest, 0o755)
		extractZipReader(zr, "fuzz.zip", dest)
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Fatalf("entries outside the destination: %v", entries)
		}
	})
}
