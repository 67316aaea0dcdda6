package demo

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/godl-course/godl/internal/atomicfile"
	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/tensor"
	"github.com/godl-course/godl/viz"
)

// Replay records pictures taken during a training (a GAN's samples for fixed noise, an
// autoencoder's reconstructions of fixed images), one grid per Add, and plays them back as
// frames, epoch by epoch:
//
//	rec := demo.NewReplay("G(z) for 32 fixed z")
//	... in a Fit callback, at nn.EpochEnd: rec.Add(fmt.Sprintf("epoch %d", epoch), generate(G, fixed))
//	rec.Show(viz.Cols(16))
//
// Each notebook cell is a new process, and Memo reloads a trained model without training it
// again: Keep(name) saves the recording after every Add, and LoadReplay(name) reads it back in
// any later cell or session.
type Replay struct {
	title  string
	labels []string
	frames []*tensor.Tensor
	keep   string // file written after every Add; "" for none
}

// NewReplay returns an empty recording; title is the chart's title.
func NewReplay(title string) *Replay { return &Replay{title: title} }

// replayFile is the file of the recording kept under name.
func replayFile(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", fmt.Errorf("demo: replay name %q: use a simple name like \"15-gan-samples\"", name)
	}
	return filepath.Join(nn.ModelsDir(), name+".replay"), nil
}

// Keep saves the recording after every Add under name, in the folder of nn.Memo's models
// (nn.ModelsDir()), replacing what was kept under that name before: LoadReplay(name) reads it
// back. A recording that is not added to (a model reloaded by Memo) leaves the kept one alone.
func (r *Replay) Keep(name string) *Replay {
	r.keep = name
	return r
}

// Add records one grid of images: images is a batch (N, H, W, C) with C = 1 or 3 (or (N, H, W)),
// pixels in [0, 1], of the same shape at every Add; label names the frame ("epoch 3"; "" gives
// its number). The images are copied. With Keep, the recording is saved.
func (r *Replay) Add(label string, images *tensor.Tensor) error {
	if images == nil {
		return fmt.Errorf("demo: Replay.Add(%q): the images are nil; give a batch (N, H, W, C)", label)
	}
	shape := images.Shape
	if (len(shape) != 3 && len(shape) != 4) || slices.Contains(shape, 0) || len(images.Data) == 0 ||
		(len(shape) == 4 && shape[3] != 1 && shape[3] != 3) {
		return fmt.Errorf("demo: Replay.Add(%q): images of shape %v; give a batch (N, H, W, C) with C = 1 or 3, or (N, H, W) (one image: img.Reshape(1, H, W, C))", label, shape)
	}
	if len(r.frames) > 0 && !slices.Equal(r.frames[0].Shape, shape) {
		return fmt.Errorf("demo: Replay.Add(%q): images of shape %v, but the first frame (%q) has shape %v; record the same grid every time", label, shape, r.labels[0], r.frames[0].Shape)
	}
	if label == "" {
		label = fmt.Sprint(len(r.frames) + 1)
	}
	r.labels = append(r.labels, label)
	r.frames = append(r.frames, images.Clone())
	if r.keep != "" {
		if err := r.save(); err != nil {
			return err
		}
	}
	return nil
}

// Len returns the number of frames recorded.
func (r *Replay) Len() int { return len(r.frames) }

// Labels returns the frames' labels, in the order they were added.
func (r *Replay) Labels() []string { return slices.Clone(r.labels) }

// Frames returns the recorded grids, in the order they were added (copies of what Add got).
func (r *Replay) Frames() []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(r.frames))
	for i, f := range r.frames {
		out[i] = f.Clone()
	}
	return out
}

// Chart builds the frames: each recorded grid as a grid of images (viz.ImagesChart), with the
// timeline of the labels. The static picture shows the last frame unless viz.AtFrame says
// otherwise; options go to the grids and to viz.FramesChart (viz.Cols, viz.Size, viz.PlayMillis,
// viz.Title, ...).
func (r *Replay) Chart(options ...viz.Option) (*viz.Chart, error) {
	if len(r.frames) == 0 {
		if r.keep != "" {
			return nil, fmt.Errorf("demo: the replay %q has no frame; Add the images during training (a Fit callback at nn.EpochEnd), or read a kept one with demo.LoadReplay(%q)", r.title, r.keep)
		}
		return nil, fmt.Errorf("demo: the replay %q has no frame; Add the images during training (a Fit callback at nn.EpochEnd)", r.title)
	}
	options = append([]viz.Option{viz.AtFrame(-1), viz.Title(r.title)}, options...)
	frames := make([]*viz.Chart, len(r.frames))
	for i, f := range r.frames {
		c, err := viz.ImagesChart(f, nil, options...)
		if err != nil {
			return nil, fmt.Errorf("demo: replay frame %d (%q): %w", i, r.labels[i], err)
		}
		frames[i] = c
	}
	return viz.FramesChart(frames, r.labels, options...)
}

// Show shows the frames of Chart.
func (r *Replay) Show(options ...viz.Option) (viz.Files, error) {
	return show(r.Chart(options...))
}

// keptReplay is the file format of a kept recording (encoding/gob).
type keptReplay struct {
	Title  string
	Labels []string
	Shape  []int
	Data   [][]float32 // one slice per frame
}

func (r *Replay) save() error {
	path, err := replayFile(r.keep)
	if err != nil {
		return err
	}
	k := keptReplay{Title: r.title, Labels: r.labels, Shape: r.frames[0].Shape}
	for _, f := range r.frames {
		k.Data = append(k.Data, f.Float32())
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(k); err != nil {
		return fmt.Errorf("demo: saving the replay %q: %w", r.keep, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("demo: saving the replay %q: %w", r.keep, err)
	}
	if err := atomicfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("demo: saving the replay %q: %w", r.keep, err)
	}
	return nil
}

// LoadReplay reads back the recording kept under name (Replay.Keep), e.g. in a later cell or
// after Memo reloaded the trained model. Pixels are kept as float32.
func LoadReplay(name string) (*Replay, error) {
	path, err := replayFile(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("demo: no replay kept under %q (%s): it is written while the model trains (Replay.Keep), so run the training first; if Memo reloads a model trained before the replay was recorded, delete that model's folder in %s to train it again", name, path, nn.ModelsDir())
	}
	if err != nil {
		return nil, fmt.Errorf("demo: reading the replay %q: %w", name, err)
	}
	var k keptReplay
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&k); err != nil {
		return nil, fmt.Errorf("demo: the replay file %s is damaged (%v); delete it and train again", path, err)
	}
	size := 1
	for _, d := range k.Shape {
		size *= d
	}
	if len(k.Labels) != len(k.Data) || len(k.Shape) < 3 {
		return nil, fmt.Errorf("demo: the replay file %s is damaged (%d labels, %d frames, shape %v); delete it and train again", path, len(k.Labels), len(k.Data), k.Shape)
	}
	r := &Replay{title: k.Title, labels: k.Labels, keep: name}
	for i, d := range k.Data {
		if len(d) != size {
			return nil, fmt.Errorf("demo: the replay file %s is damaged (frame %d has %d values for shape %v); delete it and train again", path, i, len(d), k.Shape)
		}
		r.frames = append(r.frames, tensor.FromFloat32(d, k.Shape...))
	}
	return r, nil
}
