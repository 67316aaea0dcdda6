// Package demo holds the lecture's step-by-step demonstrations, for the teacher in front of the
// class and for the student who replays them. Each demo computes its steps in Go with the same
// nn and nn/scratch code the notebooks use, and shows them as one chart with frames
// (viz.Frames): the page receives every step at once and echarts' timeline flips between them
// (◀ ▶, play/pause, a slider), with no kernel round trip, so a demo also plays in the exported
// HTML and after the kernel stopped; the static picture (GitHub, PDF) shows a chosen step.
//
// One-liners show a demo; the *Chart forms build it without showing it; the *Steps forms return
// the numbers behind the frames (tested against nn/scratch):
//
//	nb.Must(demo.Playground(datasets.Spiral(100, 3, 0.2, 1), nn.Sequential(nn.Dense(16), nn.Tanh(), nn.Dense(3))))
//	L := scratch.NewValue(2).Mul(scratch.NewValue(-3)).Tanh()
//	nb.Must(demo.ChainRule(L))
//	x := tensor.New([]float64{1, 2, 0, 1, 3, 0, 1, 2, 1, 1, 0, 2, 2, 1, 0, 1}, 4, 4)
//	nb.Must(demo.Convolution(x, tensor.New([]float64{1, 0, 0, -1}, 2, 2)))
//	nb.Must(demo.MaxPool(x, 2, 2))
//	nb.Must(demo.Optimizers("saddle", "steps", []float64{0, 10, 20, 40, 80}))
//
// Live demos are computed on demand instead: [NewLive] shows sliders, choices and buttons (GoNB's
// widgets) and redraws its chart in the kernel when one changes, until its Stop button, an idle
// timeout or an interrupt ends it; [PlaygroundLive] trains a model 10 or 100 steps per press.
// Where no page is connected (a headless run) they draw once and return.
package demo
