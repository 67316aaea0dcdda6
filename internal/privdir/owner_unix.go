//go:build unix

package privdir

import (
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

// userTag names the user in the folder's name: the user id.
func userTag() string { return strconv.Itoa(os.Getuid()) }

// owner returns the user id owning a file.
func owner(st fs.FileInfo) (uid int, known bool) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(s.Uid), true
	}
	return -1, false
}

// ownModeBits: Unix mode bits say who may write.
func ownModeBits() bool { return true }
