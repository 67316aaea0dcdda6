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
//	viz.Curves(history)                        // loss and metrics, train vs validation
//	viz.LiveCurves()                           // an nn.Callback: the same, updated in place during nn.Fit
//	viz.Func(math.Tanh, -4, 4)                 // any y = f(x)
//	viz.Funcs(map[string]func(float64) float64{"tanh": math.Tanh}, -4, 4) // f and f′ side by side
//	viz.Lines(series, viz.XLabel("epoch"))     // any curves; viz.SeriesOf(name, history, "val_accuracy")
//	viz.Scatter(points, labels)                // 2-D points (N, 2) coloured by class
//	viz.Samples(train, 20)                     // images with their class names (normalization undone)
//	viz.Images(batch, nil)                     // a batch tensor (N, H, W, C) as a grid
//	viz.Confusion(predictions, labels)         // confusion matrix heatmap (predictions first, as nn.Accuracy)
//	viz.Filters(weights["kernel"])             // a convolution kernel's filters
//	viz.ActivationMaps(acts[0].Value)          // the maps of one layer
//	viz.LayerMaps(acts)                        // feature maps through each conv layer
//	viz.GradientNorms(norms)                   // ‖∂L/∂w‖ per layer
//	viz.Histograms(names, tensors)             // distributions of values (activations, weights)
//	viz.DecisionBoundary(train, model)         // classes over the plane of 2-D data
//	viz.ComputationGraph(L)                    // a scratch.Value's graph, data and grad on each node
//	viz.Trajectories(f, paths)                 // optimizer paths over a 2-D loss surface
//	viz.Segmentation(test, probs, 4)           // image, true mask, predicted mask with its IoU
//	viz.BeforeAfter(pairs, outputs, 3)         // hazy input, output, ground truth with PSNR
//	viz.Augmentations(train, aug, 4, 5)        // images next to augmented versions
//	viz.Summary(model)                         // the model's layers as an HTML table
//
// Arrays are the course's *tensor.Tensor (package tensor), as nn returns them; data sets are
// *datasets.Dataset. Options come after the data: viz.Curves(h, viz.LogY(), viz.Title("LeNet")).
// The *Chart constructors (CurvesChart, LinesChart, ...) build a chart without showing it, for
// saving it elsewhere or inspecting its echarts option and PNG.
//
// # Where the echarts JavaScript comes from
//
// No CDN is ever used. The echarts library is the npm package `echarts` installed by `make setup`
// (node_modules/echarts/dist/echarts.min.js at the module root). It is looked up, in order, at
// the path in $GODL_ECHARTS_JS, then next to this package's source (walking up to the module
// root), then above the working directory. See assets.EchartsPath (package viz/assets).
//
// The library is inlined into the notebook once per kernel session, as its own output just
// before the first chart: a marker file in the GoNB session folder ($GONB_TMP_DIR, which GoNB
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
