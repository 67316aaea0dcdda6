package nn

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"

	"github.com/godl-course/godl/datasets"
)

// The backend is one per process: each case runs this test binary again with GOMLX_BACKEND=auto
// and GODL_AUTO_CASE set, which makes TestAutoBackendHelper do the case and print the line Fit
// shows and the backend in use.
func TestAutoBackendHelper(t *testing.T) {
	c := os.Getenv("GODL_AUTO_CASE")
	if c == "" {
		t.Skip("run by TestAutoBackend")
	}
	AutoConvCrossover, AutoDenseCrossover = 20, 50
	d := datasets.Spiral(64, 3, 0.1, 1) // 192 examples: 3 steps per epoch at batch 64
	m := Sequential(Dense(8), ReLU(), Dense(3))
	switch c {
	case "short dense": // 3 epochs × 3 steps = 9 ≤ 50
		nb(m.Fit(d).Epochs(3).BatchSize(64).Progress(false).Done())
	case "long dense": // 20 × 3 = 60 > 50
		nb(m.Fit(d).Epochs(20).BatchSize(64).Progress(false).Done())
	case "long dense, memo": // the same through Memo, which builds the model before training
		t.Setenv("GODL_MODELS", t.TempDir())
		nb(m.Fit(d).Epochs(20).BatchSize(64).Progress(false).Memo("auto"))
	case "used before Fit": // Build first: the Go backend, whatever Fit asks for next
		if err := m.Build(2); err != nil {
			t.Fatal(err)
		}
		nb(m.Fit(d).Epochs(20).BatchSize(64).Progress(false).Done())
	}
	fmt.Printf("LINE %s\nCONF %s\n", backendLine(), backendConf)
}

func nb(_ *History, err error) {
	if err != nil {
		panic(err)
	}
}

func TestAutoBackend(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the test binary again")
	}
	xla := slices.Contains(compute.List(), "xla")
	var pluginErr error
	if xla {
		_, pluginErr = newBackend("xla:cpu")
	}
	for _, c := range []struct{ name, conf, why string }{
		{"short dense", "go", "auto: 9 steps, under the 50 where XLA's compilation pays off for a dense model"},
		{"long dense", "xla:cpu", "auto: 60 steps of a dense model, over the 50"},
		{"long dense, memo", "xla:cpu", "auto: 60 steps of a dense model, over the 50"},
		{"used before Fit", "go", "auto: first used outside a training run"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conf, why := c.conf, c.why
			if conf == "xla:cpu" && !xla {
				conf, why = "go", "auto: 60 steps of a dense model would go faster on XLA CPU, but this program was built without it (-tags noxla)"
			} else if conf == "xla:cpu" && pluginErr != nil {
				conf, why = "go", "auto: 60 steps of a dense model would go faster on XLA CPU, but it is not available"
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestAutoBackendHelper$", "-test.v")
			cmd.Env = append(os.Environ(), "GOMLX_BACKEND=auto", "GODL_AUTO_CASE="+c.name)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			text := string(out)
			if !strings.Contains(text, "CONF "+conf+"\n") || !strings.Contains(text, why) {
				t.Errorf("want backend %s because %q; got:\n%s", conf, why, text)
			}
		})
	}
}

func TestHasConv(t *testing.T) {
	for _, c := range []struct {
		name string
		m    *Model
		want bool
	}{
		{"LeNet", LeNet(10), true},
		{"MLP", Sequential(Flatten(), Dense(32), ReLU(), Dense(10)), false},
		{"conv inside a residual block", Sequential(Residual(Conv2D(4, 3), ReLU()), Flatten(), Dense(2)), true},
		{"transposed convolution", Sequential(ConvTranspose2D(4, 2, 2)), true},
		{"a model inside a model", Sequential(Sequential(Conv2D(4, 3)), Flatten(), Dense(2)), true},
	} {
		if got := c.m.hasConv(); got != c.want {
			t.Errorf("%s: hasConv = %v, want %v", c.name, got, c.want)
		}
	}
}
