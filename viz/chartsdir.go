package viz

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// chartsDir returns the folder where Show writes charts outside a notebook: $GODL_CHARTS_DIR, or
// <os.TempDir()>/godl-<uid>/charts, a folder only the user may open. The system's temporary
// folder is shared by every user of the machine: a fixed name there could be made first by
// another user, who would then read (or replace) the charts, so the user's folder is created
// with mode 0700 and refused when it is a link, belongs to another user, or others may write
// into it.
func chartsDir() (string, error) {
	if dir := os.Getenv(ChartsDirEnv); dir != "" {
		return dir, nil
	}
	base := filepath.Join(os.TempDir(), fmt.Sprintf("godl-%d", os.Getuid()))
	for _, d := range []string{base, filepath.Join(base, "charts")} {
		if err := privateDir(d); err != nil {
			return "", fmt.Errorf("viz: cannot write charts into %s: %w; remove it (or ask the machine's administrator to), "+
				"or set %s to a folder of yours (in Go: os.Setenv(%q, dir); in a notebook: %%env %s=...)",
				d, err, ChartsDirEnv, ChartsDirEnv, ChartsDirEnv)
		}
	}
	return filepath.Join(base, "charts"), nil
}

// privateDir makes dir (mode 0700) or checks the one that exists: a real folder, the user's own,
// that no one else may write into; one of the user's own that others may read becomes 0700.
func privateDir(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return errors.New("it is a symbolic link, which someone else may have made")
	case !fi.IsDir():
		return errors.New("it is not a folder")
	}
	if uid, ok := fileOwner(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("it belongs to another user (uid %d), who may read or replace what is written there", uid)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("other users may write into it (mode %o)", fi.Mode().Perm())
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return os.Chmod(dir, 0o700)
	}
	return nil
}
