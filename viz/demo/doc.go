// Package demo holds the lecture's step-by-step demonstrations, for the teacher in front of the
// class and for the student who replays them. Each demo computes its steps in Go with the same
// nn and nn/scratch code the notebooks use, and shows them as one chart with frames
// (viz.Frames): the page receives every step at once and echarts' timeline flips between them
// (◀ ▶, play/pause, a slider), with no kernel round trip, so a demo also plays in the exported
// HTML and after the kernel stopped; the static picture (GitHub, PDF) shows a chosen step.
//
// One-liners show a demo; the *Chart forms build it without showing it; the *Steps forms return
// the numbers behind the frames (tested against nn/scratch).
package demo
