package nn

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func sampleHistory(epochs int) *History {
	h := &History{}
	for e := 1; e <= epochs; e++ {
		h.Epochs = append(h.Epochs, Record{Epoch: e, Step: 25 * e, Loss: 1 / float64(e), Metrics: map[string]float64{"accuracy": 0.5 + 0.01*float64(e)},
			ValLoss: 1.1 / float64(e), ValMetrics: map[string]float64{"accuracy": 0.49 + 0.01*float64(e)}, LR: 0.001, ExamplesPerSec: 4600,
			Elapsed: time.Duration(e) * 1200 * time.Millisecond, Duration: 1200 * time.Millisecond})
	}
	return h
}

func TestRecordString(t *testing.T) {
	r := sampleHistory(5).Last()
	want := "epoch 5, step 125: loss 0.2, accuracy 55.00% | val_loss 0.22, val_accuracy 54.00% | lr 0.001 | 4600 examples/s, 1.2s"
	if got := fmt.Sprint(r); got != want {
		t.Errorf("fmt.Println(h.Last()) prints\n%s\nwant\n%s", got, want)
	}
	if got := fmt.Sprint((*History)(nil).Last()); !strings.Contains(got, "no epoch recorded") {
		t.Errorf("Last of nothing: %q", got)
	}
	noVal := Record{Epoch: 1, Step: 3, Loss: 0.123456, ValLoss: math.NaN()}
	if got := noVal.String(); got != "epoch 1, step 3: loss 0.1235" {
		t.Errorf("record without validation: %q", got)
	}
}

func TestHistoryString(t *testing.T) {
	got := sampleHistory(3).String()
	want := "epoch    loss  accuracy  val_loss  val_accuracy  time\n" +
		"1           1    51.00%       1.1        50.00%  1.2s\n" +
		"2         0.5    52.00%      0.55        51.00%  1.2s\n" +
		"3      0.3333    53.00%    0.3667        52.00%  1.2s\n" +
		"3 epochs, 75 steps, trained in 3.6s, lr 0.001"
	if got != want {
		t.Errorf("History prints\n%s\nwant\n%s", got, want)
	}
	long := sampleHistory(30).String()
	if lines := strings.Split(long, "\n"); len(lines) != 1+5+1+5+1 || !strings.HasPrefix(lines[6], "…") || !strings.HasPrefix(lines[11], "30 ") {
		t.Errorf("30 epochs print as\n%s", long)
	}
	if got := (&History{}).String(); !strings.Contains(got, "no epoch recorded") {
		t.Errorf("empty History: %q", got)
	}
	if h := sampleHistory(2).HTML(); !strings.Contains(h, "<th style=\"text-align:right;padding:2px 8px\">val_accuracy</th>") || strings.Count(h, "<tr>") != 3 {
		t.Errorf("HTML table: %s", h)
	}
	// A learning rate that changes gets its column.
	h := sampleHistory(2)
	h.Epochs[1].LR = 0.0005
	if got := h.String(); !strings.Contains(got, "lr") || !strings.Contains(got, "0.0005") {
		t.Errorf("decayed learning rate not shown:\n%s", got)
	}
}

func TestClassScoresString(t *testing.T) {
	// Hand-computed: class 0: TP 8, FP 2, FN 2 -> P = R = F1 = 0.8; class 1: TP 3, FP 2, FN 2
	// -> 0.6; class 2 never true nor predicted -> undefined.
	cm := [][]int{{8, 2, 0}, {2, 3, 0}, {0, 0, 0}}
	s := PrecisionRecallF1(cm)
	s.Names = []string{"T-shirt/top", "Trouser", "Bag"}
	want := "class        precision  recall     F1\n" +
		"T-shirt/top      0.800   0.800  0.800\n" +
		"Trouser          0.600   0.600  0.600\n" +
		"Bag                  –       –      –\n" +
		"mean             0.700   0.700  0.700"
	if got := s.String(); got != want {
		t.Errorf("scores print as\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(s.HTML(), "<td style=\"text-align:left;padding:2px 8px\">T-shirt/top</td>") {
		t.Errorf("HTML: %s", s.HTML())
	}
}
