// Command train measures the training speed of nn on MNIST: images per second of an MLP
// (784-256-128-10) and LeNet-5, batch 64, Adam(1e-3), on the backend chosen by GOMLX_BACKEND;
// with -full N it trains LeNet on all of MNIST for N epochs and reports the time per epoch and the
// test accuracy (run.sh runs it with GOMLX_BACKEND=auto: the backend nn chooses for that run).
//
// run.sh drives it (and the PyTorch reference) and writes RESULTS.md. It prints one JSON object
// per measurement on stdout:
//
//	GOMAXPROCS=2 go run -tags noxla ./bench/train -model lenet -steps 100 -repeats 5
//	GOMAXPROCS=2 go run -tags noxla ./bench/train -full 5
//
// Timed: nn's Fit over `steps` batches (batch assembly, the compiled training step, the loss read
// back), after `warmup` untimed steps (graph compilation); the median of the repeats is reported.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/godl-course/godl/datasets"
	"github.com/godl-course/godl/nn"
)

// result is one line of output, read by run.sh.
type result struct {
	Kind      string    `json:"kind"` // "speed", "full" or "skip"
	Label     string    `json:"label"`
	Model     string    `json:"model"`
	Backend   string    `json:"backend"`
	Reason    string    `json:"reason,omitempty"` // why a "skip"
	Threads   int       `json:"threads"`
	Batch     int       `json:"batch"`
	Steps     int       `json:"steps,omitempty"`
	Repeats   []float64 `json:"repeats_images_per_s,omitempty"`
	Median    float64   `json:"median_images_per_s,omitempty"`
	CPUms     float64   `json:"cpu_ms_per_step,omitempty"` // process CPU time (all threads) per step, median
	Epochs    int       `json:"epochs,omitempty"`
	EpochSecs []float64 `json:"epoch_seconds,omitempty"`
	TestAcc   float64   `json:"test_accuracy,omitempty"`
	TotalSecs float64   `json:"total_seconds,omitempty"` // -full: the whole Fit, compilation included
	Auto      string    `json:"auto,omitempty"`          // GOMLX_BACKEND=auto: why it chose the backend
	// The warm-up: the first Fit of WarmupSteps steps, its graph compilation included (the
	// crossover of auto is computed from it, report.py).
	WarmupSecs  float64 `json:"warmup_seconds,omitempty"`
	WarmupSteps int     `json:"warmup_steps,omitempty"`
	Load        string  `json:"load_before"` // /proc/loadavg when the measurement started
	Version     string  `json:"version"`
}

func buildModel(name string) *nn.Model {
	switch name {
	case "mlp":
		return nn.Sequential(nn.Flatten(), nn.Dense(256), nn.ReLU(), nn.Dense(128), nn.ReLU(), nn.Dense(10))
	case "lenet":
		return nn.LeNet(10)
	}
	fail("unknown -model %q: use mlp or lenet", name)
	return nil
}

func main() {
	modelName := flag.String("model", "lenet", "model to time: mlp or lenet")
	label := flag.String("label", "", "name of this configuration in the results table")
	batch := flag.Int("batch", 64, "batch size")
	steps := flag.Int("steps", 100, "optimizer steps per timed repeat")
	warmup := flag.Int("warmup", 10, "untimed optimizer steps first (graph compilation, caches)")
	repeats := flag.Int("repeats", 5, "timed repeats; the median is reported")
	full := flag.Int("full", 0, "when > 0: train LeNet on all of MNIST for this many epochs; report time per epoch and test accuracy")
	lr := flag.Float64("lr", 1e-3, "Adam learning rate")
	conv := flag.String("conv", "auto", "nn.ConvAlgorithm: auto, im2col or direct")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the timed repeats to this file (go tool pprof)")
	flag.Parse()
	nn.ConvAlgorithm = *conv

	res := result{Label: *label, Model: *modelName, Threads: runtime.GOMAXPROCS(0), Batch: *batch,
		Load: loadAvg(), Version: runtime.Version()}
	auto := os.Getenv("GOMLX_BACKEND") == nn.AutoBackend
	if !auto { // under auto, Fit creates the backend it chooses
		if _, err := nn.BackendErr(); err != nil {
			res.Kind, res.Backend, res.Reason = "skip", os.Getenv("GOMLX_BACKEND"), err.Error()
			emit(res)
			return
		}
		res.Backend = nn.BackendName()
	}
	train, test, err := datasets.MNIST()
	if err != nil {
		fail("cannot load MNIST: %v", err)
	}

	if *full > 0 {
		res.Kind, res.Model, res.Epochs = "full", "lenet", *full
		m := nn.LeNet(10).Seed(1)
		start := time.Now()
		h, err := m.Fit(train).Epochs(*full).BatchSize(*batch).Optimizer(nn.Adam(*lr)).Seed(1).Progress(false).Done()
		if err != nil {
			fail("training failed: %v", err)
		}
		res.TotalSecs = time.Since(start).Seconds()
		res.Backend, res.Auto = nn.BackendName(), nn.AutoReason()
		prev := time.Duration(0)
		for _, e := range h.Epochs {
			res.EpochSecs = append(res.EpochSecs, (e.Elapsed - prev).Seconds())
			prev = e.Elapsed
		}
		ev, err := m.Evaluate(test)
		if err != nil {
			fail("evaluation failed: %v", err)
		}
		res.TestAcc = ev.Accuracy
		emit(res)
		return
	}

	res.Kind, res.Steps = "speed", *steps
	m := buildModel(*modelName).Seed(1)
	opt := nn.Adam(*lr) // the same optimizer value: Fit reuses the compiled training step
	shuffled := train.Shuffle(1)
	offset := 0
	var cpuPerStep []float64
	run := func(n int, seed int64) float64 {
		if offset+n**batch > shuffled.Len() {
			offset = 0
		}
		d := shuffled.Subset(rangeInts(offset, offset+n**batch)) // a new window of the shuffled set each run
		offset += n * *batch
		cpu0, start := cpuTime(), time.Now()
		if _, err := m.Fit(d).Epochs(1).BatchSize(*batch).Optimizer(opt).Seed(seed).Progress(false).Done(); err != nil {
			fail("training failed: %v", err)
		}
		rate := float64(d.Len()) / time.Since(start).Seconds()
		cpuPerStep = append(cpuPerStep, (cpuTime()-cpu0).Seconds()*1000/float64(n))
		return rate
	}
	first := time.Now()
	run(*warmup, 100)
	res.WarmupSecs, res.WarmupSteps = time.Since(first).Seconds(), *warmup
	res.Backend, res.Auto = nn.BackendName(), nn.AutoReason()
	cpuPerStep = cpuPerStep[:0]
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fail("%v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail("%v", err)
		}
		defer pprof.StopCPUProfile()
	}
	for r := range *repeats {
		res.Repeats = append(res.Repeats, run(*steps, int64(r+1)))
	}
	res.Median = median(res.Repeats)
	res.CPUms = median(cpuPerStep)
	emit(res)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench/train: "+format+"\n", args...)
	os.Exit(1)
}

// loadAvg returns the 1, 5 and 15-minute load averages ("" where /proc is not available).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// cpuTime is the CPU time used by the process so far (user + system, all threads).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func rangeInts(start, end int) []int {
	idx := make([]int, end-start)
	for i := range idx {
		idx[i] = start + i
	}
	return idx
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func emit(r result) {
	b, err := json.Marshal(r)
	if err != nil {
		fail("%v", err)
	}
	fmt.Println(string(b))
}
