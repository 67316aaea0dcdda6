package nn

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/godl-course/godl/datasets"
)

// FitConfig configures a training run; create it with [Model.Fit], set options, and call Done.
type FitConfig struct {
	m         *Model
	train     *datasets.Dataset
	val       *datasets.Dataset
	epochs    int
	batch     int
	opt       Optimizer
	loss      Loss
	metrics   []Metric
	step      StepFunc
	aug       *datasets.Augmentation
	schedule  Schedule
	callbacks []Callback
	shuffle   bool
	seed      int64
	progress  bool
}

// Fit starts configuring the training of the model on train. Defaults: 1 epoch, batch size
// 32, Adam(1e-3), shuffling every epoch, CrossEntropy for labelled data and MSE for dense
// targets, a progress bar. Example:
//
//	hist := nb.Must(model.Fit(train).Epochs(3).BatchSize(64).Optimizer(nn.Adam(1e-3)).Validation(test).Done())
//
// The mini-batches come from train.Batches (package datasets): shuffled with the seed, the last
// one completed with examples from the start of the epoch (every step has the same batch size),
// augmented on the fly with Augment.
func (m *Model) Fit(train *datasets.Dataset) *FitConfig {
	return &FitConfig{m: m, train: train, epochs: 1, batch: 32, opt: Adam(1e-3), schedule: Constant(),
		shuffle: true, seed: m.seed, progress: true}
}

// Epochs sets the number of passes over the training data.
func (f *FitConfig) Epochs(n int) *FitConfig { f.epochs = n; return f }

// BatchSize sets the number of examples per optimizer step (mini-batch).
func (f *FitConfig) BatchSize(n int) *FitConfig { f.batch = n; return f }

// Optimizer sets the optimizer, e.g. nn.SGD(0.1) or nn.Adam(1e-3).
func (f *FitConfig) Optimizer(o Optimizer) *FitConfig { f.opt = o; return f }

// Loss sets the loss, e.g. nn.MSE or nn.BinaryCrossEntropy.
func (f *FitConfig) Loss(l Loss) *FitConfig { f.loss = l; return f }

// Metrics adds metrics measured at every step and on the validation data, next to the loss
// (and the accuracy, always measured for labelled data): nn.IoUMetric(), nn.DiceMetric(),
// nn.PSNRMetric(1), nn.MAEMetric() or any [NewMetric].
func (f *FitConfig) Metrics(ms ...Metric) *FitConfig { f.metrics = append(f.metrics, ms...); return f }

// Augment applies random augmentation to every mini-batch, new draws every epoch (the data set
// is not changed): datasets.Augmentation{Shift: 2, Rotate: 10}. The draws depend on the
// augmentation's Seed, the epoch and the batch, so runs are reproducible. On normalized data the
// images are augmented as pictures (normalization undone, then applied again).
func (f *FitConfig) Augment(a datasets.Augmentation) *FitConfig { f.aug = &a; return f }

// Step replaces the training step "output = model(x); minimize Loss(output, y)" by fn, for
// training that is not one model and one loss: a GAN (two models, each minimizing its own
// loss), an actor-critic, a model trained on data without targets. fn builds the losses of one
// batch with s.Minimize and records values with s.Record; Fit does the rest (gradients,
// optimizer, schedule, progress bar, History, validation, callbacks):
//
//	G, D := generator().Named("G"), discriminator().Named("D")
//	gan := nn.Group(G, D)
//	hist := nb.Must(gan.Fit(images).Epochs(30).Optimizer(nn.Adam(2e-4)).Step(func(s *nn.Step, x, _ *nn.Node) {
//		fake := s.Apply(G, s.RandomNormal(x.Shape().Dimensions[0], 64))
//		dReal, dFake := s.Apply(D, x), s.Apply(D, fake)
//		s.Minimize(lossD(dReal, dFake), D) // trains D only
//		s.Minimize(lossG(dFake), G)        // trains G only
//		s.Record("D(x)", graph.ReduceAllMean(graph.Logistic(dReal)))
//	}).Done())
//
// The Loss and Metrics settings are not used with a Step (the step computes its own).
func (f *FitConfig) Step(fn StepFunc) *FitConfig { f.step = fn; return f }

