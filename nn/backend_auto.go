package nn

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gomlx/compute"
	"golang.org/x/sys/cpu"
)

// GOMLX_BACKEND=auto: the faster installed backend for each training run.
//
// The pure-Go backend starts at once (it compiles a training step in milliseconds) while XLA CPU
// spends seconds compiling one, then may run each step faster. XLA pays off past the crossover
//
//	N* = (compile_XLA − compile_Go) / (step_Go − step_XLA)
//
// steps, which bench/train measures and prints. On a 2-core AMD EPYC (bench/train/RESULTS.md and
// RESULTS-avx2.md, batch 64; runs on a shared VM vary by ±25%): XLA CPU ran LeNet-5 steps as fast
// as the Go backend to 1.4× faster (10.8–13.4 against 13.2–16.5 ms) after ~2 s more of
// compilation: N* from ~500 steps to never, ~1,000 typically, with AVX-512 or limited to AVX2. The
// MLP 784-256-128-10 was faster on the Go backend in every run with AVX-512 (2.7–3.2 against
// 3.6–5.2 ms a step); limited to AVX2, as on most laptops, once slower and once faster (N* ≈
// 1,350), and XLA CPU was 1.15–1.4× faster on a real AVX2 EPYC (earlier measurements, 2026-11).
//
// So under auto, Fit (the first thing that uses the backend in a training program) counts the
// steps it is asked for — epochs × ⌈examples / batch⌉ — and takes XLA CPU when the run is longer
// than the crossover of its kind of model and XLA is linked (built without -tags noxla) with a
// PJRT CPU plugin installed; the Go backend otherwise. Fit's first line says which and why. The
// backend is one per program: once chosen (by Fit, or by anything else that used it first, which
// gets the Go backend) it stays.

// AutoBackend is the GOMLX_BACKEND value that lets Fit choose.
const AutoBackend = "auto"

// Crossovers in optimizer steps (see the top of this file): longer runs of a convolutional,
// resp. dense, model train faster on XLA CPU than on the Go backend, compilation included (never:
// the Go backend is as fast at any length). Set them to what bench/train measures on another
// machine.
var (
	AutoConvCrossover  = 1000
	AutoDenseCrossover = withoutAVX512(2000)
)

// never is a crossover no run reaches.
const never = math.MaxInt

// withoutAVX512 is n on CPUs without AVX-512 (or with it turned off: GODEBUG=cpu.avx512f=off),
// never with AVX-512.
func withoutAVX512(n int) int {
	if cpu.X86.HasAVX512F && !strings.Contains(os.Getenv("GODEBUG"), "cpu.avx512f=off") {
		return never
	}
	return n
}

// autoPick is Fit's choice under auto, read by BackendErr when it creates the backend.
var autoPick struct {
	config, reason string
}

// backendCreated is set when BackendErr creates the backend (its sync.Once cannot be asked).
var backendCreated atomic.Bool

// autoReason is why auto chose the backend in use ("" when GOMLX_BACKEND is not auto).
var autoReason string

// isAuto tells whether GOMLX_BACKEND asks for the automatic choice.
func isAuto() bool { return strings.TrimSpace(os.Getenv("GOMLX_BACKEND")) == AutoBackend }

// chooseForTraining is called by Fit before the model first uses the backend: under auto, it
// picks the backend for a run of steps optimizer steps of m (see the top of this file).
func chooseForTraining(m *Model, steps int) {
	if !isAuto() || backendChosen() {
		return
	}
	conv := m.hasConv()
	cross, kind := AutoDenseCrossover, "a dense model"
	if conv {
		cross, kind = AutoConvCrossover, "a convolutional model"
	}
	switch {
	case cross == never:
		autoPick.config = "go"
		autoPick.reason = fmt.Sprintf("auto: %s trains as fast on the Go backend as on XLA CPU on this CPU, whatever the length", kind)
	case steps <= cross:
		autoPick.config = "go"
		autoPick.reason = fmt.Sprintf("auto: %d steps, under the %d where XLA's compilation pays off for %s", steps, cross, kind)
	case !slices.Contains(compute.List(), "xla"):
		autoPick.config = "go"
		autoPick.reason = fmt.Sprintf("auto: %d steps of %s would go faster on XLA CPU, but this program was built without it (-tags noxla)", steps, kind)
	default:
		b, err := newBackend("xla:cpu")
		if err != nil {
			autoPick.config = "go"
			autoPick.reason = fmt.Sprintf("auto: %d steps of %s would go faster on XLA CPU, but it is not available (%v)", steps, kind, firstLine(err))
			return
		}
		autoBackend = b
		autoPick.config = "xla:cpu"
		autoPick.reason = fmt.Sprintf("auto: %d steps of %s, over the %d where XLA's compilation pays off", steps, kind, cross)
	}
}

// newBackend is compute.NewWithConfig with its panics (an unregistered backend) as errors.
func newBackend(config string) (b compute.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return compute.NewWithConfig(config)
}

// AutoReason says why GOMLX_BACKEND=auto chose the backend in use (what Fit's first line shows
// after the backend's name); "" when the backend was not chosen by auto.
func AutoReason() string { return autoReason }

// autoBackend is the XLA backend chooseForTraining created to check that it works.
var autoBackend compute.Backend

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// hasConv tells whether m (or a model or residual block inside it) has a convolution layer.
func (m *Model) hasConv() bool {
	return layersHaveConv(m.layers) || slices.ContainsFunc(m.members, (*Model).hasConv) || m.fn != nil // a model written as a function: assume the heavier kind
}

func layersHaveConv(layers []Layer) bool {
	for _, l := range layers {
		switch l := l.(type) {
		case *Conv2DLayer, *ConvTranspose2DLayer:
			return true
		case *Model:
			if l.hasConv() {
				return true
			}
		case *ResidualLayer:
			if layersHaveConv(l.Layers) {
				return true
			}
		}
	}
	return false
}

// backendChosen tells whether the backend has been created already.
func backendChosen() bool { return backendCreated.Load() }
