package nn

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/internal/atomicfile"
	"github.com/godl-course/godl/internal/privdir"
)

// ModelsDir is where [Memo] keeps trained models: $GODL_MODELS if set, else
// <user cache dir>/godl/models (e.g. ~/.cache/godl/models), else (no $HOME nor $XDG_CACHE_HOME)
// a folder of the user's own in the temporary folder, <tmp>/godl-<uid>/models: <tmp>/godl-<uid>
// is made readable by the user only, and Memo refuses it when it belongs to another user or
// others may write into it (another user could have put a model there for Memo to load).
func ModelsDir() string {
	d, _ := modelsDir()
	return d
}

// modelsDir is ModelsDir with the error that makes the fallback folder unusable.
func modelsDir() (string, error) {
	if d := os.Getenv("GODL_MODELS"); d != "" {
		return d, nil
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "godl", "models"), nil
	}
	dir, err := privdir.Sub("models")
	var unsafe *privdir.UnsafeError
	switch {
	case errors.As(err, &unsafe):
		return dir, fmt.Errorf("nn.Memo: no home folder ($HOME and $XDG_CACHE_HOME are unset), and the fallback folder for the models, %s, %s: another user may have put models there for Memo to load; set GODL_MODELS to a folder of your own (e.g. GODL_MODELS=$PWD/models), or delete %s if it is yours", unsafe.Dir, unsafe.Why, unsafe.Dir)
	case err != nil:
		return dir, fmt.Errorf("nn.Memo: no home folder ($HOME and $XDG_CACHE_HOME are unset) and no private folder for the models: %w; set GODL_MODELS to a folder of your own", err)
	}
	return dir, nil
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
//
// When it loads the saved model it says so on stdout: from which folder, when it was saved and
// how long its training took (the History returned is the saved one; see History.Reloaded).
// A saved model that is incomplete (weight files missing, a damaged description: see
// ErrIncompleteSave) is trained again, with one line on stdout that says why. Two notebooks
// may use the same name at once: a model being replaced stays readable (see [Model.Save]).
func Memo(name string, m *Model, train func() (*History, error), key ...string) (*History, error) {
	h, _, err := memo(name, m, train, key...)
	return h, err
}

// memo is Memo that also reports whether it reloaded the model instead of training it.
func memo(name string, m *Model, train func() (*History, error), key ...string) (*History, bool, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return nil, false, fmt.Errorf("nn.Memo: invalid name %q: use a simple name like \"lenet\"", name)
	}
	root, err := modelsDir()
	if err != nil {
		return nil, false, err
	}
	dir := filepath.Join(root, name)
	k := hashKey(key)
	var meta *savedMeta
	stale := false // saved with other settings
	// One version of the saved model is read (its description, then its weights), even while
	// another notebook saves a new one into dir (see atomicfile.ReadVersion).
	err = atomicfile.ReadVersion(dir, func(v string) error {
		var err error
		if meta, err = readMetaAt(dir, v); err != nil {
			return err
		}
		if stale = meta.Key != k; stale {
			return nil
		}
		return m.loadAt(dir, v, meta)
	})
	var incomplete *incompleteError
	switch {
	case err == nil && !stale:
		fmt.Println(reloadedLine(name, dir, m.history))
		return m.history, true, nil
	case err == nil: // saved with other settings: train again
	case errors.As(err, &incomplete):
		fmt.Printf("nn.Memo %q: the saved model in %s is incomplete (%s): training again\n", name, dir, incomplete.reason)
	case errors.Is(err, fs.ErrNotExist): // nothing saved yet
	case errors.Is(err, ErrArchitectureChanged):
		// Architecture changed: build a fresh model and retrain.
		if m.input != nil && !slices.Equal(meta.Input, m.input) {
			return nil, false, err
		}
	default:
		return nil, false, err
	}
	h, err := train()
	if err != nil {
		return h, false, err
	}
	if h != nil {
		m.history = h
	}
	if err := m.save(dir, k); err != nil {
		return h, false, err
	}
	return h, false, nil
}

// reloadedLine tells the student that Memo loaded a model instead of training it:
//
//	nn.Memo "lenet": trained model reloaded from /home/ana/.cache/godl/models/lenet (saved 2026-12-02 10:41; 3 epochs, 1m12s of training). To train again, give Memo a new name or delete that folder.
func reloadedLine(name, dir string, h *History) string {
	what := ""
	if n := len(h.Epochs); n > 0 {
		what = fmt.Sprintf("; %d epochs, %s of training", n, roundDuration(h.TrainingTime()))
	}
	return fmt.Sprintf("nn.Memo %q: trained model reloaded from %s (saved %s%s). To train again, give Memo a new name or delete that folder.",
		name, dir, savedStamp(h.SavedAt), what)
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
	f.chooseBackend() // before the fingerprint below builds the model
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
	h, reloaded, err := memo(name, f.m, f.Done, key)
	if err == nil && reloaded {
		// The callbacks see the saved History once (viz.LiveCurves draws its curves), so that
		// the cell shows how the model was trained, also in a hand-in.
		for _, cb := range f.callbacks {
			if err := cb.OnEvent(Reloaded, h); err != nil && !errors.Is(err, ErrStopTraining) {
				return h, err
			}
		}
	}
	return h, err
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
