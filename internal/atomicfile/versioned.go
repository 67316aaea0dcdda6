package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A versioned folder holds successive versions of one content (a saved model) so that a reader
// never sees a half-written version nor one that vanishes under it, even while another process
// (a second notebook) replaces it:
//
//	dir/
//	  .lock     a writer holds an exclusive lock on it (flock) while it saves: one writer at a time
//	  current   the name of the current version ("v7"), replaced in one rename (WriteFile)
//	  v7/       the current version, complete
//	  v6/       the previous one, kept until the next save for readers that resolved it just
//	            before the switch
//	  .tmp-*    a save in progress, or one killed half-way (removed by the next save)
//
// A version is written once and never changed; the switch to a new one is the rename of
// current. A folder without current (written by an older release, or by hand) is read as one
// version: the folder itself.
const (
	currentFile = "current"
	lockFile    = ".lock"
	tmpPrefix   = ".tmp-"
)

// LockTimeout is how long [WriteVersion] waits for another writer of the same folder before it
// gives up with an error (a save takes seconds; a writer that waits longer is stuck).
var LockTimeout = 2 * time.Minute

// StaleAfter is the age after which a temporary folder is taken for the leftover of a killed
// save when no lock tells it apart from a save in progress.
const StaleAfter = 10 * time.Minute

// ErrForeignFiles is returned by [WriteVersion] when dir holds files that are neither versions
// nor files of the old layout (owned): it is not a folder written by WriteVersion.
var ErrForeignFiles = errors.New("holds files that are not part of a saved version")

// WriteVersion writes a new version of the versioned folder dir (created if missing) with fill,
// which writes the content into the temporary folder it is given (inside dir), then makes it the
// current version in one atomic rename. Readers ([ReadVersion]) see the previous version or the
// new one, complete, at every instant. Writers of the same dir, in this process or another,
// take turns (a lock file); a writer that waits longer than [LockTimeout] fails.
//
// After the switch, versions older than the previous one are removed, and so are temporary
// folders of killed saves. Files of an older layout written directly in dir (those for which
// owned returns true) are removed too; any other file makes WriteVersion refuse (the error wraps
// [ErrForeignFiles]), so that a folder of other files is never taken over. On any error the
// current version is unchanged.
func WriteVersion(dir string, fill func(tmp string) error, owned func(name string) bool) error {
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Refuse a folder of other files before anything (the lock file included) is written into it.
	kind := func(name string) string {
		switch {
		case name == lockFile || name == currentFile:
			return "state"
		case isTemp(name):
			return "temp"
		case versionNumber(name) > 0:
			return "version"
		case owned != nil && owned(name):
			return "legacy"
		}
		return "foreign"
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var foreign []string
	for _, e := range entries {
		if kind(e.Name()) == "foreign" {
			foreign = append(foreign, e.Name())
		}
	}
	if len(foreign) > 0 {
		if len(foreign) > 3 {
			foreign = append(foreign[:3], "...")
		}
		return fmt.Errorf("%s %w (%s): choose a new folder", dir, ErrForeignFiles, strings.Join(foreign, ", "))
	}
	removeStaleSiblings(dir)
	lk, err := lockDir(dir, LockTimeout)
	if err != nil {
		return err
	}
	defer lk.unlock()

	if entries, err = os.ReadDir(dir); err != nil {
		return err
	}
	var legacy []string
	next := 1
	for _, e := range entries {
		name := e.Name()
		switch kind(name) {
		case "temp":
			// Only the lock holder writes temporary folders: with a lock shared by all the
			// processes, any other one is the leftover of a killed save.
			if lk.exclusive || olderThan(filepath.Join(dir, name), StaleAfter) {
				_ = os.RemoveAll(filepath.Join(dir, name))
			}
		case "version":
			next = max(next, versionNumber(name)+1)
		case "legacy":
			legacy = append(legacy, name)
		}
	}
	prev, err := currentVersion(dir)
	if err != nil {
		return err
	}

	tmp, err := os.MkdirTemp(dir, tmpPrefix)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	if err := fill(tmp); err != nil {
		return err
	}
	name := "v" + strconv.Itoa(next)
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	if err := WriteFile(filepath.Join(dir, currentFile), []byte(name+"\n"), 0o644); err != nil {
		_ = os.RemoveAll(filepath.Join(dir, name))
		return err
	}
	syncDir(dir)

	// The switch is done: what the readers can no longer reach goes.
	for _, e := range entries {
		n := e.Name()
		if v := versionNumber(n); v > 0 && n != prev {
			_ = os.RemoveAll(filepath.Join(dir, n))
		}
	}
	// Files of the old layout are the previous version while the first version is written
	// (a reader may be reading them), and go with the next save.
	if prev != "" {
		for _, n := range legacy {
			_ = os.RemoveAll(filepath.Join(dir, n))
		}
	}
	return nil
}

// ReadVersion calls read with the folder of dir's current version (dir itself when dir is not a
// versioned folder). When read fails and meanwhile another version became current (a writer
// switched, and possibly removed the version read), it reads again the new one, a few times,
// so that a reader racing with writers gets a complete version and no error. read must leave
// nothing half-done when it fails for a vanished file (load everything, then use it).
func ReadVersion(dir string, read func(version string) error) error {
	dir = filepath.Clean(dir)
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		var v string
		v, err = VersionDir(dir)
		if err != nil {
			return err
		}
		if err = read(v); err == nil {
			return nil
		}
		now, verr := VersionDir(dir)
		if verr != nil || now == v {
			return err
		}
		// Replaced while being read: read the new version.
	}
	return err
}

