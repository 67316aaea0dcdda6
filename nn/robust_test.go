package nn

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/godl-course/godl/datasets"
)

// Regression tests of "nothing a student does or downloads can kill the kernel, lose a model or
// hang a cell": saved models missing their weights or announcing absurd shapes, two kernels
// sharing a Memo name, diverging learning rates, non-finite targets, the shared /tmp fallback.

// savedFiles lists the files under dir whose names start with prefix (in any version folder).
func savedFiles(t *testing.T, dir, prefix string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), prefix) {
			out = append(out, p)
		}
		return err
	}))
	return out
}

// removeWeightFiles deletes the checkpoint files of a saved model and keeps its description
// (nn_model.json), as a partial copy or an interrupted download would.
func removeWeightFiles(t *testing.T, dir string) {
	t.Helper()
	files := savedFiles(t, dir, "checkpoint-")
	require.NotEmpty(t, files, "no checkpoint files in %s", dir)
	for _, f := range files {
		require.NoError(t, os.Remove(f))
	}
	require.NotEmpty(t, savedFiles(t, dir, metaFile))
}

// Loading a folder whose weight files are missing fails and names the folder and the weights,
// instead of returning the untrained model; Memo says so and trains again.
func TestLoadRefusesAModelWithoutItsWeights(t *testing.T) {
	train := datasets.Spiral(30, 3, 0.1, 2)
	m := Sequential(Dense(8), ReLU(), Dense(3))
	_, err := m.Fit(train).Epochs(2).Progress(false).Done()
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "spiral")
	require.NoError(t, m.Save(dir))
	removeWeightFiles(t, dir)

	err = Sequential(Dense(8), ReLU(), Dense(3)).Seed(7).Load(dir)
	require.Error(t, err, "Load returned an untrained model for a folder without weights")
	require.ErrorIs(t, err, ErrIncompleteSave)
	require.ErrorContains(t, err, dir)
	require.ErrorContains(t, err, "/dense_1/weights")
	require.ErrorContains(t, err, "incomplete")

	// Memo trains again, says why on one line, and the next call reloads the new save.
	models := t.TempDir()
	t.Setenv("GODL_MODELS", models)
	trained := 0
	run := func() (*Model, string) {
		m := Sequential(Dense(8), ReLU(), Dense(3))
		out := captureStdout(t, func() {
			_, err := Memo("lenet", m, func() (*History, error) {
				trained++
				return m.Fit(train).Epochs(1).Progress(false).Done()
			})
			require.NoError(t, err)
		})
		return m, out
	}
	run()
	removeWeightFiles(t, filepath.Join(models, "lenet"))
	m2, out := run()
	require.Equal(t, 2, trained, "Memo reloaded a model without weights instead of training again")
	require.Contains(t, out, fmt.Sprintf("nn.Memo %q: the saved model in %s is incomplete (", "lenet", filepath.Join(models, "lenet")))
	require.Contains(t, out, "): training again\n")
	require.Equal(t, 1, strings.Count(out, "\n"), "one line, got %q", out)
	m3, out := run()
	require.Equal(t, 2, trained, "the model saved after training again was not reloaded")
	require.Contains(t, out, "reloaded from")
	p2, err := m2.Predict(train)
	require.NoError(t, err)
	p3, err := m3.Predict(train)
	require.NoError(t, err)
	requireClose(t, flat(t, p2), flat(t, p3), 1e-6)
}

