package nn

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/godl-course/godl/internal/atomicfile"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model/checkpoint"
)

// metaFile describes a saved model next to its GoMLX checkpoint.
const metaFile = "nn_model.json"

// ErrArchitectureChanged is returned by [Model.Load] when the saved model has a different
// architecture (layers, shapes) than the model it is loaded into.
var ErrArchitectureChanged = errors.New("nn: the saved model has a different architecture")

type savedMeta struct {
	Architecture string           `json:"architecture"`
	Input        []int            `json:"input"`
	Inputs       map[string][]int `json:"inputs,omitempty"` // a Group's members`
	Key          string           `json:"key,omitempty"`
	Saved        time.Time        `json:"saved"`
	History      *savedHistory    `json:"history,omitempty"`
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
	Duration       time.Duration `json:",omitempty"`
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
		out[i] = savedRecord{r.Epoch, r.Step, fptr(r.Loss), r.Metrics, fptr(r.ValLoss), r.ValMetrics, r.LR, r.ExamplesPerSec, r.Elapsed, r.Duration}
	}
	return out
}

func fromSaved(rs []savedRecord) []Record {
	out := make([]Record, len(rs))
	for i, r := range rs {
		out[i] = Record{r.Epoch, r.Step, fval(r.Loss), r.Metrics, fval(r.ValLoss), r.ValMetrics, r.LR, r.ExamplesPerSec, r.Elapsed, r.Duration}
	}
	return out
}

