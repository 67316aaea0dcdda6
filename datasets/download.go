package datasets

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// RemoteFile describes a file to download and how to check it.
type RemoteFile struct {
	Name   string   // file name inside the destination folder, e.g. "cifar-10-binary.tar.gz"
	URLs   []string // official URL first, then mirrors; tried in order
	SHA256 string   // expected SHA-256 (hex) of the file, "" when not published
	MD5    string   // expected MD5 (hex), for data sets that only publish an MD5
	Size   int64    // expected size in bytes, 0 when unknown

	// Check, when not nil, validates the downloaded file (e.g. parses it) before it is renamed
	// into place.
	Check func(path string) error
}

// DownloadProgress receives the progress bar of downloads (nil: no progress bar).
var DownloadProgress io.Writer = os.Stderr

// DownloadTimeout bounds every wait of a download: connecting to the server, the TLS handshake,
// waiting for the response headers, and any stall of the data (no byte for this long). The
// download then fails with an error naming the URL; calling again resumes it. Set it before
// downloading: a download reads it once, when it starts.
var DownloadTimeout = 60 * time.Second

// Download fetches f into dir and returns the path of the file, dir/f.Name.
//
// The data go to dir/f.Name + ".part"; an interrupted download resumes from there (HTTP Range
// request). Once complete, the file's size, SHA-256 / MD5 and f.Check are verified, and only then
// is it renamed to its final name: a file with the final name is always complete and valid. A
// file that fails verification is deleted. When dir/f.Name already exists it is returned as is.
func Download(dir string, f RemoteFile) (string, error) {
	final := filepath.Join(dir, f.Name)
	if fileExists(final) {
		return final, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if len(f.URLs) == 0 {
		return "", fmt.Errorf("datasets: no URL to download %s from", f.Name)
	}
	timeout := DownloadTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	client := downloadClient(timeout)
	defer client.CloseIdleConnections()
	var errs []string
	stalled := false
	for _, url := range f.URLs {
		err := downloadOne(client, timeout, url, final, f)
		if err == nil {
			return final, nil
		}
		stalled = stalled || isTimeout(err)
		errs = append(errs, err.Error())
	}
	msg := fmt.Sprintf("datasets: downloading %s failed: %s", f.Name, strings.Join(errs, "; "))
	if stalled {
		msg += fmt.Sprintf("; check the network connection (and the proxy, $HTTPS_PROXY) and run again: the download resumes where it stopped (datasets.DownloadTimeout = %v bounds each wait)", timeout)
	}
	return "", errors.New(msg)
}

// downloadClient returns an HTTP client whose every wait is bounded by timeout: connecting, the
// TLS handshake and the response headers (the body is watched by fetchResume). It uses the
// proxy settings of the environment, as http.DefaultClient does.
func downloadClient(timeout time.Duration) *http.Client {
	tr, ok := http.DefaultTransport.(*http.Transport)
	if ok {
		tr = tr.Clone()
	} else {
		tr = &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}
	}
	tr.DialContext = (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = timeout
	tr.ResponseHeaderTimeout = timeout
	tr.ExpectContinueTimeout = time.Second
	return &http.Client{Transport: tr}
}

// isTimeout reports whether err is a network timeout or a stalled download.
func isTimeout(err error) bool {
	var ne net.Error
	var st *stalledError
	return errors.As(err, &st) || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// stalledError reports a download whose data stopped coming for the timeout.
type stalledError struct {
	timeout time.Duration
	have    int64 // bytes of the file received so far
	err     error
}

func (e *stalledError) Error() string {
	return fmt.Sprintf("no data for %v (call again to resume from byte %d): %v", e.timeout, e.have, e.err)
}

func (e *stalledError) Unwrap() error { return e.err }

func downloadOne(client *http.Client, timeout time.Duration, url, final string, f RemoteFile) error {
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return fmt.Errorf("%s: only http and https URLs are supported", url)
	}
	part := final + ".part"
	err := fetchResume(client, timeout, url, part, f.Name)
	if err != nil {
		return fmt.Errorf("%s: %w", url, err)
	}
	if err := verifyFile(part, f); err != nil {
		os.Remove(part)
		return fmt.Errorf("%s: %w", url, err)
	}
	if err := os.Rename(part, final); err != nil {
		return err
	}
	return nil
}

// fetchResume appends the missing bytes of url to part (which may hold a previous prefix). The
// client bounds the connection and the wait for the headers; a watchdog cancels the request
// when the body brings no byte for timeout.
func fetchResume(client *http.Client, timeout time.Duration, url, part, name string) error {
	var have int64
	if st, err := os.Stat(part); err == nil {
		have = st.Size()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "godl-datasets")
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := client.Do(req)
	if err != nil {
		if isTimeout(err) {
			return fmt.Errorf("no response within %v (connecting, TLS handshake or waiting for the headers): %w", timeout, err)
		}
		return err
	}
	defer resp.Body.Close()
	flags := os.O_CREATE | os.O_WRONLY
	var total int64 = -1
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0:
		flags |= os.O_APPEND
		if resp.ContentLength >= 0 {
			total = have + resp.ContentLength
		}
	case resp.StatusCode == http.StatusOK:
		flags |= os.O_TRUNC // the server ignored the Range header: start again
		have = 0
		total = resp.ContentLength
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && have > 0:
		return nil // the partial file is already complete; verification decides
	default:
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	out, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return err
	}
	// A watchdog cancels the request when no data arrive for timeout (a copy of
	// DownloadTimeout: the goroutine never reads the package variable).
	alive := make(chan struct{}, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTimer(timeout)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-alive:
				t.Reset(timeout)
			case <-t.C:
				cancel()
				return
			}
		}
	}()
	bar := newProgressBar(DownloadProgress, name, have, total)
	buf := make([]byte, 1<<16)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, err := out.Write(buf[:n]); err != nil {
				out.Close()
				return err
			}
			have += int64(n)
			bar.update(have)
			select {
			case alive <- struct{}{}:
			default:
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			out.Close()
			bar.finish(false)
			if ctx.Err() != nil {
				return &stalledError{timeout: timeout, have: have, err: rerr}
			}
			return fmt.Errorf("interrupted at byte %d (call again to resume): %w", have, rerr)
		}
	}
	bar.finish(true)
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// verifyFile checks the size, checksums and Check of a downloaded file.
func verifyFile(path string, f RemoteFile) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if f.Size > 0 && st.Size() != f.Size {
		return fmt.Errorf("%s has %d bytes, want %d", f.Name, st.Size(), f.Size)
	}
	if f.SHA256 != "" {
		if got, err := fileHash(path, sha256.New()); err != nil {
			return err
		} else if got != strings.ToLower(f.SHA256) {
			return fmt.Errorf("%s has SHA-256 %s, want %s (corrupt download, deleted)", f.Name, got, f.SHA256)
		}
	}
	if f.MD5 != "" {
		if got, err := fileHash(path, md5.New()); err != nil {
			return err
		} else if got != strings.ToLower(f.MD5) {
			return fmt.Errorf("%s has MD5 %s, want %s (corrupt download, deleted)", f.Name, got, f.MD5)
		}
	}
	if f.Check != nil {
		if err := f.Check(path); err != nil {
			return err
		}
	}
	return nil
}