// VersionDir returns the folder of dir's current version: dir/vN for a versioned folder, dir
// itself for a folder that is not one (see [WriteVersion]).
func VersionDir(dir string) (string, error) {
	v, err := currentVersion(dir)
	if err != nil {
		return "", err
	}
	if v == "" {
		return dir, nil
	}
	return filepath.Join(dir, v), nil
}

// currentVersion reads dir/current: "" when there is none (not a versioned folder).
func currentVersion(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, currentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	v := strings.TrimSpace(string(b))
	if versionNumber(v) <= 0 {
		return "", fmt.Errorf("%s: %s names %q, not a version folder (v1, v2, ...): the folder is damaged; delete it and save again",
			dir, currentFile, v)
	}
	return v, nil
}

// versionNumber returns N for a version folder's name "vN", else 0.
func versionNumber(name string) int {
	if len(name) < 2 || name[0] != 'v' {
		return 0
	}
	n, err := strconv.Atoi(name[1:])
	if err != nil || n <= 0 || strconv.Itoa(n) != name[1:] {
		return 0
	}
	return n
}

// isTemp tells the temporary entries of a versioned folder: folders of saves (.tmp-*) and the
// temporary files of WriteFile (.current.tmp-*).
func isTemp(name string) bool {
	return strings.HasPrefix(name, tmpPrefix) || strings.HasPrefix(name, "."+currentFile+".tmp-")
}

func olderThan(path string, age time.Duration) bool {
	st, err := os.Lstat(path)
	return err == nil && time.Since(st.ModTime()) > age
}

// removeStaleSiblings removes what a killed ReplaceDir of dir left next to it (.dir.tmp-*,
// .dir.tmp-*.old), once older than StaleAfter: full copies of the folder that nothing removes
// otherwise.
func removeStaleSiblings(dir string) {
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	matches, _ := filepath.Glob(filepath.Join(parent, "."+globEscape(base)+".tmp-*"))
	for _, p := range slices.Sorted(slices.Values(matches)) {
		if olderThan(p, StaleAfter) {
			_ = os.RemoveAll(p)
		}
	}
}

func globEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(s)
}

// syncDir makes the renames in dir durable (best effort: not every system syncs folders).
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		_ = f.Sync()
		_ = f.Close()
	}
}
