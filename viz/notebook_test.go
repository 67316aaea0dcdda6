package viz

import (
	"encoding/gob"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godl-course/godl/nn"
	"github.com/godl-course/godl/viz/assets"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// captureNotebook makes gonbui believe it runs in GoNB, writing its display messages to a
// plain file instead of GoNB's named pipe, with a fresh session folder ($GONB_TMP_DIR).
// The returned function reads the messages sent so far. gonbui opens its pipes once per
// process, so every test of this file shares one file and reads only the new messages.
func captureNotebook(t *testing.T) func() []*protocol.DisplayData {
	t.Helper()
	t.Setenv(protocol.GONB_TMP_DIR_ENV, t.TempDir())
	if notebookOut == "" {
		dir, err := os.MkdirTemp("", "godl-viz-gonb-")
		if err != nil {
			t.Fatal(err)
		}
		notebookOut = filepath.Join(dir, "out.gob")
		back := filepath.Join(dir, "back.gob")
		for _, p := range []string{notebookOut, back} {
			if err := os.WriteFile(p, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		t.Setenv(protocol.GONB_PIPE_ENV, notebookOut)
		t.Setenv(protocol.GONB_PIPE_BACK_ENV, back)
		f, err := os.Open(notebookOut)
		if err != nil {
			t.Fatal(err)
		}
		notebookDec = gob.NewDecoder(f)
	}
	gonbui.IsNotebook = true
	syncs := 0
	saved := notebookSync
	notebookSync = func() { syncs++ } // no GoNB here to acknowledge
	t.Cleanup(func() { gonbui.IsNotebook, notebookSync = false, saved })
	notebookSyncs = func() int { return syncs }
	return func() []*protocol.DisplayData {
		var msgs []*protocol.DisplayData
		for {
			var d protocol.DisplayData
			if err := notebookDec.Decode(&d); err == io.EOF {
				return msgs
			} else if err != nil {
				t.Fatalf("decoding a display message: %v", err)
			}
			msgs = append(msgs, &d)
		}
	}
}

var (
	notebookOut string
	notebookDec *gob.Decoder
	// notebookSyncs returns how many times the current test waited for GoNB to take the outputs.
	notebookSyncs func() int
)

func TestNotebookDisplaySendsLibraryOnceAndBundle(t *testing.T) {
	fakeEcharts(t)
	read := captureNotebook(t)
	read() // drop earlier messages

	c, err := FuncChart(math.Sin, 0, 1, Size(300, 200))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		files, err := c.Show()
		if err != nil || files != (Files{}) {
			t.Fatalf("Show in a notebook: %+v, %v", files, err)
		}
	}
	msgs := read()
	if len(msgs) != 3 {
		t.Fatalf("want 3 outputs (library, chart, chart), got %d", len(msgs))
	}
	// Each chart waits until GoNB has its outputs, so none is lost when the cell ends.
	if n := notebookSyncs(); n != 2 {
		t.Errorf("%d waits for GoNB after 2 charts, want 2", n)
	}
	lib := msgs[0].Data[protocol.MIMETextHTML].(string)
	if !strings.Contains(unpackLoader(t, lib), "echarts padding") || !strings.Contains(lib, `data-godl-echarts="loaded"`) {
		t.Error("first output is not the echarts library")
	}
	for _, m := range msgs[1:] {
		html, _ := m.Data[protocol.MIMETextHTML].(string)
		png, _ := m.Data[protocol.MIMEImagePNG].([]byte)
		if !strings.Contains(html, "data-godl-chart=") || strings.Contains(html, "echarts padding") {
			t.Error("chart output must hold the chart and not the library")
		}
		decodePNG(t, png, 300, 200)
		if m.DisplayID != "" {
			t.Error("a plain chart must not have a display id")
		}
	}

	// A new kernel session (new $GONB_TMP_DIR) gets the library again; ResendEcharts too.
	t.Setenv(protocol.GONB_TMP_DIR_ENV, t.TempDir())
	if _, err := c.Show(); err != nil {
		t.Fatal(err)
	}
	if err := ResendEcharts(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Show(); err != nil {
		t.Fatal(err)
	}
	msgs = read()
	if len(msgs) != 4 || !strings.Contains(unpackLoader(t, msgs[0].Data[protocol.MIMETextHTML].(string)), "echarts padding") ||
		!strings.Contains(unpackLoader(t, msgs[2].Data[protocol.MIMETextHTML].(string)), "echarts padding") {
		t.Errorf("want library+chart twice, got %d outputs", len(msgs))
	}
}

func TestNotebookWithoutLibraryShowsPicture(t *testing.T) {
	t.Setenv(assets.EchartsEnv, filepath.Join(t.TempDir(), "none.js"))
	read := captureNotebook(t)
	read()
	c, err := FuncChart(math.Sin, 0, 1, Size(300, 200))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Show(); err == nil || !strings.Contains(err.Error(), "make setup") {
		t.Errorf("error %v, want one saying to run make setup", err)
	}
	msgs := read()
	if len(msgs) != 1 || msgs[0].Data[protocol.MIMEImagePNG] == nil {
		t.Fatalf("want the chart's output with its picture, got %d outputs", len(msgs))
	}
}

// A memoized model reloaded in several cells of one session draws its saved curves in the
// first of them only; another saved training draws its own.
func TestReloadedCurvesOncePerSession(t *testing.T) {
	fakeEcharts(t)
	read := captureNotebook(t)
	read()
	h := history(true)
	h.SavedAt = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	charts := func() int {
		n := 0
		for _, d := range read() {
			if html, ok := d.Data[protocol.MIMETextHTML].(string); ok && strings.Contains(html, "reloaded: saved") {
				n++
			}
		}
		return n
	}
	for cell := range 3 { // three cells reload the same model
		if err := LiveCurves().OnEvent(nn.Reloaded, h); err != nil {
			t.Fatal(err)
		}
		if got, want := charts(), map[bool]int{true: 1, false: 0}[cell == 0]; got != want {
			t.Errorf("cell %d: %d reloaded-curves charts, want %d", cell, got, want)
		}
	}
	retrained := history(true)
	retrained.SavedAt = h.SavedAt.Add(time.Minute)
	if err := LiveCurves().OnEvent(nn.Reloaded, retrained); err != nil {
		t.Fatal(err)
	}
	if got := charts(); got != 1 {
		t.Errorf("a newer save of the model: %d charts, want 1", got)
	}
}