// A model description announcing an absurd input shape is refused before the model is built
// for it (building allocates one example: 10^18 values would take the process down).
func TestLoadRefusesAnAbsurdInputShape(t *testing.T) {
	train := datasets.Spiral(30, 3, 0.1, 2)
	models := t.TempDir()
	t.Setenv("GODL_MODELS", models)
	dir := filepath.Join(models, "absurd")
	trained := 0
	memoRun := func() string {
		m := Sequential(Dense(8), ReLU(), Dense(3))
		return captureStdout(t, func() {
			_, err := Memo("absurd", m, func() (*History, error) {
				trained++
				return m.Fit(train).Epochs(1).Progress(false).Done()
			})
			require.NoError(t, err)
		})
	}
	memoRun()
	metas := savedFiles(t, dir, metaFile)
	require.Len(t, metas, 1)
	// {20000, 20000}: 4×10^8 values, 1.6 GB for one example (2^26 values at most).
	for _, shape := range [][]int{{1000000000, 1000000000}, {20000, 20000}, {1 << 40, 1 << 40, 1 << 40}, {0, 2}, {-3}} {
		var meta map[string]any
		data, err := os.ReadFile(metas[0])
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(data, &meta))
		meta["input"] = shape
		data, err = json.Marshal(meta)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(metas[0], data, 0o644))

		err = Sequential(Dense(8), ReLU(), Dense(3)).Load(dir)
		require.Error(t, err, "shape %v", shape)
		require.ErrorIs(t, err, ErrIncompleteSave)
		require.ErrorContains(t, err, metas[0], "the error names the file")
		require.ErrorContains(t, err, fmt.Sprint(shape))
	}
	before := trained
	out := memoRun()
	require.Equal(t, before+1, trained, "Memo should train again")
	require.Contains(t, out, "is incomplete (")
	require.Contains(t, out, "training again")
}

// Two kernels using the same Memo name (two notebooks of one student, say): one
// saves again and again while the other loads. No load may fail (the model being replaced stays
// readable at every instant), no save may fail, and no temporary folder may stay behind. The
// kernels are processes: this test binary run again as TestMemoKernelHelper, two goroutines each.
func TestMemoConcurrentKernels(t *testing.T) {
	if testing.Short() {
		t.Skip("runs processes for a few seconds")
	}
	models := t.TempDir()
	t.Setenv("GODL_MODELS", models)
	train := datasets.Spiral(30, 3, 0.1, 2)
	m := Sequential(Dense(8), ReLU(), Dense(3))
	_, err := Memo("shared", m, func() (*History, error) { return m.Fit(train).Epochs(1).Progress(false).Done() })
	require.NoError(t, err)

	deadline := time.Now().Add(3 * time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	outputs := map[string]string{}
	for _, role := range []string{"saver", "loader", "saver", "loader"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestMemoKernelHelper$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), "GODL_TEST_KERNEL_ROLE="+role, "GODL_TEST_SHARED_MODELS="+models,
				"GODL_TEST_KERNEL_UNTIL="+deadline.Format(time.RFC3339Nano))
			out, err := cmd.CombinedOutput()
			mu.Lock()
			defer mu.Unlock()
			key := fmt.Sprintf("%s %d", role, len(outputs))
			outputs[key] = string(out)
			if err != nil {
				t.Errorf("%s: %v\n%s", key, err, tail(string(out), 3000))
			}
		}()
	}
	wg.Wait()
	for k, out := range outputs {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "kernel ") {
				t.Logf("%s: %s", k, l)
			}
		}
	}
	var left []string
	require.NoError(t, filepath.WalkDir(models, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp") {
			left = append(left, p)
		}
		return err
	}))
	require.Empty(t, left, "temporary files or folders left behind")
	entries, err := os.ReadDir(models)
	require.NoError(t, err)
	require.Len(t, entries, 1, "the models folder should hold only the model")
	require.LessOrEqual(t, len(savedFiles(t, filepath.Join(models, "shared"), metaFile)), 2, "at most the current and the previous version are kept")

	m2 := Sequential(Dense(8), ReLU(), Dense(3))
	require.NoError(t, m2.Load(filepath.Join(models, "shared")))
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// TestMemoKernelHelper is one kernel of TestMemoConcurrentKernels (skipped otherwise): a saver
// saves its trained model under the shared name again and again; a loader loads it with Memo
// (a training would be a failed load) and with Load.
func TestMemoKernelHelper(t *testing.T) {
	role := os.Getenv("GODL_TEST_KERNEL_ROLE")
	if role == "" {
		t.Skip("run by TestMemoConcurrentKernels")
	}
	t.Setenv("GODL_MODELS", os.Getenv("GODL_TEST_SHARED_MODELS"))
	until, err := time.Parse(time.RFC3339Nano, os.Getenv("GODL_TEST_KERNEL_UNTIL"))
	require.NoError(t, err)
	dir := filepath.Join(ModelsDir(), "shared")
	train := datasets.Spiral(30, 3, 0.1, 2)
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, failed := 0, 0
			if role == "saver" {
				m := Sequential(Dense(8), ReLU(), Dense(3)).Seed(int64(10 + g))
				_, err := m.Fit(train).Epochs(1).Progress(false).Done()
				require.NoError(t, err)
				for time.Now().Before(until) {
					if err := m.Save(dir); err != nil {
						failed++
						t.Errorf("save %d: %v", n, err)
					}
					n++
				}
			} else {
				for time.Now().Before(until) {
					m := Sequential(Dense(8), ReLU(), Dense(3))
					if n%2 == 0 {
						_, err = Memo("shared", m, func() (*History, error) {
							return nil, fmt.Errorf("the saved model was not found: Memo trains")
						})
					} else {
						err = m.Load(dir)
					}
					if err != nil {
						failed++
						t.Errorf("load %d: %v", n, err)
					}
					n++
				}
			}
			fmt.Printf("kernel %s goroutine %d: %d done, %d failed\n", role, g, n, failed)
		}()
	}
	wg.Wait()
}

