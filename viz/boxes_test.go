package viz

import (
	"image/color"
	"strings"
	"testing"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/tensor"
)

// greyDetections is one 20×20 grey image (0.5) with two objects: a box of class 0 at (2, 2)-(8, 8)
// and one of class 1 at (12, 12)-(18, 18).
func greyDetections() *datasets.DetectionSet {
	ds := &datasets.Dataset{Name: "grey", Shape: []int{20, 20, 3}, X: make([]float32, 20*20*3), Classes: []string{"a", "b"}}
	for i := range ds.X {
		ds.X[i] = 0.5
	}
	return &datasets.DetectionSet{Dataset: ds, Grid: 2, Boxes: [][]nn.Box{{
		{X1: 2, Y1: 2, X2: 8, Y2: 8, Class: 0},
		{X1: 12, Y1: 12, X2: 18, Y2: 18, Class: 1},
	}}}
}

func TestBoxesChartDrawsClassColours(t *testing.T) {
	img := tensor.Full(0.5, 20, 20, 3)
	boxes := []nn.Box{{X1: 2, Y1: 2, X2: 8, Y2: 8, Class: 0, Score: 0.9}, {X1: 12, Y1: 12, X2: 18, Y2: 18, Class: 1}}
	c, err := BoxesChart(img, boxes, Classes("cat", "dog"), Title("two boxes"))
	if err != nil {
		t.Fatal(err)
	}
	if c.option != nil {
		t.Error("a box chart is a picture only, like the other image charts")
	}
	if c.Title != "two boxes" || c.Width != 360 {
		t.Errorf("title %q, width %d", c.Title, c.Width)
	}
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	pic := decodePNG(t, b, c.Width, c.Height)
	blue, orange := mustHex(palette[0]), mustHex(palette[1])
	nBlue, nOrange := countNear(pic, blue, 30), countNear(pic, orange, 30)
	if nBlue < 100 || nOrange < 100 {
		t.Errorf("%d blue and %d orange pixels: want both boxes in their class colours", nBlue, nOrange)
	}
	if n := countNear(pic, color.NRGBA{128, 128, 128, 255}, 3); n < 20000 {
		t.Errorf("%d grey pixels, want the image", n)
	}
	if got := boxLabel(boxes[0], []string{"cat", "dog"}); got != "cat 0.90" {
		t.Errorf("label %q, want the class name and the score", got)
	}
	if got := boxLabel(boxes[1], nil); got != "1" {
		t.Errorf("label %q, want the class id without a score (ground truth)", got)
	}
	// A batch of one image works too; several do not.
	if _, err := BoxesChart(img.Reshape(1, 20, 20, 3), nil); err != nil {
		t.Error(err)
	}
	if _, err := BoxesChart(tensor.Zeros(2, 20, 20, 3), nil); err == nil || !strings.Contains(err.Error(), "images.Sub(i)") {
		t.Errorf("a batch of 2: %v", err)
	}
	if _, err := BoxesChart(img, []nn.Box{{X1: 5, Y1: 0, X2: 2, Y2: 4}}); err == nil || !strings.Contains(err.Error(), "box 0") || !strings.Contains(err.Error(), "x2 = 2 is left of x1 = 5") {
		t.Errorf("bad box: %v", err)
	}
}

func TestDetectionsChartMarksErrors(t *testing.T) {
	ds := greyDetections()
	pred := [][]nn.Box{{
		{X1: 2, Y1: 2, X2: 8, Y2: 8, Class: 0, Score: 0.9},     // right
		{X1: 3, Y1: 2, X2: 9, Y2: 8, Class: 0, Score: 0.8},     // a duplicate: false positive
		{X1: 12, Y1: 12, X2: 18, Y2: 18, Class: 0, Score: 0.7}, // wrong class: false positive, object b missed
	}}
	c, err := DetectionsChart(ds, pred, 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "Detections: 1 right (green), 2 false positives (red), 1 missed (yellow)" {
		t.Errorf("title %q", c.Title)
	}
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	pic := decodePNG(t, b, c.Width, c.Height)
	for name, col := range map[string]color.NRGBA{"green": maskColor, "red": falsePos, "yellow": falseNeg} {
		if n := countNear(pic, col, 30); n < 50 {
			t.Errorf("%d %s pixels, want its boxes", n, name)
		}
	}
	// Without predictions: the true boxes in class colours, no green, red or yellow.
	c, err = DetectionsChart(ds, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = c.PNG()
	pic = decodePNG(t, b, c.Width, c.Height)
	if n := countNear(pic, falseNeg, 20); n > 0 {
		t.Errorf("%d yellow pixels without predictions", n)
	}
	if n := countNear(pic, mustHex(palette[1]), 30); n < 50 {
		t.Errorf("%d orange pixels: want the box of class 1", n)
	}
	// One object, one detection: the caption gives their IoU.
	one := &datasets.DetectionSet{Dataset: ds.Dataset, Boxes: [][]nn.Box{ds.Boxes[0][:1]}}
	if _, err := DetectionsChart(one, [][]nn.Box{{{X1: 2, Y1: 2, X2: 8, Y2: 5, Class: 0, Score: 1}}}, 1); err != nil {
		t.Fatal(err)
	}
	// Bad input: a clear error.
	if _, err := DetectionsChart(ds, [][]nn.Box{}, 1); err == nil || !strings.Contains(err.Error(), "0 lists of detections for 1 images") {
		t.Errorf("missing detections: %v", err)
	}
	if _, err := DetectionsChart(ds, [][]nn.Box{{{X1: 2, Y1: 2, X2: 2, Y2: 5}}}, 1); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("empty box: %v", err)
	}
	if _, err := DetectionsChart(&datasets.DetectionSet{Dataset: ds.Dataset}, nil, 1); err == nil || !strings.Contains(err.Error(), "1 images but 0 lists of boxes") {
		t.Errorf("no boxes: %v", err)
	}
	if _, err := DetectionsChart(nil, nil, 1); err == nil {
		t.Error("nil data set gave no error")
	}
}

func TestBoxesShowWritesHTMLAndPNG(t *testing.T) {
	fakeEcharts(t)
	t.Setenv(ChartsDirEnv, t.TempDir())
	files, err := Boxes(tensor.Full(0.2, 8, 8), []nn.Box{{X1: 1, Y1: 1, X2: 4, Y2: 4}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(files.HTML, ".html") || !strings.HasSuffix(files.PNG, ".png") {
		t.Errorf("files %+v: want the page and the picture", files)
	}
	files, err = Detections(greyDetections(), nil, 1)
	if err != nil || files.PNG == "" || files.HTML == "" {
		t.Errorf("Detections: %+v, %v", files, err)
	}
}
