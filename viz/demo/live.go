package demo

import (
	"errors"
	"fmt"
	"html"
	"math"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/godl-course/godl/viz"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/comms"
	"github.com/janpfeifer/gonb/gonbui/dom"
	"github.com/janpfeifer/gonb/gonbui/widgets"
)

// Live is a demo computed on demand: controls in the page (sliders, choices, buttons: GoNB's
// gonbui/widgets) and a chart that the kernel redraws, with the students' own nn code, each
// time a control changes. The cell stays alive while the demo runs, and ends cleanly:
//
//   - the Stop button,
//   - no change for IdleTimeout (10 minutes by default),
//   - an interrupt of the kernel (■ in JupyterLab).
//
// It then removes the controls and leaves the last chart as an ordinary chart (live in the
// page, its static picture on GitHub and in PDFs), and the kernel runs the next cell.
//
// Where no page answers (a headless run, nbconvert, a notebook opened without a browser), Live
// draws the chart once for the starting values and returns at once: it never blocks a run
// that nobody watches.
//
//	presses := 0
//	demo.NewLive("slope", func(c *demo.Controls) (*viz.Chart, error) {
//		if c.Pressed() == "add one" {
//			presses++
//		}
//		k := c.Value("k") + float64(presses)
//		return viz.FuncChart(func(x float64) float64 { return k * x }, -1, 1, viz.Title(fmt.Sprintf("y = %g x", k)))
//	}).Slider("k", 0, 5, 0.5, 1).Button("add one").Done()
//
// [PlaygroundLive] is such a demo: a model trained on demand, 10 or 100 steps per press.
type Live struct {
	title    string
	draw     func(*Controls) (*viz.Chart, error)
	controls []control
	idle     time.Duration
	connect  time.Duration
	err      error
}

type controlKind int

const (
	sliderControl controlKind = iota
	choiceControl
	buttonControl
)

type control struct {
	kind               controlKind
	name               string
	min, max, step, at float64  // sliders
	options            []string // choices
	chosen             int
}

// Controls are the values of a Live demo's controls, passed to its draw function.
type Controls struct {
	values  map[string]float64
	choices map[string]string
	pressed string
	changed string
	redraws int
}

// Value is the value of the slider name (0 for an unknown name).
func (c *Controls) Value(name string) float64 { return c.values[name] }

// Int is the value of the slider name, rounded.
func (c *Controls) Int(name string) int { return int(math.Round(c.values[name])) }

// Choice is the option chosen in the choice name.
func (c *Controls) Choice(name string) string { return c.choices[name] }

// Pressed is the label of the button whose press caused this redraw, "" otherwise.
func (c *Controls) Pressed() string { return c.pressed }

// Changed is the name of the control whose change caused this redraw ("" for the first draw).
func (c *Controls) Changed() string { return c.changed }

// Redraws counts the draws before this one (0 for the first).
func (c *Controls) Redraws() int { return c.redraws }

// NewLive starts a Live demo called title whose chart draw computes from the controls.
func NewLive(title string, draw func(*Controls) (*viz.Chart, error)) *Live {
	l := &Live{title: title, draw: draw, idle: 10 * time.Minute, connect: 5 * time.Second}
	if draw == nil {
		l.err = errors.New("demo.NewLive: the draw function is nil; pass a func(*demo.Controls) (*viz.Chart, error)")
	}
	return l
}

// Slider adds a slider called name over [min, max] in steps of step, starting at value.
func (l *Live) Slider(name string, min, max, step, value float64) *Live {
	switch {
	case !(step > 0) || !(max > min):
		l.fail("slider %q: min %g, max %g, step %g: need min < max and step > 0", name, min, max, step)
	case value < min || value > max:
		l.fail("slider %q: starting value %g is outside [%g, %g]", name, value, min, max)
	case (max-min)/step > 10000:
		l.fail("slider %q: %g steps from %g to %g; use a step of at least %g", name, (max-min)/step, min, max, (max-min)/10000)
	}
	l.add(control{kind: sliderControl, name: name, min: min, max: max, step: step, at: value})
	return l
}

// Choice adds a drop-down list called name; the first option is chosen at the start.
func (l *Live) Choice(name string, options ...string) *Live {
	if len(options) == 0 {
		l.fail("choice %q has no options; give at least one, e.g. Choice(%q, \"relu\", \"tanh\")", name, name)
	}
	l.add(control{kind: choiceControl, name: name, options: options})
	return l
}

