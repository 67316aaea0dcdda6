package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestCacheDirWithoutHome: without $HOME and $XDG_CACHE_HOME the cache falls back on the
// temporary folder, shared by all users: it must be a private folder of the current user, and
// one prepared by someone else must not be used.
func TestCacheDirWithoutHome(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the temporary folder is per user on Windows")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("HOME", "")
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv(EnvCacheDir, "")
	t.Setenv(EnvCIFAR10Dir, "")
	private := filepath.Join(tmp, fmt.Sprintf("godl-%d", os.Getuid()))

	if d := CacheDir(); d != filepath.Join(private, "datasets") {
		t.Fatalf("CacheDir() = %s, want %s", d, filepath.Join(private, "datasets"))
	}
	st, err := os.Lstat(private)
	if err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
		t.Fatalf("%s: %v, %v; want a folder with mode 0700", private, st.Mode(), err)
	}

	// The same folder, but others may write in it (as when another user created it first).
	if err := os.Chmod(private, 0o777); err != nil {
		t.Fatal(err)
	}
	checkRefused := func(why string) {
		t.Helper()
		if d := CacheDir(); strings.HasPrefix(d, private+string(filepath.Separator)) {
			t.Errorf("CacheDir() = %s, inside the unsafe %s", d, private)
		} else if st, err := os.Stat(filepath.Dir(d)); err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("CacheDir() = %s: %v %v, want a private folder", d, st, err)
		}
		_, _, err := CIFAR10With(CIFAR10Options{NoDownload: true})
		if err == nil || !strings.Contains(err.Error(), private+" (used because neither $XDG_CACHE_HOME nor $HOME is set) "+why) || !strings.Contains(err.Error(), "set $GODL_DATA") {
			t.Errorf("CIFAR10 with the cache in %s: %v, want an error saying that it %s and what to do", private, err, why)
		}
		if _, err := FashionMNISTDir(); err == nil || !strings.Contains(err.Error(), why) {
			if !dirExists(FashionMNISTSystemDir) {
				t.Errorf("FashionMNISTDir: %v", err)
			}
		}
	}
	checkRefused("can be written by other users (mode -rwxrwxrwx)")

	// A link planted there.
	os.Remove(private)
	if err := os.Symlink(t.TempDir(), private); err != nil {
		t.Fatal(err)
	}
	checkRefused("is a symbolic link")
	os.Remove(private)

	// A folder of another user (only root can make one here).
	if os.Getuid() == 0 {
		if err := os.Mkdir(private, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(private, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		checkRefused("belongs to user 4242, not to you (user 0)")
	}
}
