package demo

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/godl-course/godl/tensor"
	"github.com/godl-course/godl/viz"
)

// grid returns a batch of n h×w grey images whose pixels are all v.
func replayGrid(n, h, w int, v float64) *tensor.Tensor { return tensor.Full(v, n, h, w, 1) }

func TestReplayFramesAreTheAddedGridsInOrder(t *testing.T) {
	rec := NewReplay("samples")
	var added []*tensor.Tensor
	for e := 1; e <= 4; e++ {
		g := tensor.Uniform(tensor.NewRand(uint64(e)), 0, 1, 6, 8, 8, 1)
		added = append(added, g.Clone())
		if err := rec.Add(replayLabel(e), g); err != nil {
			t.Fatal(err)
		}
		g.Data[0] = 7 // the caller reuses its buffer: the recording must not change
	}
	if rec.Len() != 4 {
		t.Fatalf("Len %d, want 4", rec.Len())
	}
	if !slices.Equal(rec.Labels(), []string{"epoch 1", "epoch 2", "epoch 3", "epoch 4"}) {
		t.Errorf("labels %q", rec.Labels())
	}
	for i, f := range rec.Frames() {
		if d := tensor.MaxAbsDiff(f, added[i]); d != 0 {
			t.Errorf("frame %d differs from the grid added by %g", i, d)
		}
	}
	c, err := rec.Chart(viz.Cols(3))
	if err != nil {
		t.Fatal(err)
	}
	frames := timeline(t, c, rec.Labels())
	var o map[string]any
	if err := json.Unmarshal(frameOptions(t, c), &o); err != nil {
		t.Fatal(err)
	}
	base := o["baseOption"].(map[string]any)
	if at := base["timeline"].(map[string]any)["currentIndex"]; at != float64(3) {
		t.Errorf("the chart opens at frame %v, want the last (3)", at)
	}
	// Each frame is the picture of its grid: frames of different grids differ.
	img := func(i int) string {
		g := frames[i]["graphic"].([]any)[0].(map[string]any)
		return g["style"].(map[string]any)["image"].(string)
	}
	for i := 1; i < 4; i++ {
		if img(i) == img(i-1) {
			t.Errorf("frames %d and %d are the same picture", i-1, i)
		}
	}
	if c.Title != "samples" {
		t.Errorf("title %q", c.Title)
	}
	checkPNG(t, c)
	if _, err := rec.Chart(viz.AtFrame(0)); err != nil {
		t.Errorf("AtFrame(0) must override the default: %v", err)
	}
}

func replayLabel(e int) string { return fmt.Sprintf("epoch %d", e) }

func TestReplayEmptyLabelIsNumbered(t *testing.T) {
	rec := NewReplay("x")
	for range 2 {
		if err := rec.Add("", replayGrid(2, 3, 3, 0.5)); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(rec.Labels(), []string{"1", "2"}) {
		t.Errorf("labels %q", rec.Labels())
	}
}

func TestReplayRejectsBadShapes(t *testing.T) {
	rec := NewReplay("x")
	for _, c := range []struct {
		images *tensor.Tensor
		want   []string
	}{
		{nil, []string{"nil"}},
		{tensor.Zeros(28, 28), []string{"[28 28]", "(N, H, W, C)"}},
		{tensor.Zeros(2, 4, 4, 2), []string{"[2 4 4 2]", "C = 1 or 3"}},
		{tensor.Zeros(1, 2, 3, 4, 1), []string{"[1 2 3 4 1]"}},
		{tensor.Zeros(0, 4, 4, 1), []string{"[0 4 4 1]"}},
	} {
		err := rec.Add("epoch 1", c.images)
		if err == nil {
			t.Errorf("no error for %v", c.images)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %q", err, w)
			}
		}
	}
	if rec.Len() != 0 {
		t.Fatalf("a rejected grid was recorded: %d frames", rec.Len())
	}
	if err := rec.Add("epoch 1", replayGrid(4, 5, 5, 0)); err != nil {
		t.Fatal(err)
	}
	err := rec.Add("epoch 2", replayGrid(4, 6, 5, 0))
	if err == nil || !strings.Contains(err.Error(), "[4 6 5 1]") || !strings.Contains(err.Error(), "[4 5 5 1]") || !strings.Contains(err.Error(), `"epoch 1"`) {
		t.Errorf("a grid of another shape: error %v", err)
	}
}

func TestReplayEmptyIsAnError(t *testing.T) {
	_, err := NewReplay("GAN samples").Chart()
	if err == nil || !strings.Contains(err.Error(), "no frame") || !strings.Contains(err.Error(), "GAN samples") {
		t.Errorf("empty replay: error %v", err)
	}
	if _, err := NewReplay("GAN samples").Show(); err == nil {
		t.Error("Show of an empty replay: no error")
	}
}

func TestReplayKeepAndLoad(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GODL_MODELS", dir)
	if _, err := LoadReplay("gan"); err == nil || !strings.Contains(err.Error(), `"gan"`) || !strings.Contains(err.Error(), "Keep") {
		t.Errorf("nothing kept: error %v", err)
	}
	rec := NewReplay("GAN samples").Keep("gan")
	a, b := tensor.Uniform(tensor.NewRand(1), 0, 1, 3, 4, 4, 1), tensor.Uniform(tensor.NewRand(2), 0, 1, 3, 4, 4, 1)
	if err := rec.Add("epoch 1", a); err != nil {
		t.Fatal(err)
	}
	if err := rec.Add("epoch 2", b); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gan.replay")); err != nil {
		t.Fatalf("the replay was not kept in GODL_MODELS: %v", err)
	}
	// A new recording under the same name that adds nothing (a model reloaded by Memo) keeps it.
	_ = NewReplay("GAN samples").Keep("gan")
	got, err := LoadReplay("gan")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Labels(), []string{"epoch 1", "epoch 2"}) || got.Len() != 2 {
		t.Fatalf("loaded labels %q", got.Labels())
	}
	for i, want := range []*tensor.Tensor{a, b} {
		if d := tensor.MaxAbsDiff(got.Frames()[i], want); d > 1e-7 {
			t.Errorf("loaded frame %d differs by %g", i, d)
		}
	}
	if c, err := got.Chart(); err != nil || c.Title != "GAN samples" {
		t.Errorf("chart of the loaded replay: %v", err)
	}
	// A new training replaces the kept recording from its first Add.
	again := NewReplay("GAN samples").Keep("gan")
	if err := again.Add("epoch 1", b); err != nil {
		t.Fatal(err)
	}
	if got, _ := LoadReplay("gan"); got.Len() != 1 {
		t.Errorf("after a new recording's first Add, the kept one has %d frames, want 1", got.Len())
	}
	// Damaged file, bad name.
	if err := os.WriteFile(filepath.Join(dir, "bad.replay"), []byte("not gob"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadReplay("bad"); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged file: error %v", err)
	}
	if err := NewReplay("x").Keep("a/b").Add("e", a); err == nil || !strings.Contains(err.Error(), `"a/b"`) {
		t.Errorf("bad name: error %v", err)
	}
}
