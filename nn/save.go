package nn

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/gomlx/ml/model/checkpoint"

	"github.com/godl-course/godl/datasets"
)

// metaFile describes a saved model next to its GoMLX checkpoint.
const metaFile = "nn_model.json"

// ErrArchitectureChanged is returned by [Model.Load] when the saved model has a different
// architecture (layers, shapes) than the model it is loaded into.
var ErrArchitectureChanged = errors.New("nn: the saved model has a different architecture")

type savedMeta struct {
	Architecture string        `json:"architecture"`
	Input        []int         `json:"input"`
	Key          string        `json:"key,omitempty"`
	Saved        time.Time     `json:"saved"`
	History      *savedHistory `json:"history,omitempty"`
}

// savedRecord mirrors Record for JSON (which has no NaN).
type savedRecord struct {
	Epoch, Step    int
	Loss           *float64
	Metrics        map[string]float64 `json:",omitempty"`
	ValLoss        *float64
	ValMetrics     map[string]float64 `json:",omitempty"`
	LR             float64
	ExamplesPerSec float64
	Elapsed        time.Duration
}

type savedHistory struct{ Steps, Epochs []savedRecord }

func fptr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func fval(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func toSaved(rs []Record) []savedRecord {
	out := make([]savedRecord, len(rs))
	for i, r := range rs {
		out[i] = savedRecord{r.Epoch, r.Step, fptr(r.Loss), r.Metrics, fptr(r.ValLoss), r.ValMetrics, r.LR, r.ExamplesPerSec, r.Elapsed}
	}
	return out
}

func fromSaved(rs []savedRecord) []Record {
	out := make([]Record, len(rs))
	for i, r := range rs {
		out[i] = Record{r.Epoch, r.Step, fval(r.Loss), r.Metrics, fval(r.ValLoss), r.ValMetrics, r.LR, r.ExamplesPerSec, r.Elapsed}
	}
	return out
}

// Architecture describes the model's layers, their configurations and output shapes, one per
// line; two models with the same Architecture can exchange saved weights.
func (m *Model) Architecture() string {
	if m.rec == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "input %s\n", dimsString(m.input))
	for _, r := range m.rec.layers {
		fmt.Fprintf(&b, "%s %s -> %s\n", r.Name, r.Config, batchShapeString(r.OutShape))
	}
	for v := range m.Store().IterVariables() {
		if isModelVariable(v.Path()) {
			fmt.Fprintf(&b, "var %s %v\n", v.Path(), v.Shape().Dimensions)
		}
	}
	return b.String()
}

// isModelVariable tells the model's own weights and statistics from optimizer state and the
// random generator's state.
func isModelVariable(path string) bool {
	return !strings.HasPrefix(path, "/optimizer") && !strings.Contains(path, "#") && path != "/global_step"
}

// Save writes the model (weights, optimizer state, architecture and training history) to the
// directory dir as a GoMLX checkpoint. The write is atomic: the new save is written to a
// temporary directory that then replaces dir, so an interrupted save never leaves a broken model.
func (m *Model) Save(dir string) error {
	return m.save(dir, "")
}

func (m *Model) save(dir, key string) error {
	if m.input == nil {
		return fmt.Errorf("nn.Save: the model is not built yet: train it (Fit) or call Build first")
	}
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("nn.Save: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp-*")
	if err != nil {
		return fmt.Errorf("nn.Save: %w", err)
	}
	defer os.RemoveAll(tmp)
	store := m.Store()
	err = catch(func() {
		prev := store.Loader()
		defer store.SetLoader(prev)
		h, err := checkpoint.Build(store).Dir(tmp).Keep(1).Done()
		if err != nil {
			panic(err)
		}
		if err := h.Save(); err != nil {
			panic(err)
		}
	})
	if err != nil {
		return fmt.Errorf("nn.Save %q: %w", dir, err)
	}
	meta := savedMeta{Architecture: m.Architecture(), Input: m.input, Key: key, Saved: time.Now()}
	if m.history != nil {
		meta.History = &savedHistory{Steps: toSaved(m.history.Steps), Epochs: toSaved(m.history.Epochs)}
	}
	data, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return fmt.Errorf("nn.Save: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, metaFile), data, 0o644); err != nil {
		return fmt.Errorf("nn.Save: %w", err)
	}
	// Swap the directories: dir -> old, tmp -> dir, remove old.
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("nn.Save: cannot replace %q: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			_ = os.Rename(old, dir)
		}
		return fmt.Errorf("nn.Save: %w", err)
	}
	if old != "" {
		_ = os.RemoveAll(old)
	}
	return nil
}

func readMeta(dir string) (*savedMeta, error) {
	data, err := os.ReadFile(filepath.Join(dir, metaFile))
	if err != nil {
		return nil, fmt.Errorf("nn.Load: %q is not a saved model: %w", dir, err)
	}
	var meta savedMeta
	if err := json.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("nn.Load: %q: corrupt %s: %w", dir, metaFile, err)
	}
	return &meta, nil
}

// Load reads weights saved with [Model.Save] into m, which must be built with the same code
// (same layers, same shapes); otherwise it returns an error wrapping ErrArchitectureChanged.
// The saved training history becomes m.History().
func (m *Model) Load(dir string) error {
	meta, err := readMeta(dir)
	if err != nil {
		return err
	}
	if err := m.Build(meta.Input...); err != nil {
		return fmt.Errorf("nn.Load %q: %w", dir, err)
	}
	if arch := m.Architecture(); arch != meta.Architecture {
		return fmt.Errorf("%w: %q was saved from\n%s\nbut this model is\n%s", ErrArchitectureChanged, dir, meta.Architecture, arch)
	}
	store := m.Store()
	err = catch(func() {
		// The model's variables exist (Build): Done sets their values. The handler stays the
		// store's loader, so the optimizer's state is restored when a training graph creates it.
		if _, err := checkpoint.Build(store).Dir(dir).Done(); err != nil {
			panic(err)
		}
	})
	if err != nil {
		return fmt.Errorf("nn.Load %q: %w", dir, err)
	}
	if meta.History != nil {
		m.history = &History{Steps: fromSaved(meta.History.Steps), Epochs: fromSaved(meta.History.Epochs)}
	}
	return nil
}

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
// it trains again.
//
//	m := lenet()
//	hist, err := nn.Memo("lenet", m, func() (*nn.History, error) {
//		return m.Fit(train).Epochs(3).Done()
//	})
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
// architecture, the data set's size, the epochs, batch size, optimizer or loss retrains.
func (f *FitConfig) Memo(name string) (*History, error) {
	key := fmt.Sprintf("train %s %d; epochs %d; batch %d; %v; %v; %v; seed %d", f.train.Name, f.train.Len(),
		f.epochs, f.batch, f.opt, f.loss, f.schedule, f.seed)
	key += "; data " + dataFingerprint(f.train)
	if f.val != nil {
		key += "; val data " + dataFingerprint(f.val)
	}
	// The initial weights stand for everything that sets them (initializers, the model's seed),
	// so that a changed initializer retrains instead of reloading the old model.
	if f.train != nil && len(f.train.Shape) > 0 {
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
