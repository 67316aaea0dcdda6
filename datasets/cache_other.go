//go:build !unix

package datasets

import (
	"io/fs"
	"os"
	"strings"
)

// privateTempName is the name of the current user's folder in the temporary folder (which is
// per user on Windows already).
func privateTempName() string {
	u := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' {
			return '_'
		}
		return r
	}, os.Getenv("USERNAME"))
	return "godl-" + u
}

// othersMayWrite cannot tell from the mode bits here (ACLs decide).
func othersMayWrite(st fs.FileInfo) bool { return false }

// fileOwner cannot tell the owner of a file here.
func fileOwner(st fs.FileInfo) (uid int, known bool) { return -1, false }
