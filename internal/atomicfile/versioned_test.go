package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// writeV writes a version holding two files with the same content (a reader that sees them
// differ saw a half-written version).
func writeV(dir, content string) error {
	return WriteVersion(dir, func(tmp string) error {
		for _, f := range []string{"a", "b"} {
			if err := os.WriteFile(filepath.Join(tmp, f), []byte(content), 0o644); err != nil {
				return err
			}
		}
		return nil
	}, func(name string) bool { return name == "a" || name == "b" })
}

// readV reads the current version's content.
func readV(dir string) (string, error) {
	var content string
	err := ReadVersion(dir, func(v string) error {
		a, err := os.ReadFile(filepath.Join(v, "a"))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(filepath.Join(v, "b"))
		if err != nil {
			return err
		}
		if string(a) != string(b) {
			return fmt.Errorf("half-written version %s: %q and %q", v, a, b)
		}
		content = string(a)
		return nil
	})
	return content, err
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteVersionSwitchesAndKeepsThePrevious(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	for i := 1; i <= 3; i++ {
		if err := writeV(dir, fmt.Sprint("content ", i)); err != nil {
			t.Fatal(err)
		}
		if got, err := readV(dir); err != nil || got != fmt.Sprint("content ", i) {
			t.Fatalf("after save %d: read %q, %v", i, got, err)
		}
	}
	if got, want := names(t, dir), []string{".lock", "current", "v2", "v3"}; !slices.Equal(got, want) {
		t.Errorf("folder holds %v, want %v (current, the previous version, no temporary folder)", got, want)
	}
	// A failing fill changes nothing and leaves nothing.
	boom := errors.New("boom")
	if err := WriteVersion(dir, func(tmp string) error { return boom }, nil); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if got, _ := readV(dir); got != "content 3" {
		t.Errorf("after a failed save: %q", got)
	}
	if got, want := names(t, dir), []string{".lock", "current", "v2", "v3"}; !slices.Equal(got, want) {
		t.Errorf("after a failed save the folder holds %v, want %v", got, want)
	}
}

// The temporary folders of killed saves go with the next save: inside the folder at once (the
// lock tells that their writer is gone), next to it (ReplaceDir of older releases) once stale.
func TestWriteVersionRemovesLeftoversOfKilledSaves(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "model")
	if err := writeV(dir, "1"); err != nil {
		t.Fatal(err)
	}
	// Killed just now (removed at once where the lock is flock, which a killed writer
	// releases), and killed an hour ago (removed everywhere).
	killed := filepath.Join(dir, ".tmp-123")
	if err := os.MkdirAll(killed, 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(killed, "a"), make([]byte, 1<<20), 0o644)
	_ = os.WriteFile(filepath.Join(dir, ".current.tmp-9"), nil, 0o644)
	for _, p := range []string{killed, filepath.Join(dir, ".current.tmp-9")} {
		if runtime.GOOS != "linux" {
			_ = os.Chtimes(p, time.Now().Add(-time.Hour), time.Now().Add(-time.Hour))
		}
	}
	old, fresh := filepath.Join(root, ".model.tmp-1"), filepath.Join(root, ".model.tmp-2.old")
	for _, p := range []string{old, fresh} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	hourAgo := time.Now().Add(-time.Hour)
	if err := os.Chtimes(old, hourAgo, hourAgo); err != nil {
		t.Fatal(err)
	}
	if err := writeV(dir, "2"); err != nil {
		t.Fatal(err)
	}
	for _, n := range names(t, dir) {
		if strings.Contains(n, "tmp") {
			t.Errorf("%s left in the folder", n)
		}
	}
	if _, err := os.Stat(old); err == nil {
		t.Error("a stale temporary folder of ReplaceDir was kept")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("a recent temporary folder next to the model (maybe a save in progress) was removed")
	}
}

