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
// directory dir as a GoMLX checkpoint. The write is atomic: the new save is written to a
// temporary directory that then replaces dir, so an interrupted save never leaves a broken model.
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
	err = atomicfile.ReplaceDir(dir, func(tmp string) error {
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
	})
	if err != nil {
		return fmt.Errorf("nn.Save %q: %w", dir, err)
	}
	return nil
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
	if m.owner != nil {
		return fmt.Errorf("nn.Load: model %s keeps its weights in the model it is part of: load that model", m.describe())
	}
	meta, err := readMeta(dir)
	if err != nil {
		return err
	}
	if err := m.buildFor(meta); err != nil {
		return fmt.Errorf("nn.Load %q: %w", dir, err)
	}
	if arch := m.Architecture(); arch != meta.Architecture {
		return fmt.Errorf("%w: %q was saved from\n%s\nbut this model is\n%s", ErrArchitectureChanged, dir, meta.Architecture, arch)
	}
	store := m.Store()
	err = catch(func() {
		// The model's variables exist (Build): Done sets their values and keeps the rest (the
		// optimizer's state, global_step) in the handler, which stays the store's loader, so the
		// optimizer's state is restored when a training graph creates it. Not Immediate(): in
		// GoMLX v0.28.16 it looks existing variables up by the checkpoint's key ("var:/dense_1/w")
		// instead of their path, finds none, and Store.CreateVariable returns the existing
		// variable unchanged: every weight would silently keep its initial value and the saved
		// values would be dropped. Canary: TestCanaryCheckpointImmediateSkipsExistingVariables
		// (nn/canary_test.go); when it fails, Immediate() works (Load does not need it).
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