// A learning rate far too large makes the loss explode without becoming NaN (cross-entropy from
// logits grows like the logits): Fit stops with the same kind of hint as for NaN.
func TestFitStopsWhenTheLossExplodes(t *testing.T) {
	train := datasets.Spiral(50, 3, 0.1, 1)
	for _, opt := range []Optimizer{SGD(1e6), Adam(1e6)} {
		m := Sequential(Dense(16), ReLU(), Dense(3))
		hist, err := m.Fit(train).Epochs(5).Optimizer(opt).Progress(false).Done()
		last := math.NaN()
		if hist != nil && len(hist.Steps) > 0 {
			last = hist.Steps[len(hist.Steps)-1].Loss
		}
		require.Error(t, err, "%v: training ended with no error, last loss %g", opt, last)
		require.ErrorContains(t, err, "diverged")
		require.ErrorContains(t, err, "learning rate 1e+06")
		require.ErrorContains(t, err, "10× smaller")
		require.NotNil(t, hist)
		require.Less(t, len(hist.Epochs), 5, "%v: training went on", opt)
	}
	// An epoch of two steps diverges too.
	m := Sequential(Dense(16), ReLU(), Dense(3))
	_, err := m.Fit(train).Epochs(1).BatchSize(75).Optimizer(SGD(1e6)).Progress(false).Done()
	require.ErrorContains(t, err, "diverged")
}

// Large learning rates that still train, and losses that start large (unnormalized regression
// targets) or tiny (a model trained further), raise no divergence alarm.
func TestFitDivergenceCheckHasNoFalseAlarms(t *testing.T) {
	train := datasets.Spiral(50, 3, 0.1, 1)
	for _, opt := range []Optimizer{SGD(0.1), SGD(0.5), Momentum(0.1, 0.9), Adam(0.01), Adam(0.1), RMSProp(0.01)} {
		m := Sequential(Dense(32), ReLU(), Dense(3))
		_, err := m.Fit(train).Epochs(20).Optimizer(opt).Progress(false).Done()
		require.NoError(t, err, "%v", opt)
		// Training on: the loss starts small.
		_, err = m.Fit(train).Epochs(5).Optimizer(opt).Progress(false).Done()
		require.NoError(t, err, "%v, trained further", opt)
	}
	n := 64
	reg := &datasets.Dataset{Name: "prices", Shape: []int{1}, X: make([]float32, n), Targets: make([]float32, n), TargetShape: []int{1}}
	for i := range n {
		reg.X[i] = float32(i) / float32(n)
		reg.Targets[i] = 1000 + 500*reg.X[i]
	}
	m := Sequential(Dense(8), ReLU(), Dense(1))
	_, err := m.Fit(reg).Epochs(30).Optimizer(Adam(0.05)).Progress(false).Done()
	require.NoError(t, err)
}

