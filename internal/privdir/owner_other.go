//go:build !unix

package privdir

import (
	"io/fs"
	"os"
	"strings"
)

// userTag names the user in the folder's name: the user name (the temporary folder is per user
// on Windows already).
func userTag() string {
	u := os.Getenv("USERNAME")
	if u == "" {
		u = "user"
	}
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' {
			return '_'
		}
		return r
	}, u)
}

// owner cannot tell the owner of a file here.
func owner(fs.FileInfo) (uid int, known bool) { return -1, false }

// ownModeBits: access lists, not mode bits, say who may write here.
func ownModeBits() bool { return false }
