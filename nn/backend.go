package nn

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // The pure-Go backend ("go"), always available.
)

var (
	backendOnce sync.Once
	backendVal  compute.Backend
	backendErr  error
	backendConf string // the GOMLX_BACKEND configuration used, "go" by default
)

// Backend returns the GoMLX backend that nn uses, created on first use.
//
// It is chosen by the environment variable GOMLX_BACKEND ("go", "xla:cpu", "xla:cuda", ...);
// "auto" lets the first training run choose between the Go backend and XLA CPU by its length
// (see [AutoBackend]).
// When GOMLX_BACKEND is unset, nn uses the pure-Go backend ("go"): it never triggers an
// automatic download of an XLA plugin. The XLA backend is only linked when the program is
// built without the "noxla" build tag.
//
// Backend panics with a clear message if the requested backend cannot be created; use
// [BackendErr] to get the error instead.
func Backend() compute.Backend {
	b, err := BackendErr()
	if err != nil {
		panic(err)
	}
	return b
}

// BackendErr is like [Backend] but returns the error instead of panicking.
func BackendErr() (compute.Backend, error) {
	backendOnce.Do(func() {
		backendCreated.Store(true)
		config := os.Getenv("GOMLX_BACKEND")
		if config == "" {
			config = "go"
		}
		if strings.TrimSpace(config) == AutoBackend { // backend_auto.go
			if autoPick.config == "" {
				autoPick.config, autoPick.reason = "go", "auto: first used outside a training run; Fit takes XLA CPU only for long runs"
			}
			config, autoReason = autoPick.config, autoPick.reason
			if config == "xla:cpu" && autoBackend != nil {
				backendConf, backendVal = config, autoBackend
				return
			}
		}
		backendConf = config
		if config == "go" || strings.HasPrefix(config, "go:") {
			growHeapHeadroom()
		}
		backendVal, backendErr = compute.NewWithConfig(config)
		if backendErr != nil {
			backendErr = fmt.Errorf("nn: cannot create the GoMLX backend %q (set GOMLX_BACKEND=go for the pure-Go backend; registered backends: %v): %w",
				config, compute.List(), backendErr)
		}
	})
	return backendVal, backendErr
}

// BackendName returns a human-readable description of the backend in use, e.g. "go (pure Go, SIMD)".
func BackendName() string {
	b, err := BackendErr()
	if err != nil {
		return "unavailable: " + err.Error()
	}
	return fmt.Sprintf("%s (%s)", b.Name(), b.Description())
}

// isGoBackend tells whether nn runs on the pure-Go backend.
func isGoBackend() bool {
	_, err := BackendErr()
	return err == nil && (backendConf == "go" || strings.HasPrefix(backendConf, "go:"))
}

// backendLine names the backend in use and, under GOMLX_BACKEND=auto, why it was chosen:
// Fit's first line.
func backendLine() string {
	name := BackendName()
	if autoReason != "" {
		name += " (" + autoReason + ")"
	}
	return name
}

// isXLACPU tells whether nn runs on XLA's CPU backend.
func isXLACPU() bool {
	_, err := BackendErr()
	return err == nil && (backendConf == "xla:cpu" || strings.HasPrefix(backendConf, "xla:cpu,"))
}
