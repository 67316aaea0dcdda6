package viz

import (
	"github.com/janpfeifer/gonb/gonbui"
)

// Place is one output of a cell whose chart is replaced in place: each Show draws over the
// previous one (a live demo redrawing as a slider moves). The zero value is not usable: use
// NewPlace.
type Place struct {
	displayID string
}

// NewPlace returns a new place; nothing is shown until its first Show.
func NewPlace() *Place {
	return &Place{displayID: "godl-place-" + gonbui.UniqueId()}
}

// Show draws c in the place, replacing what it showed; outside a notebook it is c.Show().
// quick turns echarts' animation off (for redraws that follow each other fast).
func (p *Place) Show(c *Chart, quick bool) error {
	if c == nil {
		return nil
	}
	if !gonbui.IsNotebook {
		_, err := c.Show()
		return err
	}
	if quick {
		cp := *c
		cp.live = true
		c = &cp
	}
	return c.display(p.displayID)
}