// SHA256File returns the SHA-256 (hex) of a file.
func SHA256File(path string) (string, error) { return fileHash(path, sha256.New()) }

func fileHash(path string, h hash.Hash) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	if _, err := io.Copy(h, fh); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// progressBar draws "name [=====>    ]  45% 12.3/26.4 MB 3.2 MB/s" on one line, redrawn with \r
// at most 5 times a second.
type progressBar struct {
	w           io.Writer
	name        string
	start, last time.Time
	from, total int64
	cur         int64
}

func newProgressBar(w io.Writer, name string, from, total int64) *progressBar {
	return &progressBar{w: w, name: name, start: time.Now(), from: from, total: total, cur: from}
}

func (p *progressBar) update(cur int64) {
	p.cur = cur
	if p.w == nil || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw()
}

func (p *progressBar) draw() {
	const width = 30
	mb := func(b int64) float64 { return float64(b) / 1e6 }
	speed := float64(p.cur-p.from) / max(time.Since(p.start).Seconds(), 1e-3)
	if p.total > 0 {
		frac := min(float64(p.cur)/float64(p.total), 1)
		fill := int(frac * width)
		bar := strings.Repeat("=", fill)
		if fill < width {
			bar += ">" + strings.Repeat(" ", width-fill-1)
		}
		fmt.Fprintf(p.w, "\r%s [%s] %3.0f%% %.1f/%.1f MB %.1f MB/s ", p.name, bar, 100*frac, mb(p.cur), mb(p.total), speed/1e6)
	} else {
		fmt.Fprintf(p.w, "\r%s %.1f MB %.1f MB/s ", p.name, mb(p.cur), speed/1e6)
	}
}

func (p *progressBar) finish(ok bool) {
	if p.w == nil {
		return
	}
	p.draw()
	if ok {
		fmt.Fprintln(p.w, "done")
	} else {
		fmt.Fprintln(p.w, "interrupted")
	}
}

var errUnsafePath = errors.New("unsafe path")
