// Command xlacheck trains LeNet for a few steps from saved initial weights and prints, as JSON,
// the loss of every step and the logits of the first test images. Run on two backends from the
// same weights, the numbers must agree up to float32 rounding: that is how kernel/xla_test.go
// checks that the XLA backend computes what the pure-Go backend computes (the Go backend uses
// im2col convolutions, XLA its own, so the two paths are independent).
//
//	xlacheck -init DIR              # writes LeNet's initial weights (seed 1) to DIR
//	GOMLX_BACKEND=xla:cpu xlacheck -from DIR -steps 5
//
// It must be built without the noxla tag to run on XLA.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
)

// report is what xlacheck prints.
type report struct {
	Backend string      `json:"backend"`
	Losses  []float64   `json:"losses"` // training loss of each optimizer step
	Logits  [][]float32 `json:"logits"` // (images, 10) after training
}

func main() {
	initDir := flag.String("init", "", "write LeNet's initial weights to this folder and exit")
	from := flag.String("from", "", "folder of the initial weights written with -init")
	steps := flag.Int("steps", 5, "optimizer steps (SGD, batch 32, no shuffling)")
	images := flag.Int("images", 4, "test images whose logits are printed")
	flag.StringVar(&nn.ConvAlgorithm, "conv", nn.ConvAlgorithm, "nn.ConvAlgorithm: auto, direct or im2col")
	flag.Parse()
	if err := run(*initDir, *from, *steps, *images); err != nil {
		fmt.Fprintln(os.Stderr, "xlacheck:", err)
		os.Exit(1)
	}
}

func run(initDir, from string, steps, images int) error {
	m := nn.LeNet(10).Seed(1)
	if initDir != "" {
		if err := m.Build(28, 28, 1); err != nil {
			return err
		}
		return m.Save(initDir)
	}
	if from == "" {
		return fmt.Errorf("give -init DIR or -from DIR")
	}
	if err := m.Load(from); err != nil {
		return err
	}
	train, test, err := datasets.MNIST()
	if err != nil {
		return err
	}
	const batch = 32
	h, err := m.Fit(train.Take(steps * batch)).Epochs(1).BatchSize(batch).Shuffle(false).
		Optimizer(nn.SGD(0.05)).Progress(false).Done()
	if err != nil {
		return err
	}
	rep := report{Backend: nn.BackendName()}
	for _, s := range h.Steps {
		rep.Losses = append(rep.Losses, s.Loss)
	}
	out, err := m.Predict(test.Take(images))
	if err != nil {
		return err
	}
	for _, row := range out.Rows() {
		logits := make([]float32, len(row))
		for i, v := range row {
			logits[i] = float32(v)
		}
		rep.Logits = append(rep.Logits, logits)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}
