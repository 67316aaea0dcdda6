// Package privdir gives the course's fallback folder for a user without a home or cache folder
// ($HOME and $XDG_CACHE_HOME unset, as in some containers and CI jobs): <os.TempDir()>/godl-<uid>,
// private to the user. The system's temporary folder is shared by every user of the machine, so
// a fixed name there could be made first by another user, who could then plant data or a model
// for the course to load, or read what it writes. The folder is created with mode 0700 and an
// existing one is refused when it is a link, not a folder, another user's, or writable by others.
// datasets (the data cache), nn (Memo's models) and viz (charts written outside a notebook) use
// it; each says in its own error what to set instead.
package privdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// UnsafeError says why an existing folder is not used.
type UnsafeError struct {
	Dir string
	Why string // "is a symbolic link", "belongs to user 1001, not to you (user 1000)", ...
}

func (e *UnsafeError) Error() string { return e.Dir + " " + e.Why }

// Root returns <os.TempDir()>/godl-<user>, created with mode 0700 when missing, after checking
// an existing one (see [Check]). The path is returned with the error too, for messages.
func Root() (string, error) {
	return Make(filepath.Join(os.TempDir(), "godl-"+userTag()))
}

// Sub returns the folder name inside [Root], made and checked the same way.
func Sub(name string) (string, error) {
	root, err := Root()
	if err != nil {
		return filepath.Join(root, name), err
	}
	return Make(filepath.Join(root, name))
}

// Make creates dir with mode 0700 unless it exists, then checks it (see [Check]); a folder of
// the user's own that others may read becomes 0700.
func Make(dir string) (string, error) {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return dir, fmt.Errorf("cannot create %s: %w", dir, err)
	}
	if err := Check(dir); err != nil {
		return dir, err
	}
	if st, err := os.Stat(dir); err == nil && st.Mode().Perm()&0o077 != 0 && ownModeBits() {
		if err := os.Chmod(dir, 0o700); err != nil {
			return dir, fmt.Errorf("cannot make %s private: %w", dir, err)
		}
	}
	return dir, nil
}

// Check accepts dir when it is a real folder (not a link), owned by the current user, that the
// group and other users cannot write in; otherwise the error is an *UnsafeError.
func Check(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	why := ""
	switch uid, known := owner(st); {
	case st.Mode()&fs.ModeSymlink != 0:
		why = "is a symbolic link, which another user may have made"
	case !st.IsDir():
		why = fmt.Sprintf("is not a folder (%v)", st.Mode().Type())
	case known && uid != os.Getuid():
		why = fmt.Sprintf("belongs to user %d, not to you (user %d)", uid, os.Getuid())
	case ownModeBits() && st.Mode().Perm()&0o022 != 0:
		why = fmt.Sprintf("can be written by other users (mode %v)", st.Mode().Perm())
	}
	if why != "" {
		return &UnsafeError{Dir: dir, Why: why}
	}
	return nil
}