func TestWriteVersionRefusesAFolderOfOtherFiles(t *testing.T) {
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "notebook.ipynb"), []byte("{}"), 0o644)
	err := writeV(dir, "1")
	if !errors.Is(err, ErrForeignFiles) || !strings.Contains(err.Error(), "notebook.ipynb") {
		t.Fatalf("err = %v, want ErrForeignFiles naming notebook.ipynb", err)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"notebook.ipynb"}) {
		t.Errorf("the refused folder now holds %v", got)
	}
}

// A folder written by an older release (files directly in it) is read as it is; the first save
// keeps its files (a reader may be reading them), the second removes them.
func TestWriteVersionTakesOverTheOldLayout(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a", "b"} {
		_ = os.WriteFile(filepath.Join(dir, f), []byte("old"), 0o644)
	}
	if got, err := readV(dir); err != nil || got != "old" {
		t.Fatalf("read %q, %v", got, err)
	}
	if err := writeV(dir, "new"); err != nil {
		t.Fatal(err)
	}
	if got, _ := readV(dir); got != "new" {
		t.Fatalf("read %q", got)
	}
	if got := names(t, dir); !slices.Contains(got, "a") {
		t.Errorf("the old files went at the first save: %v", got)
	}
	if err := writeV(dir, "newer"); err != nil {
		t.Fatal(err)
	}
	if got, want := names(t, dir), []string{".lock", "current", "v1", "v2"}; !slices.Equal(got, want) {
		t.Errorf("folder holds %v, want %v", got, want)
	}
}

func TestReadVersionRefusesADamagedPointer(t *testing.T) {
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "current"), []byte("../../etc\n"), 0o644)
	err := ReadVersion(dir, func(string) error { t.Fatal("read called"); return nil })
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("err = %v", err)
	}
}

// A reader whose version is replaced and removed while it reads it reads the new one.
func TestReadVersionRetriesWhenReplaced(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	if err := writeV(dir, "1"); err != nil {
		t.Fatal(err)
	}
	calls := 0
	var got string
	err := ReadVersion(dir, func(v string) error {
		calls++
		if calls == 1 {
			// Two saves meanwhile: the version being read is removed.
			for _, c := range []string{"2", "3"} {
				if err := writeV(dir, c); err != nil {
					t.Fatal(err)
				}
			}
		}
		b, err := os.ReadFile(filepath.Join(v, "a"))
		got = string(b)
		return err
	})
	if err != nil || got != "3" || calls != 2 {
		t.Fatalf("read %q in %d calls, err %v; want 3 in 2 calls", got, calls, err)
	}
}

// A writer waits for another one, and gives up with a clear error after LockTimeout instead
// of hanging.
func TestWriteVersionWaitsForAnotherWriter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	if err := writeV(dir, "1"); err != nil {
		t.Fatal(err)
	}
	lk, err := lockDir(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func(d time.Duration) { LockTimeout = d }(LockTimeout)
	LockTimeout = 200 * time.Millisecond
	start := time.Now()
	err = writeV(dir, "2")
	if err == nil || !strings.Contains(err.Error(), "another program") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v", d)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		lk.unlock()
	}()
	LockTimeout = 10 * time.Second
	if err := writeV(dir, "3"); err != nil {
		t.Fatalf("after the other writer finished: %v", err)
	}
	if got, _ := readV(dir); got != "3" {
		t.Errorf("read %q", got)
	}
}

// Writers and readers of one folder at once: every read sees a complete version, no write fails,
// nothing temporary stays.
func TestVersionedFolderUnderConcurrency(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	if err := writeV(dir, "0"); err != nil {
		t.Fatal(err)
	}
	stop := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				if err := writeV(dir, fmt.Sprintf("writer %d save %d %s", w, i, strings.Repeat("x", 1000*i%5000))); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				if _, err := readV(dir); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, n := range names(t, dir) {
		if strings.Contains(n, "tmp") {
			t.Errorf("%s left behind", n)
		}
	}
}