// Non-finite dense targets are refused before training, as non-finite inputs are, naming the
// example (the loss would otherwise become NaN with a hint about the learning rate).
func TestFitRefusesNonFiniteTargets(t *testing.T) {
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		d := &datasets.Dataset{Name: "reg", Shape: []int{2}, X: make([]float32, 2*10), Targets: make([]float32, 2*10), TargetShape: []int{2}}
		d.Targets[2*7+1] = bad
		m := Sequential(Dense(2))
		h, err := m.Fit(d).Epochs(1).Progress(false).Done()
		require.Error(t, err, "target %v", bad)
		require.ErrorContains(t, err, "non-finite target")
		require.ErrorContains(t, err, "example 7")
		require.True(t, h == nil || len(h.Steps) == 0, "trained before refusing")

		good := &datasets.Dataset{Name: "reg", Shape: []int{2}, X: make([]float32, 2*10), Targets: make([]float32, 2*10), TargetShape: []int{2}}
		_, err = Sequential(Dense(2)).Fit(good).Validation(d).Epochs(1).Progress(false).Done()
		require.ErrorContains(t, err, "validation data")
		require.ErrorContains(t, err, "non-finite target")
	}
}

// Without $HOME and $XDG_CACHE_HOME, the models go to a folder of the user's own in the
// temporary folder, not to a fixed name that another user can create first and fill.
func TestModelsDirFallbackIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("HOME", "")
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("GODL_MODELS", "")
	private := filepath.Join(tmp, fmt.Sprintf("godl-%d", os.Getuid()))
	require.Equal(t, filepath.Join(private, "models"), ModelsDir())
	st, err := os.Lstat(private)
	require.NoError(t, err)
	require.True(t, st.IsDir())
	require.Equal(t, os.FileMode(0o700), st.Mode().Perm())

	train := datasets.Spiral(30, 3, 0.1, 2)
	trained := 0
	memoRun := func() error {
		m := Sequential(Dense(8), ReLU(), Dense(3))
		_, err := Memo("private", m, func() (*History, error) {
			trained++
			return m.Fit(train).Epochs(1).Progress(false).Done()
		})
		return err
	}
	captureStdout(t, func() {
		require.NoError(t, memoRun())
		require.NoError(t, memoRun())
	})
	require.Equal(t, 1, trained)

	// A folder that others can write into is refused, with a way out.
	require.NoError(t, os.Chmod(private, 0o777))
	err = memoRun()
	require.ErrorContains(t, err, private)
	require.ErrorContains(t, err, "GODL_MODELS")
	require.ErrorContains(t, err, "written by other users")
	require.Equal(t, 1, trained)
	require.NoError(t, os.Chmod(private, 0o700))

	// A folder of another user (who could plant models) is refused.
	if os.Getuid() == 0 {
		require.NoError(t, os.Chown(private, 4242, 4242))
		err = memoRun()
		require.ErrorContains(t, err, "belongs to user 4242")
		require.NoError(t, os.Chown(private, 0, 0))
	}
	// So is a link planted in its place.
	require.NoError(t, os.RemoveAll(private))
	require.NoError(t, os.Symlink(t.TempDir(), private))
	err = memoRun()
	require.ErrorContains(t, err, "is a symbolic link")
	require.Equal(t, 1, trained)
}