// Schedule sets how the learning rate changes with the steps (default Constant).
func (f *FitConfig) Schedule(s Schedule) *FitConfig { f.schedule = s; return f }

// Validation evaluates the model on d after each epoch (ValLoss, ValMetrics in the History).
func (f *FitConfig) Validation(d *datasets.Dataset) *FitConfig { f.val = d; return f }

// Callbacks adds callbacks (EarlyStopping, Checkpoint, a viz live chart, ...).
func (f *FitConfig) Callbacks(cb ...Callback) *FitConfig {
	f.callbacks = append(f.callbacks, cb...)
	return f
}

// Shuffle turns reshuffling of the training data every epoch on (default) or off.
func (f *FitConfig) Shuffle(on bool) *FitConfig { f.shuffle = on; return f }

// Seed sets the seed of the shuffling (default: the model's seed).
func (f *FitConfig) Seed(seed int64) *FitConfig { f.seed = seed; return f }

// Progress turns the progress bar on (default) or off.
func (f *FitConfig) Progress(on bool) *FitConfig { f.progress = on; return f }

// trainer holds a compiled training step and the names of the values it records.
type trainer struct {
	exec  *model.Exec
	names []string
	key   string // "" for custom steps (never reused)
}

// Done trains the model and returns its History. Bad settings (learning rate ≤ 0, batch
// size 0, labels out of range, shape mismatches) are reported as errors before training.
// When a callback stops training with ErrStopTraining, Done returns the History and nil.
func (f *FitConfig) Done() (*History, error) {
	f.chooseBackend()
	if err := f.check(); err != nil {
		return nil, err
	}
	m := f.m
	h := &History{}
	m.history = h
	err := catch(func() { f.run(h) })
	if errors.Is(err, ErrStopTraining) {
		err = nil
	}
	return h, err
}

func (f *FitConfig) check() error {
	if f.train == nil {
		return fmt.Errorf("nn.Fit: the training data set is nil")
	}
	if f.m.err != nil {
		return f.m.err
	}
	if err := checkInputs(f.train); err != nil {
		return err
	}
	if f.batch <= 0 {
		return fmt.Errorf("nn.Fit: the batch size must be at least 1, got %d (try .BatchSize(32))", f.batch)
	}
	if f.epochs <= 0 {
		return fmt.Errorf("nn.Fit: the number of epochs must be at least 1, got %d", f.epochs)
	}
	if f.opt == nil {
		return fmt.Errorf("nn.Fit: the optimizer is nil (try .Optimizer(nn.Adam(1e-3)))")
	}
	if err := checkOptimizer(f.opt); err != nil {
		return err
	}
	if _, err := metricNames(f.metrics); err != nil {
		return err
	}
	if err := checkFinite(f.train); err != nil {
		return err
	}
	if f.val != nil {
		if err := checkFinite(f.val); err != nil {
			return fmt.Errorf("nn.Fit: validation data: %w", err)
		}
	}
	if f.aug != nil {
		if err := f.train.Batches(1).Augment(*f.aug).Err(); err != nil {
			return fmt.Errorf("nn.Fit: %w", err)
		}
	}
	if f.step != nil {
		if f.val != nil {
			if err := checkInputs(f.val); err != nil {
				return fmt.Errorf("nn.Fit: validation data: %w", err)
			}
		}
		return nil
	}
	if f.m.members != nil {
		return fmt.Errorf("nn.Fit: %s trains with a custom step: .Step(func(s *nn.Step, x, y *nn.Node) { ... s.Minimize(loss, model) ... })", f.m.describe())
	}
	if err := f.m.Build(f.train.Shape...); err != nil {
		return err
	}
	if f.loss == nil {
		f.loss = defaultLoss(f.train)
	}
	if err := checkTargetsFor(f.train, f.m.output, f.loss); err != nil {
		return err
	}
	if f.val != nil {
		if err := checkInputs(f.val); err != nil {
			return fmt.Errorf("nn.Fit: validation data: %w", err)
		}
		if fmt.Sprint(f.val.Shape) != fmt.Sprint(f.train.Shape) {
			return fmt.Errorf("nn.Fit: validation examples have shape %s but training examples have shape %s",
				dimsString(f.val.Shape), dimsString(f.train.Shape))
		}
		if err := checkTargetsFor(f.val, f.m.output, f.loss); err != nil {
			return fmt.Errorf("nn.Fit: validation data: %w", err)
		}
	}
	return nil
}

