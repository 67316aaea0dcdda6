package viz

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/godl-course/godl/internal/atomicfile"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// Files are the paths a chart was written to outside a notebook; both are empty when the chart
// went to a notebook.
type Files struct {
	HTML string // standalone page, echarts inlined (interactive)
	PNG  string // static picture
}

// ChartsDirEnv names the environment variable choosing the folder where charts are written
// outside a notebook; the default is the user's private folder "godl-<uid>/charts" in the
// system's temporary folder.
const ChartsDirEnv = "GODL_CHARTS_DIR"

// Show displays the chart in the notebook (live chart + static picture in one output), or,
// outside a notebook, writes it with [Chart.Save] into $GODL_CHARTS_DIR (default: the folder
// "godl-<uid>/charts" of the system's temporary folder, which only the user may open) and prints
// the two paths.
//
// When the echarts library is missing, the static picture is still shown (or written) and the
// error says to run `make setup`.
func (c *Chart) Show() (Files, error) {
	if gonbui.IsNotebook {
		return Files{}, c.display("")
	}
	dir, err := chartsDir()
	if err != nil {
		return Files{}, err
	}
	files, err := c.Save(dir)
	if files.HTML != "" || files.PNG != "" {
		fmt.Printf("chart %q written to %s and %s\n", c.Title, files.HTML, files.PNG)
	}
	return files, err
}

// Save writes the chart into dir (created if needed) as <title>-<random>.html, a standalone page
// with echarts inlined, and <title>-<random>.png, and returns both paths. Files are written
// atomically. When the echarts library is missing the HTML page shows the static picture only,
// and the error says so.
func (c *Chart) Save(dir string) (Files, error) {
	png, err := c.PNG()
	if err != nil {
		return Files{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Files{}, fmt.Errorf("viz: creating the charts folder %s: %w", dir, err)
	}
	base := filepath.Join(dir, slug(c.Title)+"-"+randomHex(4))
	files := Files{PNG: base + ".png"}
	if err := atomicfile.WriteFile(files.PNG, png, 0o644); err != nil {
		return Files{}, err
	}
	page, pageErr := c.Page()
	if pageErr != nil {
		// Still give a page that shows the picture.
		frag, err := (&Chart{Title: c.Title, Width: c.Width, Height: c.Height}).fragment("godl-chart-1", png)
		if err != nil {
			return files, err
		}
		page = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n" + frag + "\n</body></html>\n"
	}
	files.HTML = base + ".html"
	if err := atomicfile.WriteFile(files.HTML, []byte(page), 0o644); err != nil {
		return Files{PNG: files.PNG}, err
	}
	return files, pageErr
}

// display sends the chart to the notebook as one output: text/html (live chart over the static
// picture) and image/png (for PDF export). With displayID != "" the output with that id is
// created or replaced in place (gonbui.UpdateHTML semantics).
func (c *Chart) display(displayID string) error {
	png, err := c.PNG()
	if err != nil {
		return err
	}
	loadErr := ensureEchartsSent()
	frag, err := c.fragment("godl-"+randomHex(8), png)
	if err != nil {
		return err
	}
	gonbui.SendData(&protocol.DisplayData{
		Data: map[protocol.MIMEType]any{
			protocol.MIMETextHTML: frag,
			protocol.MIMEImagePNG: png,
		},
		DisplayID: displayID,
	})
	notebookSync()
	if loadErr != nil {
		return fmt.Errorf("%w (the chart is shown as a static picture only)", loadErr)
	}
	return nil
}

// notebookSync waits (at most syncTimeout) until GoNB has taken every output sent so far.
// GoNB stops reading a cell's display pipe as soon as the cell's process ends, so an output still
// in the pipe's buffer at exit is lost: without this, the chart sent right after the 1 MB echarts
// library was often missing from the first chart cell. Tests replace it.
//
// This works around GoNB v0.11.5 (internal/jpyexec: the read end of the pipe is closed when the
// cell's process ends, whatever is still in it). Canary:
// test_canary_gonb_drops_displays_still_in_the_pipe_at_exit in kernel/tests/test_canary.py. When
// a GoNB upgrade makes it fail (GoNB then delivers every output sent before the cell ends),
// delete notebookSync, its calls (Chart.display, viz/summary.go) and the canary.
var notebookSync = func() {
	done := make(chan struct{})
	go func() {
		gonbui.Sync()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(syncTimeout):
	}
}

const syncTimeout = 10 * time.Second

// markerPath is the file that records that the echarts library was sent to this notebook.
// GoNB runs each cell as a new process inside a folder ($GONB_TMP_DIR) made for the kernel
// session and removed when the kernel stops; outside GoNB the parent process stands for the
// session.
func markerPath() string {
	if dir := os.Getenv(protocol.GONB_TMP_DIR_ENV); dir != "" {
		return filepath.Join(dir, ".godl-echarts-sent")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("godl-echarts-sent-%d", os.Getppid()))
}

// ensureEchartsSent displays the echarts library as its own output, unless this kernel session
// already got it.
func ensureEchartsSent() error {
	marker := markerPath()
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	loader, err := echartsLoader()
	if err != nil {
		return err
	}
	gonbui.DisplayHTML(`<div data-godl-echarts="loaded" style="display:none"></div>` + loader)
	if err := atomicfile.WriteFile(marker, []byte("echarts sent to this notebook session\n"), 0o644); err != nil {
		return nil // the library is sent again next time: harmless
	}
	return nil
}

// ResendEcharts makes the next chart send the echarts library to the notebook again, for
// instance after the output that carried it was cleared.
func ResendEcharts() error {
	err := os.Remove(markerPath())
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("viz: removing %s: %w", markerPath(), err)
	}
	return nil
}

// slug turns a title into a file name: lower-case letters, digits and dashes.
func slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if s == "" {
		return "chart"
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// show is the tail of every one-liner: it shows the chart, and also writes any error to stderr
// so that a notebook shows it even when the result is ignored.
func show(c *Chart, err error) (Files, error) {
	var files Files
	if err == nil {
		files, err = c.Show()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return files, err
}
