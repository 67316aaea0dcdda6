//go:build !unix

package nn

import (
	"os"
	"strings"
)

// userTag names the user in the fallback models folder: the user name, as the system has no
// user id.
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

// checkPrivate is a no-op where permissions are not Unix mode bits.
func checkPrivate(dir string) error {
	_, err := os.Stat(dir)
	return err
}