// checkTargetsFor checks d's labels or targets; a data set without any is accepted for a loss
// made with NewLoss (which may not need targets).
func checkTargetsFor(d *datasets.Dataset, outShape []int, loss Loss) error {
	if d.Labels == nil && d.Targets == nil {
		if isCustomLoss(loss) {
			return nil
		}
		return fmt.Errorf("nn: %s has neither Labels nor Targets, and the loss %s needs them: give the data set targets (for an autoencoder, the inputs themselves), or train with a loss made by nn.NewLoss or a custom .Step",
			dsName(d), loss)
	}
	return checkTargets(d, outShape)
}

func defaultLoss(d *datasets.Dataset) Loss {
	if d.Labels != nil {
		return CrossEntropy
	}
	return MSE
}

// trainerFor returns the compiled training step, reusing the last one when nothing it depends
// on changed (same optimizer, loss, metrics, frozen layers and kind of data).
func (f *FitConfig) trainerFor() *trainer {
	m := f.m
	key := ""
	fn := f.step
	if fn == nil {
		key = fmt.Sprintf("%p %p %v %v %v %v", f.opt, f.loss, f.metrics, m.frozen, f.train.Labels != nil, f.train.Targets != nil)
		fn = defaultStep(m, f.loss, f.metrics, f.train.Labels != nil)
	}
	if m.trainer != nil && key != "" && m.trainer.key == key {
		return m.trainer
	}
	tr := &trainer{key: key}
	tr.exec = m.stepExec(fn, f.opt, true, &tr.names)
	m.trainer = tr
	m.loss, m.metrics, m.step = f.loss, f.metrics, f.step
	return tr
}

// accuracyNode is the fraction of examples whose predicted class (arg-max of the logits, or
// logit > 0 for one output) equals the label.
func accuracyNode(out, labels *Node) *Node {
	var pred *Node
	if out.Shape().Dimensions[out.Rank()-1] == 1 {
		pred = graph.ConvertDType(graph.GreaterThan(graph.Reshape(out, -1), graph.ScalarZero(out.Graph(), out.DType())), dtypes.Int32)
	} else {
		pred = graph.ArgMax(out, -1, dtypes.Int32)
	}
	return graph.ReduceAllMean(graph.ConvertDType(graph.Equal(pred, labels), dtypes.Float32))
}

// stepInputs returns the inputs of a step graph for one batch: the learning rate, x and, when
// the data set has them, the labels or targets.
func stepInputs(lr float64, b *datasets.Batch) []any {
	x := tensors.FromFlatDataAndDimensions(b.X, append([]int{b.Size}, b.Shape...)...)
	in := []any{tensors.FromScalar(float32(lr)), x}
	switch {
	case b.Labels != nil:
		y := make([]int32, b.Size)
		for i, l := range b.Labels {
			y[i] = int32(l)
		}
		in = append(in, tensors.FromFlatDataAndDimensions(y, b.Size))
	case b.Targets != nil:
		in = append(in, tensors.FromFlatDataAndDimensions(b.Targets, append([]int{b.Size}, b.TargetShape...)...))
	}
	return in
}