// Button adds a button labelled label: each press redraws with Controls.Pressed() == label.
func (l *Live) Button(label string) *Live {
	l.add(control{kind: buttonControl, name: label})
	return l
}

// IdleTimeout ends the demo after d with no change (default 10 minutes).
func (l *Live) IdleTimeout(d time.Duration) *Live {
	if d <= 0 {
		l.fail("IdleTimeout(%v): give a positive duration, e.g. 5*time.Minute", d)
	}
	l.idle = d
	return l
}

func (l *Live) add(c control) {
	for _, o := range l.controls {
		if o.name == c.name {
			l.fail("two controls are called %q; give each its own name", c.name)
		}
	}
	if c.name == "" || c.name == "Stop" {
		l.fail("a control needs a name other than %q", c.name)
	}
	l.controls = append(l.controls, c)
}

func (l *Live) fail(format string, args ...any) {
	if l.err == nil {
		l.err = fmt.Errorf("demo.Live %q: "+format, append([]any{l.title}, args...)...)
	}
}

// Ended says why a Live demo ended.
type Ended string

const (
	EndedStop      Ended = "Stop pressed"
	EndedIdle      Ended = "idle timeout"
	EndedInterrupt Ended = "interrupted"
	EndedNoPage    Ended = "no page connected"
)

// Done shows the demo and runs it until it ends (see Live); it returns why it ended. Errors
// of the draw function end the demo and are returned.
func (l *Live) Done() (Ended, error) {
	if l.err != nil {
		fmt.Fprintln(os.Stderr, l.err)
		return "", l.err
	}
	state := l.start()
	chart, err := l.draw(state)
	if err != nil {
		return "", l.drawError(err)
	}
	if !gonbui.IsNotebook || !pageConnected(l.connect) {
		if _, err := chart.Show(); err != nil {
			return EndedNoPage, err
		}
		fmt.Printf("%s: shown for %s (no page is connected, so the controls are not shown: open the notebook in JupyterLab and run the cell to use them)\n", l.title, l.describe(state))
		return EndedNoPage, nil
	}
	return l.run(state, chart)
}

func (l *Live) start() *Controls {
	c := &Controls{values: map[string]float64{}, choices: map[string]string{}}
	for _, ctl := range l.controls {
		switch ctl.kind {
		case sliderControl:
			c.values[ctl.name] = ctl.at
		case choiceControl:
			c.choices[ctl.name] = ctl.options[0]
		}
	}
	return c
}

func (l *Live) describe(c *Controls) string {
	var parts []string
	for _, ctl := range l.controls {
		switch ctl.kind {
		case sliderControl:
			parts = append(parts, fmt.Sprintf("%s = %s", ctl.name, strconv.FormatFloat(c.values[ctl.name], 'g', 4, 64)))
		case choiceControl:
			parts = append(parts, fmt.Sprintf("%s = %s", ctl.name, c.choices[ctl.name]))
		}
	}
	if len(parts) == 0 {
		return "the starting values"
	}
	return strings.Join(parts, " · ")
}

func (l *Live) drawError(err error) error {
	err = fmt.Errorf("demo.Live %q: drawing the chart: %w", l.title, err)
	fmt.Fprintln(os.Stderr, err)
	return err
}

// pageConnected reports whether a page answers GoNB's comms within timeout: a script sent to
// the page (run only where a browser shows the output) sends a value back.
func pageConnected(timeout time.Duration) bool {
	comms.Start()
	addr := "/godl/live/hello/" + gonbui.UniqueId()
	got := make(chan struct{}, 1)
	id := comms.Subscribe(addr, func(string, int) {
		select {
		case got <- struct{}{}:
		default:
		}
	})
	defer comms.Unsubscribe(id)
	dom.TransientJavascript(fmt.Sprintf(`(function hello(n) {
  if (globalThis.gonb_comm) { globalThis.gonb_comm.send(%q, 1); }
  else if (n < 100) { setTimeout(function() { hello(n + 1); }, 50); }
})(0);`, addr))
	select {
	case <-got:
		return true
	case <-time.After(timeout):
		return false
	}
}

type event struct {
	i     int // control index; -1 Stop
	value int
}

