package nn

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"slices"
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
//	hist, err := model.Fit(train).Epochs(3).BatchSize(64).Optimizer(nn.Adam(1e-3)).Validation(test).Done()
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

// trainer holds the compiled training step for one optimizer and loss.
type trainer struct {
	exec *model.Exec
	opt  Optimizer
	loss Loss
}

// Done trains the model and returns its History. Bad settings (learning rate ≤ 0, batch
// size 0, labels out of range, shape mismatches) are reported as errors before training.
// When a callback stops training with ErrStopTraining, Done returns the History and nil.
func (f *FitConfig) Done() (*History, error) {
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
	if err := checkFinite(f.train); err != nil {
		return err
	}
	if err := f.m.Build(f.train.Shape...); err != nil {
		return err
	}
	if err := checkTargets(f.train, f.m.output); err != nil {
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
		if err := checkTargets(f.val, f.m.output); err != nil {
			return fmt.Errorf("nn.Fit: validation data: %w", err)
		}
	}
	if f.loss == nil {
		f.loss = defaultLoss(f.train)
	}
	return nil
}

func defaultLoss(d *datasets.Dataset) Loss {
	if d.Labels != nil {
		return CrossEntropy
	}
	return MSE
}

// trainerFor returns the compiled training step, reusing it when optimizer and loss are the same.
func (m *Model) trainerFor(opt Optimizer, loss Loss, classification bool) *trainer {
	if m.trainer != nil && m.trainer.opt == opt && m.trainer.loss == loss {
		return m.trainer
	}
	store := m.Store()
	prefix := "optimizer/" + kindOf(opt.String())
	exec, err := model.NewExec(Backend(), store, func(scope *model.Scope, x, y, lr *Node) []*Node {
		g := x.Graph()
		c := newCtx(scope, g, true)
		out := m.Forward(c, x)
		l := loss.Loss(out, y)
		var params []*model.Variable
		var nodes []*Node
		for v := range store.IterVariables() {
			if v.Trainable && isModelVariable(v.Path()) && v.DType() == dtypes.Float32 && v.InUseByGraph(g) {
				params = append(params, v)
				nodes = append(nodes, v.NodeValue(g))
			}
		}
		grads := graph.Gradient(l, nodes...)
		tVar := stepVariable(store)
		t := graph.OnePlus(tVar.NodeValue(g))
		tVar.SetNodeValue(t)
		opt.Update(&Updater{scope: scope, prefix: prefix, LR: lr, T: t, Params: params, Grads: grads})
		outs := []*Node{l}
		if classification {
			outs = append(outs, accuracyNode(out, y))
		}
		return outs
	})
	if err != nil {
		panic(err)
	}
	m.trainer = &trainer{exec: exec, opt: opt, loss: loss}
	m.loss = loss
	return m.trainer
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

func (f *FitConfig) run(h *History) {
	m, d := f.m, f.train
	classification := d.Labels != nil
	tr := m.trainerFor(f.opt, f.loss, classification)
	n := d.Len()
	batch := min(f.batch, n)
	stepsPerEpoch := (n + batch - 1) / batch
	rng := rand.New(rand.NewSource(f.seed))
	order := rangeIdx(0, n)
	bar := newProgress(f.progress, f.epochs, stepsPerEpoch,
		fmt.Sprintf("Training on %s: %d examples, %d epoch(s) of %d steps (batch %d)", BackendName(), n, f.epochs, stepsPerEpoch, batch))
	start := time.Now()
	callbacks := append([]Callback{stopOnNaN{}}, f.callbacks...)
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
		if f.shuffle {
			rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		epochStart := time.Now()
		var sumLoss, sumAcc float64
		seen := 0
		for s := 0; s < stepsPerEpoch; s++ {
			// Every batch has the same size (one compiled graph): the last one is completed
			// with examples from the start of this epoch's order.
			idx := order[s*batch : min(n, (s+1)*batch)]
			if len(idx) < batch {
				idx = append(slices.Clone(idx), order[:batch-len(idx)]...)
			}
			x, y := batchX(d, idx), batchY(d, idx)
			step++
			lr := f.schedule.LR(f.opt.LearningRate(), step)
			t0 := time.Now()
			outs, err := tr.exec.Exec(x, y, tensors.FromScalar(float32(lr)))
			if err != nil {
				panic(err)
			}
			loss := float64(tensors.ToScalar[float32](outs[0]))
			rec := Record{Epoch: epoch, Step: step, Loss: loss, LR: lr, ValLoss: math.NaN(),
				ExamplesPerSec: float64(len(idx)) / time.Since(t0).Seconds(), Elapsed: time.Since(start)}
			sumLoss += loss * float64(len(idx))
			seen += len(idx)
			if classification {
				acc := float64(tensors.ToScalar[float32](outs[1]))
				rec.Metrics = map[string]float64{"accuracy": acc}
				sumAcc += acc * float64(len(idx))
			}
			h.Steps = append(h.Steps, rec)
			emit(StepEnd)
			bar.step(h, rec, s+1)
		}
		er := Record{Epoch: epoch, Step: step, Loss: sumLoss / float64(seen), LR: h.Steps[len(h.Steps)-1].LR,
			ValLoss: math.NaN(), ExamplesPerSec: float64(seen) / time.Since(epochStart).Seconds()}
		if classification {
			er.Metrics = map[string]float64{"accuracy": sumAcc / float64(seen)}
		}
		if f.val != nil {
			ev := m.mustEvaluate(f.val, f.loss, 256)
			er.ValLoss = ev.Loss
			er.ValMetrics = ev.Metrics
		}
		er.Elapsed = time.Since(start)
		h.Epochs = append(h.Epochs, er)
		bar.epoch(h, er)
		emit(EpochEnd)
	}
	bar.finish(h)
	emit(TrainEnd)
}
