// Package viz draws the course's charts inline in GoNB notebooks: training curves (also live,
// while nn.Fit runs), function plots, image grids, confusion matrices and more.
//
// Every chart is sent as one notebook output holding two pictures of the same data:
//
//   - an interactive echarts chart (HTML + JavaScript), shown wherever scripts run
//     (JupyterLab 4 and Notebook 7 with a trusted notebook, classic Notebook, nbconvert HTML,
//     VS Code);
//   - a static PNG drawn in Go with gonum plot, embedded in the same HTML as an <img> that the
//     live chart replaces, and also given as the output's image/png entry. GitHub, nbconvert
//     PDF/LaTeX and untrusted notebooks (whose scripts do not run) show this picture.
//
// One-liners show a chart and return where it went (a notebook output, or files outside a
// notebook); a failure is also printed, so a cell can ignore the results:
//
//	train, test := nb.Must2(datasets.MNIST())
//	train, test = train.Take(2000), test.Take(500)
//	model := nn.LeNet(10)
//	history := nb.Must(model.Fit(train).Epochs(2).Validation(test).
//		Callbacks(viz.LiveCurves()).Done())                // the curves, updated in place while Fit runs
//	viz.Curves(history)                                     // loss and accuracy, training vs validation
//	viz.Lines([]viz.Series{viz.SeriesOf("LeNet", history, "val_accuracy")}, viz.XLabel("epoch"))
//	viz.Summary(model)                                      // the layers as an HTML table
//	viz.Table(history)                                      // the History epoch by epoch (fmt.Println(history) prints it too)
//	viz.Samples(train, 20)                                  // images with their class names
//	pred := nb.Must(model.Classify(test))
//	viz.Predictions(test, pred, 16)                         // predicted (true), mistakes in red
//	viz.Confusion(pred, test.Labels)                        // predictions first, as nn.Accuracy
//	scores := nn.PrecisionRecallF1(nn.ConfusionMatrix(pred, test.Labels, 10))
//	scores.Names = test.Classes
//	viz.Table(scores)                                       // precision, recall, F1 per class and their means
//	viz.Filters(nb.Must(model.Weights("conv2d_1"))["kernel"]) // a convolution kernel's filters
//	acts := nb.Must(model.Activations(test.Take(1)))
//	viz.ActivationMaps(acts[0].Value)                       // the maps of one layer
//	viz.LayerMaps(acts)                                     // feature maps through each conv layer
//	viz.GradientNorms(nb.Must(model.GradientNorms(test.Take(64)))) // ‖∂L/∂w‖ per layer
//	viz.Histograms([]string{"pixels"}, []*tensor.Tensor{test.Take(100).Inputs()})
//	viz.Images(test.Take(8).Inputs(), nil)                  // a batch tensor (N, H, W, C) as a grid
//	viz.Augmentations(train, datasets.Augmentation{Shift: 3, Rotate: 15}, 3, 4)
//	viz.Func(math.Tanh, -4, 4)                              // any y = f(x)
//	viz.Funcs(map[string]func(float64) float64{"tanh": math.Tanh}, -4, 4) // f and f′ side by side
//	spiral := datasets.Spiral(100, 3, 0.1, 1)
//	mlp := nn.Sequential(nn.Dense(32), nn.ReLU(), nn.Dense(3))
//	nb.Must(mlp.Fit(spiral).Epochs(50).Optimizer(nn.Adam(0.01)).Progress(false).Done())
//	viz.DecisionBoundary(spiral, mlp)                       // classes over the plane of 2-D data
//	viz.Scatter(spiral.Inputs(), spiral.Labels)             // 2-D points (N, 2) coloured by class
//	L := scratch.NewValue(2).Mul(scratch.NewValue(-3)).Tanh()
//	L.Backward()
//	viz.ComputationGraph(L)                                 // a scratch.Value's graph, data and grad
//	steps := []*viz.Chart{nb.Must(viz.FuncChart(math.Sin, 0, 6)), nb.Must(viz.FuncChart(math.Cos, 0, 6))}
//	viz.Frames(steps, []string{"sin", "cos"})               // the steps of a demo, played in the page (◀ ▶, play)
//
// Frames sends every step of a demo at once; echarts' timeline flips between them in the page,
// with no kernel round trip, so they also play in an exported HTML file; the static picture
// shows one chosen step (viz.AtFrame). The lecture's demos (package viz/demo) are built on it.
//
// For segmentation and image-to-image models, viz.Segmentation(test, probabilities, 4) shows
// images, true and predicted masks with their IoU, and viz.BeforeAfter(pairs, outputs, 3)
// inputs, outputs and ground truths with their PSNR; viz.Trajectories draws optimizer paths
// over a 2-D loss surface.
//
// Arrays are the course's *tensor.Tensor (package tensor), as nn returns them; data sets are
// *datasets.Dataset. Options come after the data: viz.Curves(h, viz.LogY(), viz.Title("LeNet")).
// The *Chart constructors (CurvesChart, LinesChart, ...) build a chart without showing it, for
// saving it elsewhere or inspecting its echarts option and PNG.
//
// # Where the echarts JavaScript comes from
//
// No CDN is ever used. The echarts library is the course's bundle of the npm package `echarts`:
// only the series types, components and features the charts use, listed in
// viz/assets/echarts-bundle.json and built by `make setup` (scripts/echarts-bundle.mjs, esbuild)
// into node_modules/.cache/godl/echarts.custom.min.js at the module root. It is looked up, in
// order, at the path in $GODL_ECHARTS_JS (which may name any echarts build, such as the whole
// node_modules/echarts/dist/echarts.min.js), then next to this package's source (walking up to
// the module root), then above the working directory. See assets.EchartsPath (package viz/assets).
//
// The library is inlined into the notebook once per kernel session, gzip-compressed in base64
// (unpacked in the page by DecompressionStream: about 0.35 MB in the saved notebook instead of
// 1.1 MB for the whole library as text), as its own output just before the first chart: a marker file in the GoNB session folder ($GONB_TMP_DIR, which GoNB
// creates per kernel and removes at shutdown) records that it was sent; cells are separate
// processes, so a process variable could not. The inlined script is wrapped so that AMD `define`
// (classic Notebook, nbconvert HTML) and a missing or deleted `window.echarts` (VS Code) do not
// matter: it keeps its private reference in `window.__godlEcharts`, and skips itself when that is
// already set. Each chart's own script waits (up to 30 s) for `window.__godlEcharts` and its
// element, then replaces the static picture by the live chart, so a saved notebook re-renders
// when re-opened: the library output comes earlier in the page than the charts that use it.
// If that output was cleared (for instance by re-running its cell in the same kernel session),
// charts keep showing their static picture; restarting the kernel or calling [ResendEcharts]
// sends the library again.
//
// Outside a notebook (go run, go test) charts are written as an HTML page (echarts inlined) and
// a PNG file, whose paths are returned and printed; see [Files] and [Chart.Save].
package viz
