package viz

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/godl-course/godl/nn"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// CurvesCallback is an nn.Callback that draws the training curves while nn.Fit runs, updating one
// notebook output in place (at most once a second by default, see EveryMillis, and at the end
// of each epoch), and leaves the final chart, live and static, in that output:
//
//	viz.LiveCurves() // passed to nn.Fit as a callback
//
// Outside a notebook it writes the final chart to files at the end of training (see Chart.Show)
// and keeps their paths in Files.
type CurvesCallback struct {
	settings  *settings
	displayID string
	last      time.Time
	every     time.Duration
	// Files are the written files when training ran outside a notebook.
	Files Files
}

// LiveCurves returns the callback that draws live training curves during nn.Fit; options as for
// Curves, plus EveryMillis.
func LiveCurves(options ...Option) *CurvesCallback {
	s := newSettings(options)
	every := time.Second
	if s.every > 0 {
		every = time.Duration(s.every) * time.Millisecond
	}
	return &CurvesCallback{settings: s, every: every}
}

// OnEvent implements nn.Callback. Drawing errors are reported on stderr once and never stop
// training.
func (l *CurvesCallback) OnEvent(e nn.Event, h *nn.History) error {
	if h == nil {
		return nil
	}
	switch e {
	case nn.TrainBegin:
		l.displayID = "godl-live-" + gonbui.UniqueId()
		l.last = time.Time{}
		return nil
	case nn.StepEnd:
		if time.Since(l.last) < l.every {
			return nil
		}
	case nn.EpochEnd:
	case nn.TrainEnd:
		l.redraw(h, false)
		return nil
	case nn.Reloaded: // Memo loaded the model: its saved curves, once per kernel session
		if !firstReloadInSession(h) {
			return nil
		}
		l.displayID = "godl-live-" + gonbui.UniqueId()
		l.redraw(h, false)
		return nil
	default:
		return nil
	}
	l.redraw(h, true)
	return nil
}

func (l *CurvesCallback) redraw(h *nn.History, live bool) {
	l.last = time.Now()
	if !gonbui.IsNotebook {
		if live {
			return
		}
		c, err := curvesChart(h, l.settings)
		if err == nil {
			l.Files, err = c.Show()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "viz: live training curves: %v\n", err)
		}
		return
	}
	if l.displayID == "" { // Fit did not send TrainBegin
		l.displayID = "godl-live-" + gonbui.UniqueId()
	}
	c, err := curvesChart(h, l.settings)
	if err == nil {
		c.live = live
		err = c.display(l.displayID)
	}
	if err != nil && !live {
		fmt.Fprintf(os.Stderr, "viz: live training curves: %v\n", err)
	}
}

// firstReloadInSession reports whether this saved training (known by when it was saved) is
// reloaded for the first time in this notebook's kernel session, and records that it was. A
// notebook often reloads one memoized model in several cells: its curves are drawn in the
// first of them only (the others print Memo's one line). Outside a notebook it is always true.
func firstReloadInSession(h *nn.History) bool {
	dir := os.Getenv(protocol.GONB_TMP_DIR_ENV)
	if !gonbui.IsNotebook || dir == "" {
		return true
	}
	marker := filepath.Join(dir, fmt.Sprintf(".godl-reloaded-%d", h.SavedAt.UnixNano()))
	f, err := os.OpenFile(marker, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return !os.IsExist(err) // cannot record it: draw rather than hide
	}
	f.Close()
	return true
}
