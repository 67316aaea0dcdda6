package nn

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/godl-course/godl/datasets"
)

// ModelsDir is where [Memo] keeps trained models: $GODL_MODELS if set, else
// <user cache dir>/godl/models (e.g. ~/.cache/godl/models).
func ModelsDir() string {
	if d := os.Getenv("GODL_MODELS"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "godl", "models")
	}
	return filepath.Join(os.TempDir(), "godl-models")
}

// Memo keeps a trained model across notebook cells (each cell is a new process): the first
// time it calls train and saves the model under name; later calls (in the same or another
// cell) load the saved model instead of training again. When the architecture of m changed,
// or the settings in key changed (anything that should force retraining: epochs, data, ...),
// it trains again. The History that train returns is saved with the model and returned by
// later calls (a hand-written training loop can build its own History).
//
//	m := lenet()
//	hist := nb.Must(nn.Memo("lenet", m, func() (*nn.History, error) {
//		return m.Fit(train).Epochs(3).Done()
//	}))
//
// [FitConfig.Memo] is the shorter form for a single Fit.
func Memo(name string, m *Model, train func() (*History, error), key ...string) (*History, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return nil, fmt.Errorf("nn.Memo: invalid name %q: use a simple name like \"lenet\"", name)
	}
	dir := filepath.Join(ModelsDir(), name)
	k := hashKey(key)
	if meta, err := readMeta(dir); err == nil && meta.Key == k {
		err := m.Load(dir)
		if err == nil {
			if m.history == nil {
				m.history = &History{}
			}
			return m.history, nil
		}
		if !errors.Is(err, ErrArchitectureChanged) {
			return nil, err
		}
		// Architecture changed: build a fresh model and retrain.
		if m.input != nil && !slices.Equal(meta.Input, m.input) {
			return nil, err
		}
	}
	h, err := train()
	if err != nil {
		return h, err
	}
	if h != nil {
		m.history = h
	}
	if err := m.save(dir, k); err != nil {
		return h, err
	}
	return h, nil
}

func hashKey(key []string) string {
	if len(key) == 0 {
		return ""
	}
	sum := sha256.Sum256([]byte(strings.Join(key, "\x00")))
	return hex.EncodeToString(sum[:8])
}

// Memo trains like Done, but only the first time: the trained model is saved under name (see
// [Memo]) and later runs, in this cell or the next, load it instead of retraining. Changing the
// architecture, the data set's size or content, the epochs, batch size, optimizer, loss,
// metrics, augmentation or frozen layers retrains. The code of a custom Step is not part of the
// key: give the memo a new name when you change it.
func (f *FitConfig) Memo(name string) (*History, error) {
	if f.train == nil {
		return nil, fmt.Errorf("nn.Fit: the training data set is nil")
	}
	key := fmt.Sprintf("train %s %d; epochs %d; batch %d; %v; %v; %v; seed %d; metrics %v; frozen %v", f.train.Name, f.train.Len(),
		f.epochs, f.batch, f.opt, f.loss, f.schedule, f.seed, f.metrics, f.m.frozen)
	if f.aug != nil {
		key += fmt.Sprintf("; augment %+v", *f.aug)
	}
	if f.step != nil {
		key += "; custom step" // its code is invisible here: rename the memo when it changes
	}
	key += "; data " + dataFingerprint(f.train)
	if f.val != nil {
		key += "; val data " + dataFingerprint(f.val)
	}
	// The initial weights stand for everything that sets them (initializers, the model's seed),
	// so that a changed initializer retrains instead of reloading the old model.
	if f.train != nil && len(f.train.Shape) > 0 && f.step == nil && f.m.members == nil {
		fp, err := f.m.initialWeightsFingerprint(f.train.Shape)
		if err != nil {
			return nil, err
		}
		key += "; init " + fp
	}
	if f.val != nil {
		key += fmt.Sprintf("; val %s %d", f.val.Name, f.val.Len())
	}
	return Memo(name, f.m, f.Done, key)
}

// initialWeightsFingerprint builds the model if needed and hashes the values of its weights
// (call it before training: afterwards the weights are no longer the initial ones).
func (m *Model) initialWeightsFingerprint(exampleShape []int) (string, error) {
	if err := m.Build(exampleShape...); err != nil {
		return "", err
	}
	h := sha256.New()
	err := catch(func() {
		for v := range m.Store().IterVariables() {
			if !isModelVariable(v.Path()) {
				continue
			}
			t, err := v.Value()
			if err != nil {
				panic(err)
			}
			fmt.Fprintf(h, "%s %v;", v.Path(), t.Shape())
			if err := t.ConstBytes(func(b []byte) { h.Write(b) }); err != nil {
				panic(err)
			}
		}
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// dataFingerprint identifies a data set's content cheaply: its shapes, its normalization and
// about 4,096 evenly spaced values of X, the labels and the targets (so that normalizing or
// augmenting the data retrains a memoized model).
func dataFingerprint(d *datasets.Dataset) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d %v %v %d %d;", d.Len(), d.Shape, d.TargetShape, len(d.Labels), len(d.Targets))
	if d.Norm != nil {
		fmt.Fprintf(h, "norm %v;", *d.Norm)
	}
	sample := func(n int, at func(i int) float64) {
		step := max(1, n/4096)
		for i := 0; i < n; i += step {
			fmt.Fprintf(h, "%g,", at(i))
		}
	}
	sample(len(d.X), func(i int) float64 { return float64(d.X[i]) })
	sample(len(d.Labels), func(i int) float64 { return float64(d.Labels[i]) })
	sample(len(d.Targets), func(i int) float64 { return float64(d.Targets[i]) })
	return hex.EncodeToString(h.Sum(nil)[:8])
}
