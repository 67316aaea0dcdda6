//go:build !noxla

package nn

// The XLA backend is linked only when building without the "noxla" tag. It is selected with
// GOMLX_BACKEND=xla:cpu (or xla:cuda); nn never auto-installs its plugin.
import _ "github.com/gomlx/go-xla/compute/xla"
