package datasets

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// silentServer accepts connections on 127.0.0.1 and never sends a byte (nor closes them before
// the test ends): a server that hangs before its response headers, or before the TLS handshake.
func silentServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// downloadWithin runs Download and fails the test when it has not returned after limit.
func downloadWithin(t *testing.T, limit time.Duration, dir string, f RemoteFile) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Download(dir, f)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("Download(%s) still waiting after %v with DownloadTimeout = %v: a silent server hangs the cell", f.URLs[0], limit, DownloadTimeout)
		return nil
	}
}

// TestDownloadTimeouts: a server that accepts the connection and then sends nothing (no TLS
// handshake, no response headers, or headers and then no data) makes the download fail within
// DownloadTimeout, with an error naming the URL and saying what to do.
func TestDownloadTimeouts(t *testing.T) {
	DownloadProgress = nil
	defer func() { DownloadProgress = os.Stderr }()
	old := DownloadTimeout
	DownloadTimeout = 300 * time.Millisecond
	defer func() { DownloadTimeout = old }()
	addr := silentServer(t)
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte("first bytes"))
		w.(http.Flusher).Flush()
		<-r.Context().Done() // never the rest
	}))
	defer stall.Close()
	for _, c := range []struct{ name, url, want string }{
		{"no response headers", "http://" + addr + "/data.bin", "no response within 300ms"},
		{"no TLS handshake", "https://" + addr + "/data.bin", "no response within 300ms"},
		{"stalled body", stall.URL + "/data.bin", "no data for 300ms (call again to resume from byte 11)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			err := downloadWithin(t, 10*time.Second, t.TempDir(), RemoteFile{Name: "data.bin", URLs: []string{c.url}})
			if err == nil {
				t.Fatal("download from a silent server succeeded")
			}
			msg := err.Error()
			t.Log(msg)
			for _, want := range []string{c.url, c.want, "check the network connection", "run again"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not say %q", msg, want)
				}
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("failed after %v, want about DownloadTimeout", d)
			}
		})
	}
}

// TestDownloadTimeoutChange changes DownloadTimeout around a download whose data come in many
// pieces: the watchdog must not read the package variable (go test -race).
func TestDownloadTimeoutChange(t *testing.T) {
	DownloadProgress = nil
	defer func() { DownloadProgress = os.Stderr }()
	content := bytes.Repeat([]byte("0123456789abcdef"), 1<<14)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(content); i += 4096 {
			w.Write(content[i : i+4096])
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	old := DownloadTimeout
	defer func() { DownloadTimeout = old }()
	for i := range 3 {
		DownloadTimeout = time.Duration(10+i) * time.Second
		p, err := Download(t.TempDir(), RemoteFile{Name: "data.bin", URLs: []string{srv.URL + "/data.bin"}, SHA256: sha(content)})
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); !bytes.Equal(b, content) {
			t.Fatalf("%s differs from the content", filepath.Base(p))
		}
	}
}
