//go:build unix

package nn

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// userTag names the user in the fallback models folder: the user id.
func userTag() string { return strconv.Itoa(os.Getuid()) }

// checkPrivate accepts the folder dir when it is a real folder (not a link), owned by this user
// and not writable by the group or others (mode bits 022).
func checkPrivate(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("is not a folder (%v)", st.Mode().Type())
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Getuid() {
		return fmt.Errorf("belongs to user %d, not to you (user %d)", sys.Uid, os.Getuid())
	}
	if perm := st.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("can be written by other users (permissions %v)", perm)
	}
	return nil
}
