// Package atomicfile writes files and folders so that a reader never sees them half-written: the
// content goes to a temporary sibling first and is renamed into place only when complete. An
// interrupted write (a killed cell, a full disk) leaves the old content, or nothing, never a
// truncated file that looks valid. Every package of the project writes through it.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile writes data to path through a temporary file in the same folder (synced, then
// renamed over path), with permissions perm. The folder must exist.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, perm)
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		_ = os.Remove(name)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// ErrExists is returned by [WriteDir] when the destination already exists and is not empty.
var ErrExists = errors.New("already exists and is not empty")

// WriteDir creates the folder dir with the content that fill writes into the temporary folder
// it is given (a sibling of dir), then renames it to dir. dir must not exist or be an empty
// folder (it is then replaced); otherwise the error wraps [ErrExists]. On any error nothing is
// left behind.
func WriteDir(dir string, fill func(tmp string) error) error {
	if entries, err := os.ReadDir(dir); err == nil {
		if len(entries) > 0 {
			return fmt.Errorf("%s %w", dir, ErrExists)
		}
		if err := os.Remove(dir); err != nil {
			return err
		}
	} else if _, serr := os.Lstat(dir); serr == nil {
		return fmt.Errorf("%s %w (not a folder)", dir, ErrExists)
	}
	tmp, err := tempDirBeside(dir)
	if err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	return nil
}

// ReplaceDir writes a new content for the folder dir with fill (into a temporary sibling), then
// swaps it in place of the old dir, which is removed. Readers see the old or the new folder;
// between the two renames dir is briefly absent, and two writers of the same dir at once may
// fail: a folder that other processes read or write meanwhile is a versioned folder
// ([WriteVersion], [ReadVersion]). On any error the old dir is kept.
func ReplaceDir(dir string, fill func(tmp string) error) error {
	tmp, err := tempDirBeside(dir)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := fill(tmp); err != nil {
		return err
	}
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("cannot replace %s: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			_ = os.Rename(old, dir)
		}
		return err
	}
	if old != "" {
		_ = os.RemoveAll(old)
	}
	return nil
}

// tempDirBeside creates a temporary folder next to dir (same file system, so renames are atomic).
func tempDirBeside(dir string) (string, error) {
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-*")
}