// Architecture describes the model's layers, their configurations and output shapes, one per
// line; two models with the same Architecture can exchange saved weights.
func (m *Model) Architecture() string {
	var b strings.Builder
	if m.members != nil {
		for _, mm := range m.members {
			fmt.Fprintf(&b, "model %s input %s\n", mm.Name(), dimsString(mm.exampleShape()))
		}
	} else if m.rec != nil {
		fmt.Fprintf(&b, "input %s\n", dimsString(m.input))
		for _, r := range m.rec.layers {
			fmt.Fprintf(&b, "%s %s -> %s\n", r.Name, r.Config, batchShapeString(r.OutShape))
		}
	}
	if m.owner == nil {
		for v := range m.Store().IterVariables() {
			if isModelVariable(v.Path()) {
				fmt.Fprintf(&b, "var %s %v\n", v.Path(), v.Shape().Dimensions)
			}
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
// directory dir as a GoMLX checkpoint. Saving never leaves a broken model and never disturbs a
// reader: each save writes a new version inside dir (dir/v2, ...) and then switches to it in one
// rename (dir/current), so that another notebook loading the same folder meanwhile gets the old
// or the new model, complete; two notebooks saving into the same folder take turns. See
// atomicfile.WriteVersion for the layout. dir must be new, empty, or a folder written by Save.
func (m *Model) Save(dir string) error {
	return m.save(dir, "")
}

func (m *Model) save(dir, key string) error {
	if m.owner != nil {
		return fmt.Errorf("nn.Save: model %s keeps its weights in the model it is part of: save that model", m.describe())
	}
	if m.err != nil {
		return m.err
	}
	inputs, err := m.builtInputs()
	if err != nil {
		return fmt.Errorf("nn.Save: %w", err)
	}
	store := m.Store()
	err = atomicfile.WriteVersion(dir, func(tmp string) error {
		err := catch(func() {
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
			return err
		}
		meta := savedMeta{Architecture: m.Architecture(), Input: m.input, Inputs: inputs, Key: key, Saved: time.Now()}
		if m.history != nil {
			meta.History = &savedHistory{Steps: toSaved(m.history.Steps), Epochs: toSaved(m.history.Epochs)}
		}
		data, err := json.MarshalIndent(meta, "", "  ")
		if err != nil {
			return err
		}
		return atomicfile.WriteFile(filepath.Join(tmp, metaFile), data, 0o644)
	}, isSavedModelFile)
	if errors.Is(err, atomicfile.ErrForeignFiles) {
		return fmt.Errorf("nn.Save: %w; Save writes a model into a folder of its own, e.g. m.Save(%q)", err, filepath.Join(dir, "model"))
	}
	if err != nil {
		return fmt.Errorf("nn.Save %q: %w", dir, err)
	}
	return nil
}

// isSavedModelFile tells the files that Save of older releases wrote directly into the folder
// (replaced by versions at the next save).
func isSavedModelFile(name string) bool {
	return name == metaFile || strings.HasPrefix(name, "checkpoint-") || name == checkpoint.BackupDir
}

// builtInputs returns, for a Group, the example shape of each member (by name); for another
// model nil, after checking that it is built.
func (m *Model) builtInputs() (map[string][]int, error) {
	if m.members == nil {
		if m.input == nil {
			return nil, fmt.Errorf("the model is not built yet: train it (Fit) or call Build first")
		}
		return nil, nil
	}
	inputs := map[string][]int{}
	for _, mm := range m.members {
		if mm.exampleShape() == nil {
			return nil, fmt.Errorf("model %s of the group has no weights yet: train the group (Fit with a Step) or build its models first", mm.describe())
		}
		inputs[mm.Name()] = mm.exampleShape()
	}
	return inputs, nil
}

// ErrIncompleteSave is returned by [Model.Load] (and makes [Memo] train again) when a folder
// holds a saved model's description but not all its weights (files deleted or lost in a copy),
// or a description that is damaged.
var ErrIncompleteSave = errors.New("nn: the saved model is incomplete")

// incompleteError says what is missing from the saved model in dir.
type incompleteError struct{ dir, reason string }

func (e *incompleteError) Error() string {
	return fmt.Sprintf("nn.Load: the saved model in %s is incomplete: %s; save the model again into that folder, or delete the folder", e.dir, e.reason)
}

func (e *incompleteError) Is(target error) bool { return target == ErrIncompleteSave }

// maxExampleValues bounds the values of one example of a saved model (2^26, 256 MiB of
// float32): building a model allocates one example, so a damaged description announcing
// [1000000000, 1000000000] would otherwise take the process down.
const maxExampleValues = 1 << 26

// readMeta reads the description of the model saved in dir (its current version).
func readMeta(dir string) (*savedMeta, error) {
	v, err := atomicfile.VersionDir(dir)
	if err != nil {
		return nil, fmt.Errorf("nn.Load: %w", err)
	}
	return readMetaAt(dir, v)
}

// readMetaAt reads the description in the version folder v of the saved model dir and checks
// the example shapes it announces.
func readMetaAt(dir, v string) (*savedMeta, error) {
	path := filepath.Join(v, metaFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nn.Load: %q is not a saved model: %w", dir, err)
	}
	var meta savedMeta
	if err := json.Unmarshal(data, &meta); err != nil {
		return nil, &incompleteError{dir, fmt.Sprintf("its description %s is damaged (%v)", path, err)}
	}
	check := func(what string, shape []int) error {
		if err := checkExampleShape(shape); err != nil {
			return &incompleteError{dir, fmt.Sprintf("its description %s announces %s %v: %v", path, what, shape, err)}
		}
		return nil
	}
	if meta.Inputs == nil {
		if err := check("the input shape", meta.Input); err != nil {
			return nil, err
		}
	}
	for name, shape := range meta.Inputs {
		if shape == nil {
			continue // a member of the group that was not built
		}
		if err := check(fmt.Sprintf("for model %q the input shape", name), shape); err != nil {
			return nil, err
		}
	}
	return &meta, nil
}

// checkExampleShape accepts the shape of one example when its dimensions are positive and
// their product, the number of values, is at most maxExampleValues (checked as it is
// multiplied, so that no product overflows).
func checkExampleShape(shape []int) error {
	if len(shape) == 0 {
		return fmt.Errorf("no dimensions")
	}
	n := 1
	for _, d := range shape {
		if d <= 0 {
			return fmt.Errorf("dimension %d is not positive", d)
		}
		if d > maxExampleValues/n {
			return fmt.Errorf("more than %d values per example", maxExampleValues)
		}
		n *= d
	}
	return nil
}

// Load reads weights saved with [Model.Save] into m, which must be built with the same code
// (same layers, same shapes); otherwise it returns an error wrapping ErrArchitectureChanged.
// The saved training history becomes m.History(). Every weight of m must be restored from the
// saved checkpoint; otherwise (weight files missing) the error wraps ErrIncompleteSave and
// names them, and m's weights are then not to be trusted (train it or load another folder).
func (m *Model) Load(dir string) error {
	if m.owner != nil {
		return fmt.Errorf("nn.Load: model %s keeps its weights in the model it is part of: load that model", m.describe())
	}
	return atomicfile.ReadVersion(dir, func(v string) error {
		meta, err := readMetaAt(dir, v)
		if err != nil {
			return err
		}
		return m.loadAt(dir, v, meta)
	})
}

// loadAt loads the version folder v of the saved model dir, described by meta, into m.
func (m *Model) loadAt(dir, v string, meta *savedMeta) error {
	if err := m.buildFor(meta); err != nil {
		return fmt.Errorf("nn.Load %q: %w", dir, err)
	}
	if arch := m.Architecture(); arch != meta.Architecture {
		return fmt.Errorf("%w: %q was saved from\n%s\nbut this model is\n%s", ErrArchitectureChanged, dir, meta.Architecture, arch)
	}
	store := m.Store()
	// Which weights the checkpoint restores: a restored variable gets a new value tensor.
	before := map[string]*tensors.Tensor{}
	var weights []string
	for vr := range store.IterVariables() {
		if isModelVariable(vr.Path()) {
			weights = append(weights, vr.Path())
			before[vr.Path()], _ = vr.Value()
		}
	}
	if cps, _ := filepath.Glob(filepath.Join(v, "checkpoint-*.json")); len(cps) == 0 {
		// checkpoint.Done would accept the folder and restore nothing.
		return &incompleteError{dir, fmt.Sprintf("%s has no checkpoint files (checkpoint-*.json, .bin): no saved values for %s", v, listWeights(weights))}
	}
	var doneErr error
	err := catch(func() {
		// The model's variables exist (Build): Done sets their values and keeps the rest (the
		// optimizer's state, global_step) in the handler, which stays the store's loader, so the
		// optimizer's state is restored when a training graph creates it. Not Immediate(): in
		// GoMLX v0.28.16 it looks existing variables up by the checkpoint's key ("var:/dense_1/w")
		// instead of their path, finds none, and Store.CreateVariable returns the existing
		// variable unchanged: every weight would silently keep its initial value and the saved
		// values would be dropped. Canary: TestCanaryCheckpointImmediateSkipsExistingVariables
		// (nn/canary_test.go); when it fails, Immediate() works (Load does not need it).
		// checkpoint.Load, not Build: Build would create the folder if it vanished meanwhile.
		_, doneErr = checkpoint.Load(store).Dir(v).Done()
	})
	if doneErr != nil {
		return &incompleteError{dir, fmt.Sprintf("its checkpoint cannot be read (%s)", cleanMessage(doneErr.Error()))}
	}
	if err != nil {
		return fmt.Errorf("nn.Load %q: %w", dir, err)
	}
	var missing []string
	for _, path := range weights {
		vr := store.GetVariable(path)
		if vr == nil {
			missing = append(missing, path)
			continue
		}
		if now, err := vr.Value(); err != nil || now == before[path] {
			missing = append(missing, path)
		}
	}
	if len(missing) > 0 {
		return &incompleteError{dir, fmt.Sprintf("its checkpoint in %s has no saved values for %s", v, listWeights(missing))}
	}
	if meta.History != nil {
		m.history = &History{Steps: fromSaved(meta.History.Steps), Epochs: fromSaved(meta.History.Epochs), SavedAt: meta.Saved}
	} else {
		m.history = &History{SavedAt: meta.Saved}
	}
	return nil
}

// listWeights names a few weights: "3 weights (/dense_1/weights, /dense_1/biases, /dense_2/weights)".
func listWeights(paths []string) string {
	shown := paths
	more := ""
	if len(shown) > 4 {
		shown, more = shown[:4], fmt.Sprintf(" and %d more", len(paths)-4)
	}
	unit := "weights"
	if len(paths) == 1 {
		unit = "weight"
	}
	return fmt.Sprintf("%d %s (%s%s)", len(paths), unit, strings.Join(shown, ", "), more)
}

// buildFor builds the model (or each model of a Group) for the example shapes of a saved model.
func (m *Model) buildFor(meta *savedMeta) error {
	if m.members == nil {
		return m.Build(meta.Input...)
	}
	for _, mm := range m.members {
		shape, ok := meta.Inputs[mm.Name()]
		if !ok {
			return fmt.Errorf("%w: the saved group has no model %q", ErrArchitectureChanged, mm.Name())
		}
		if shape == nil {
			continue
		}
		if err := mm.Build(shape...); err != nil {
			return err
		}
	}
	return nil
}