func (f *FitConfig) run(h *History) {
	m, d := f.m, f.train
	tr := f.trainerFor()
	n := d.Len()
	batch := min(f.batch, n)
	b := d.Batches(batch).FillLast()
	if f.shuffle {
		b = b.Shuffle(f.seed)
	}
	if f.aug != nil {
		b = b.Augment(*f.aug)
	}
	b = b.Done()
	stepsPerEpoch := b.Len()
	bar := newProgress(f.progress, f.epochs, stepsPerEpoch,
		fmt.Sprintf("Training on %s: %d examples, %d epoch(s) of %d steps (batch %d)", backendLine(), n, f.epochs, stepsPerEpoch, batch))
	start := time.Now()
	callbacks := []Callback{stopOnNaN{}}
	if f.step == nil {
		callbacks = append(callbacks, &divergenceCheck{})
	}
	callbacks = append(callbacks, f.callbacks...)
	emit := func(e Event) {
		for _, cb := range callbacks {
			if err := cb.OnEvent(e, h); err != nil {
				bar.finish(h)
				panic(passErr{err})
			}
		}
	}
	emit(TrainBegin)
	step := 0
	for epoch := 1; epoch <= f.epochs; epoch++ {
		epochStart := time.Now()
		var sumLoss float64
		var sums []float64 // per recorded value (its names are known once the graph is built)
		seen, s := 0, 0
		for bt := range b.Epoch(epoch) {
			step++
			s++
			lr := f.schedule.LR(f.opt.LearningRate(), step)
			t0 := time.Now()
			outs := run(tr.exec, stepInputs(lr, bt)...)
			took := time.Since(t0)
			loss := float64(tensors.ToScalar[float32](outs[0]))
			rec := Record{Epoch: epoch, Step: step, Loss: loss, LR: lr, ValLoss: math.NaN(),
				ExamplesPerSec: float64(bt.Size) / took.Seconds(), Elapsed: time.Since(start), Duration: took}
			sumLoss += loss * float64(bt.Size)
			seen += bt.Size
			if sums == nil {
				sums = make([]float64, len(tr.names))
			}
			if len(tr.names) > 0 {
				rec.Metrics = map[string]float64{}
				for i, name := range tr.names {
					v := float64(tensors.ToScalar[float32](outs[1+i]))
					rec.Metrics[name] = v
					sums[i] += v * float64(bt.Size)
				}
			}
			h.Steps = append(h.Steps, rec)
			emit(StepEnd)
			bar.step(h, rec, s)
		}
		er := Record{Epoch: epoch, Step: step, Loss: sumLoss / float64(seen), LR: h.Steps[len(h.Steps)-1].LR,
			ValLoss: math.NaN(), ExamplesPerSec: float64(seen) / time.Since(epochStart).Seconds()}
		if len(tr.names) > 0 {
			er.Metrics = map[string]float64{}
			for i, name := range tr.names {
				er.Metrics[name] = sums[i] / float64(seen)
			}
		}
		if f.val != nil {
			ev := m.mustEvaluate(f.val, 256)
			er.ValLoss = ev.Loss
			er.ValMetrics = ev.Metrics
		}
		now := time.Now()
		er.Elapsed, er.Duration = now.Sub(start), now.Sub(epochStart)
		h.Epochs = append(h.Epochs, er)
		bar.epoch(h, er)
		emit(EpochEnd)
	}
	bar.finish(h)
	emit(TrainEnd)
}

// chooseBackend lets GOMLX_BACKEND=auto choose the backend by the length of this run
// (backend_auto.go), before anything builds the model.
func (f *FitConfig) chooseBackend() {
	if f.train == nil || f.batch <= 0 || f.epochs <= 0 || !isAuto() {
		return
	}
	n := f.train.Len()
	chooseForTraining(f.m, f.epochs*((n+f.batch-1)/f.batch))
}
