package privdir

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestRootIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("mode bits")
	}
	t.Setenv("TMPDIR", t.TempDir())
	dir, err := Sub("models")
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(dir)
	if want := filepath.Join(os.TempDir(), "godl-"+userTag(), "models"); dir != want {
		t.Errorf("Sub = %s, want %s", dir, want)
	}
	for _, d := range []string{root, dir} {
		if st, err := os.Stat(d); err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v, mode %v; want 0700", d, err, st.Mode().Perm())
		}
	}
	// Readable by others: made private again.
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Root(); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(root); st.Mode().Perm() != 0o700 {
		t.Errorf("a 0755 folder of ours stays %v", st.Mode().Perm())
	}
	// Writable by others: refused.
	if err := os.Chmod(root, 0o777); err != nil {
		t.Fatal(err)
	}
	_, err = Sub("models")
	var unsafe *UnsafeError
	if !errors.As(err, &unsafe) || !strings.Contains(err.Error(), "written by other users") {
		t.Errorf("a world-writable folder: %v", err)
	}
	// A link planted in its place: refused.
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(t.TempDir(), root); err != nil {
		t.Fatal(err)
	}
	if _, err := Root(); !errors.As(err, &unsafe) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a link: %v", err)
	}
	// Another user's folder (needs root to make one).
	if os.Getuid() == 0 {
		os.Remove(root)
		if err := os.Mkdir(root, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(root, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		if _, err := Root(); !errors.As(err, &unsafe) || !strings.Contains(err.Error(), "belongs to user 4242") {
			t.Errorf("another user's folder: %v", err)
		}
	}
}
