// Package nn is the course's neural-network package: layers, models, losses, optimizers and
// training loops that speak the lecture's language, on top of GoMLX (graphs, automatic
// differentiation, backends, checkpoints).
//
// # The one-liner
//
// In a notebook cell (nb.Must stops the cell with a clear message if something fails):
//
//	train, test := nb.Must2(datasets.MNIST())
//	model := nn.Sequential(nn.Flatten(), nn.Dense(128), nn.ReLU(), nn.Dense(10))
//	hist := nb.Must(model.Fit(train).Epochs(3).BatchSize(64).Optimizer(nn.Adam(1e-3)).Validation(test).Done())
//	res := nb.Must(model.Evaluate(test))
//	fmt.Println(model.Summary())
//	fmt.Printf("loss %.3f, test accuracy %.1f%% after %d epochs\n", res.Loss, 100*res.Accuracy, len(hist.Epochs))
//	fmt.Println(hist)        // a table, one row per epoch; hist.Last() is the last row
//	fmt.Println(res)         // loss 0.1230, accuracy 96.50%
//
// Fit defaults: 1 epoch, batch size 32, Adam(1e-3), shuffling each epoch, CrossEntropy for
// labelled data (the last layer outputs logits: no Softmax layer) and MSE for dense targets, and
// a progress bar (HTML updated in place in a notebook, one rewritten line in a terminal).
// Options come before Done: .Validation(test), .Augment(datasets.Augmentation{Shift: 2}),
// .Metrics(nn.IoUMetric()), .Schedule(nn.Cosine(...)), .Callbacks(viz.LiveCurves()), or
// .Memo("name") instead of Done to train once and reload in later cells.
//
// # Data and arrays
//
// Training and evaluation take a *datasets.Dataset: X holds the examples one after the other,
// Shape the shape of one example (images are height × width × channels), and Labels (class ids)
// or Targets (dense values). Shapes inside the model are batch first: (batch, 28, 28, 1).
//
// Arrays that come out of nn are the course's one array type, *tensor.Tensor (package tensor:
// a shape and float64 values, row-major), the same that nn/scratch computes with and viz draws:
// [Model.Predict] (outputs (N, ...)), [Model.Weights] (copies), [Model.Activations] (every
// layer's output), [LayerGradients] (one layer's forward and backward, the reference for a
// hand-written Backward), and the metrics [IoU], [DiceScore], [PSNR], [SSIM] take them.
// Conversions to and from GoMLX tensors stay inside nn.
//
// # Building models
//
//   - Layers: [Dense] (alias [Linear]), [Conv2D], [MaxPool2D], [AvgPool2D], [BatchNorm],
//     [Dropout], [Flatten], activations [ReLU], [Sigmoid], [Tanh], [LeakyReLU], [Softmax].
//   - [Sequential] stacks layers; [NewModel] takes any Go function of layers (ResNet, U-Net,
//     GANs): apply a layer with c.Apply(layer, x) and combine Nodes with GoMLX graph ops. A
//     model applied inside another keeps its weights there (and shares them when applied
//     twice); [Group] puts models together for a custom training step; [Model.Named] names one.
//   - Initializers per layer (WithInit), named as PyTorch and Keras name them (the table is in
//     [LeCunNormal]'s doc): [LeCunNormal] (Var(W) = 1/n_in, what the lecture calls Xavier's),
//     [GlorotUniform] (the default; Xavier/Glorot: 2/(n_in + n_out)), [GlorotNormal], [He]
//     (2/n_in), [Normal](σ), [Zeros].
//   - [Model.Summary] / [Model.SummaryHTML]: layers, output shapes, parameter counts.
//
// # Training
//
//   - Losses: [MSE], [CrossEntropy], [BinaryCrossEntropy], [L1], [Dice], [Hinge] (a linear SVM
//     with a Dense layer), [NewDetectionLoss] (a single-shot grid detector).
//   - Optimizers, written next to the lecture's formulas: [SGD], [Momentum], [Adagrad],
//     [RMSProp], [Adam] (Kingma & Ba with bias correction, not the lecture's slide: see Adam).
//   - Learning-rate schedules: [Constant], [StepDecay], [ExponentialDecay], [Cosine].
//   - [Model.Fit] returns a [History] (per step and per epoch: loss, metrics, learning rate,
//     examples/s; printed, a table); [Callback]s: [EarlyStopping], [Checkpoint], [StopOnNaN] (always on),
//     [StopOnDivergence] (on without a custom Step: a loss 100× its first value), or any
//     [CallbackFunc] (viz uses one to draw live curves). [Model.Evaluate], [Model.Predict],
//     [Model.Classify].
//   - Metrics measured during training next to the loss: accuracy for labelled data, and
//     [IoUMetric], [DiceMetric], [PSNRMetric], [MAEMetric] or [NewMetric] with FitConfig.Metrics.
//   - Evaluation beyond accuracy: [ConfusionMatrix], [PrecisionRecallF1], [TopKAccuracy];
//     segmentation [IoU], [DiceScore] and, on 3-D volumes in millimetres (the CHAOS challenge),
//     [VolumeMetrics] (Dice, RAVD, ASSD, MSSD); images [PSNR], [SSIM]; detection [BoxIoU], [NMS],
//     [MatchBoxes], [PrecisionRecall], [AveragePrecision], [MeanAP], [DecodeGrid].
//   - Training that is not "one model, one loss" (GANs, actor-critic, data without targets):
//     FitConfig.Step with a [StepFunc] that minimizes each loss for the models it should train
//     ([Step.Minimize]) and records values ([Step.Record]). [Model.Freeze] keeps some layers
//     fixed (fine-tuning).
//
// # Errors
//
// Mistakes come back as errors that say what is wrong and how to fix it: a learning rate ≤ 0,
// a batch size of 0, labels out of range, or a shape mismatch (a [LayerError] naming the layer,
// its configuration and its input shape). GoMLX reports errors by panicking; nn recovers those
// panics at its API and returns errors instead.
//
// # State across notebook cells
//
// Each GoNB cell runs as a new process. [Model.Save] / [Model.Load] keep a model on disk
// (GoMLX checkpoints, atomic writes), and [FitConfig.Memo] / [Memo] train once and reload the
// trained model in later cells, retraining only when the architecture or the training settings
// change:
//
//	train, _ := nb.Must2(datasets.MNIST())
//	model := nn.LeNet(10)
//	hist := nb.Must(model.Fit(train.Take(5000)).Epochs(3).Memo("lenet")) // trains once, then loads
//	fmt.Printf("trained in %v\n", hist.Last().Elapsed)
//
// # Backend
//
// nn uses the pure-Go backend unless GOMLX_BACKEND says otherwise (see [Backend],
// [BackendName]); it never downloads an XLA plugin.
package nn
