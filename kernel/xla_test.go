package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// xlaCheckReport is what bench/xla/xlacheck prints: the loss of each of 5 SGD steps of LeNet
// from saved initial weights, and the logits of 4 test digits after them.
type xlaCheckReport struct {
	Backend string      `json:"backend"`
	Losses  []float64   `json:"losses"`
	Logits  [][]float32 `json:"logits"`
}

// TestXLACPUTrainsLikeGoBackend trains LeNet for a few steps on XLA CPU (the plugin that
// scripts/xla.sh installs, found where the kernel looks for it) and on the pure-Go backend, from
// the same initial weights, and requires the same losses and outputs up to float32 rounding.
//
// It skips, quoting the reason, only when no XLA CPU plugin could be installed or loaded on this
// machine (scripts/xla.sh records why in .venv/pjrt/cpu.unavailable).
func TestXLACPUTrainsLikeGoBackend(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program with XLA and trains LeNet on two backends")
	}
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	var cpu *plugin
	for _, p := range findPlugins(pluginDirs(root)) {
		if p.Name == "cpu" {
			cpu = &p
			break
		}
	}
	if cpu == nil {
		reason := "scripts/xla.sh has not been run"
		if b, err := os.ReadFile(filepath.Join(root, ".venv", "pjrt", "cpu.unavailable")); err == nil {
			reason = strings.TrimSpace(string(b))
		}
		t.Skipf("no XLA CPU plugin in %v: %s", pluginDirs(root), reason)
	}
	goBin, err := lookGo()
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "xlacheck")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	// Built like an XLA cell: without the noxla tag that the Go-backend test runs use.
	build := exec.CommandContext(ctx, goBin, "build", "-o", bin, "./bench/xla/xlacheck")
	build.Dir = root
	build.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./bench/xla/xlacheck: %v\n%s", err, out)
	}
	run := func(backend string, args ...string) []byte {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "GOMLX_BACKEND="+backend, "GOMLX_NO_AUTO_INSTALL=1",
			"PJRT_PLUGIN_LIBRARY_PATH="+filepath.Dir(cpu.Path))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("GOMLX_BACKEND=%s xlacheck %v: %v\n%s", backend, args, err, stderr.String())
		}
		return out
	}
	weights := filepath.Join(dir, "init")
	run("go", "-init", weights)

	reports := map[string]xlaCheckReport{}
	// The same convolution and pooling formulation on both backends: "direct" uses GoMLX's
	// Convolve and MaxPool, "im2col" slices+matmul and reshape+max (nn.ConvAlgorithm).
	for _, conv := range []string{"direct", "im2col"} {
		for _, backend := range []string{"go", "xla:cpu"} {
			var r xlaCheckReport
			out := run(backend, "-from", weights, "-steps", "5", "-conv", conv)
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("xlacheck output on %s: %v\n%s", backend, err, out)
			}
			t.Logf("%s, %s: losses %.6f", backend, conv, r.Losses)
			reports[backend+"/"+conv] = r
		}
	}
	if b := reports["xla:cpu/direct"].Backend; !strings.Contains(b, "xla:cpu") || !strings.Contains(b, cpu.Path) {
		t.Fatalf("the XLA run reports backend %q, want xla:cpu with the plugin %s", b, cpu.Path)
	}
	if b := reports["go/direct"].Backend; !strings.Contains(strings.ToLower(b), "go") || strings.Contains(b, "xla") {
		t.Fatalf("the Go run reports backend %q", b)
	}
	for _, conv := range []string{"direct", "im2col"} {
		g, x := reports["go/"+conv], reports["xla:cpu/"+conv]
		if len(g.Losses) != 5 || len(x.Losses) != 5 {
			t.Fatalf("%s: want 5 losses, got %d (go) and %d (xla)", conv, len(g.Losses), len(x.Losses))
		}
		// Untrained, the 10 logits are near 0: the cross-entropy starts near ln 10.
		if math.Abs(g.Losses[0]-math.Log(10)) > 0.1 {
			t.Errorf("%s: first loss %.4f, want about ln 10 = 2.3026", conv, g.Losses[0])
		}
		for i := range g.Losses {
			if d := math.Abs(g.Losses[i] - x.Losses[i]); d > 1e-4*math.Max(1, math.Abs(g.Losses[i])) {
				t.Errorf("%s, step %d: loss %.7f on the Go backend, %.7f on XLA CPU", conv, i+1, g.Losses[i], x.Losses[i])
			}
		}
		if len(g.Logits) != 4 || len(x.Logits) != 4 {
			t.Fatalf("%s: want logits of 4 images, got %d and %d", conv, len(g.Logits), len(x.Logits))
		}
		for i := range g.Logits {
			for j := range g.Logits[i] {
				if d := math.Abs(float64(g.Logits[i][j] - x.Logits[i][j])); d > 1e-4 {
					t.Errorf("%s: logit [%d][%d] %.6f on the Go backend, %.6f on XLA CPU", conv, i, j, g.Logits[i][j], x.Logits[i][j])
				}
			}
		}
	}
	// Training moved the weights: the outputs differ from the untrained model's first loss.
	if reports["go/direct"].Losses[4] == reports["go/direct"].Losses[0] {
		t.Error("the loss did not change in 5 steps: the model was not trained")
	}
}