func (l *Live) run(state *Controls, chart *viz.Chart) (Ended, error) {
	box := "godl-live-" + gonbui.UniqueId()
	var b strings.Builder
	fmt.Fprintf(&b, `<div id="%s" style="font:13px sans-serif;display:flex;flex-wrap:wrap;gap:6px 18px;align-items:center;margin:4px 0">`, box)
	fmt.Fprintf(&b, `<b>%s</b>`, html.EscapeString(l.title))
	for i, ctl := range l.controls {
		switch ctl.kind {
		case sliderControl:
			fmt.Fprintf(&b, `<span>%s <span id="%s-ctl-%d"></span> <code id="%s-val-%d">%s</code></span>`,
				html.EscapeString(ctl.name), box, i, box, i, strconv.FormatFloat(ctl.at, 'g', 4, 64))
		case choiceControl:
			fmt.Fprintf(&b, `<span>%s <span id="%s-ctl-%d"></span></span>`, html.EscapeString(ctl.name), box, i)
		case buttonControl:
			fmt.Fprintf(&b, `<span id="%s-ctl-%d"></span>`, box, i)
		}
	}
	fmt.Fprintf(&b, `<span id="%s-stop"></span><span id="%s-status" style="color:#666"></span></div>`, box, box)
	gonbui.UpdateHtml(box, b.String())

	events := make(chan event, 64)
	var closers []func()
	for i, ctl := range l.controls {
		parent := fmt.Sprintf("%s-ctl-%d", box, i)
		var ch *comms.AddressChan[int]
		switch ctl.kind {
		case sliderControl:
			n := int(math.Round((ctl.max - ctl.min) / ctl.step))
			at := int(math.Round((ctl.at - ctl.min) / ctl.step))
			ch = widgets.Slider(0, n, at).AppendTo(parent).Done().Listen()
		case choiceControl:
			ch = widgets.Select(ctl.options).AppendTo(parent).Done().Listen()
		case buttonControl:
			ch = widgets.Button(ctl.name).AppendTo(parent).Done().Listen()
		}
		closers = append(closers, ch.Close)
		go func(i int, c chan int) {
			for v := range c {
				events <- event{i: i, value: v}
			}
		}(i, ch.C)
	}
	stop := widgets.Button("Stop").AppendTo(box + "-stop").Done().Listen()
	closers = append(closers, stop.Close)
	go func() {
		for range stop.C {
			events <- event{i: -1}
		}
	}()
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(interrupts)

	place := viz.NewPlace()
	if err := place.Show(chart, true); err != nil {
		return "", err
	}
	var ended Ended
	var drawErr error
	idle := time.NewTimer(l.idle)
	defer idle.Stop()
loop:
	for {
		select {
		case e := <-events:
			// Apply this change and any already waiting, then redraw once.
			stopped := e.i < 0
			l.apply(state, box, e)
			for more := !stopped; more; {
				select {
				case e2 := <-events:
					stopped = stopped || e2.i < 0
					l.apply(state, box, e2)
				default:
					more = false
				}
			}
			if stopped {
				ended = EndedStop
				break loop
			}
			dom.SetInnerText(box+"-status", "computing …")
			state.redraws++
			c, err := l.draw(state)
			state.pressed = ""
			if err != nil {
				drawErr = l.drawError(err)
				ended = "draw error"
				break loop
			}
			chart = c
			if err := place.Show(chart, true); err != nil {
				drawErr = err
				break loop
			}
			dom.SetInnerText(box+"-status", "")
			idle.Reset(l.idle)
		case <-idle.C:
			ended = EndedIdle
			break loop
		case <-interrupts:
			ended = EndedInterrupt
			break loop
		}
	}
	// The last chart stays as an ordinary chart; the controls give way to a line saying why
	// and where the demo ended.
	_ = place.Show(chart, false)
	gonbui.UpdateHtml(box, fmt.Sprintf(`<div style="font:13px sans-serif;color:#555;margin:4px 0">%s ended (%s) at %s; run the cell again to restart it.</div>`,
		html.EscapeString(l.title), ended, html.EscapeString(l.describe(state))))
	fmt.Printf("%s ended (%s) at %s\n", l.title, ended, l.describe(state))
	return ended, drawErr
}

func (l *Live) apply(state *Controls, box string, e event) {
	if e.i < 0 {
		return
	}
	ctl := l.controls[e.i]
	state.changed = ctl.name
	switch ctl.kind {
	case sliderControl:
		v := math.Min(ctl.max, ctl.min+float64(e.value)*ctl.step)
		state.values[ctl.name] = v
		dom.SetInnerText(fmt.Sprintf("%s-val-%d", box, e.i), strconv.FormatFloat(v, 'g', 4, 64))
	case choiceControl:
		if e.value >= 0 && e.value < len(ctl.options) {
			state.choices[ctl.name] = ctl.options[e.value]
		}
	case buttonControl:
		state.pressed = ctl.name
	}
}
