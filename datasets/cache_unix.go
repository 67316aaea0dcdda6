//go:build unix

package datasets

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// privateTempName is the name of the current user's folder in the temporary folder.
func privateTempName() string { return fmt.Sprintf("godl-%d", os.Getuid()) }

// othersMayWrite reports whether the group or other users may write in a file.
func othersMayWrite(st fs.FileInfo) bool { return st.Mode().Perm()&0o022 != 0 }

// fileOwner returns the user id owning a file.
func fileOwner(st fs.FileInfo) (uid int, known bool) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(s.Uid), true
	}
	return -1, false
}
