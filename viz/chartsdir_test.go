package viz

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestShowOutsideANotebookWritesIntoAPrivateFolder: without GODL_CHARTS_DIR, charts go to a
// folder of the user's own in the system's temporary folder, which other users can neither read
// nor prepare in advance; a folder that another user could have made or can write into is
// refused with an error that says what to do.
func TestShowOutsideANotebookWritesIntoAPrivateFolder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the temporary folder is the user's own on Windows")
	}
	fakeEcharts(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv(ChartsDirEnv, "")
	base := filepath.Join(tmp, fmt.Sprintf("godl-%d", os.Getuid()))
	want := filepath.Join(base, "charts")

	files, err := Func(math.Sqrt, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(files.PNG) != want || filepath.Dir(files.HTML) != want {
		t.Fatalf("charts written to %s and %s, want the private folder %s", files.PNG, files.HTML, want)
	}
	for _, d := range []string{base, want} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v, want a folder only its owner may open (0700)", d, err)
		}
	}

	refused := func(what string) {
		t.Helper()
		_, err := Func(math.Sqrt, 0, 4)
		if err == nil || !strings.Contains(err.Error(), base) || !strings.Contains(err.Error(), ChartsDirEnv) {
			t.Errorf("%s: err = %v, want an error naming %s and saying to set %s", what, err, base, ChartsDirEnv)
		}
	}
	// Made by someone else first, writable by all (another user's trap).
	if err := os.RemoveAll(base); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(base, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(base, 0o777); err != nil {
		t.Fatal(err)
	}
	refused("a world-writable folder")
	// A link to somewhere else.
	_ = os.Remove(base)
	if err := os.Symlink(t.TempDir(), base); err != nil {
		t.Fatal(err)
	}
	refused("a symbolic link")
	// Owned by another user (only root can make one here).
	_ = os.Remove(base)
	if os.Getuid() == 0 {
		if err := os.Mkdir(base, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(base, 4321, 4321); err != nil {
			t.Fatal(err)
		}
		refused("a folder of another user")
		_ = os.Remove(base)
	}
	// A folder of ours that others may read is made private again.
	if err := os.Mkdir(base, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Func(math.Sqrt, 0, 4); err != nil {
		t.Errorf("our own folder, readable by others: %v", err)
	}
	if fi, _ := os.Stat(base); fi == nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("%s was not made private", base)
	}
}
