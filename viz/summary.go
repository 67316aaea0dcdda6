package viz

import (
	"fmt"
	"os"

	"github.com/godl-course/godl/nn"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// Summary shows the model's summary (layers, output shapes, parameter counts, see
// nn.Model.Summary): an HTML table in a notebook (with the text table as its plain-text form,
// for PDF export), the text table on stdout elsewhere. The error says when the model is nil or
// not built yet (the summary then says what to call).
func Summary(m *nn.Model) error {
	if m == nil {
		err := fmt.Errorf("viz: Summary got a nil *nn.Model; build one with nn.Sequential(...) first")
		fmt.Fprintln(os.Stderr, err)
		return err
	}
	if gonbui.IsNotebook {
		gonbui.SendData(&protocol.DisplayData{Data: map[protocol.MIMEType]any{
			protocol.MIMETextHTML:  m.SummaryHTML(),
			protocol.MIMETextPlain: m.Summary(),
		}})
		notebookSync()
	} else {
		fmt.Print(m.Summary())
	}
	if m.Layers() == nil {
		return fmt.Errorf("viz: the model is not built yet: call Fit, or Build with the shape of one example, e.g. Build(28, 28, 1)")
	}
	return nil
}

// Tabular is a value with a text table and an HTML table: *nn.History, nn.ClassScores.
type Tabular interface {
	String() string
	HTML() string
}

// Table shows v as a table: viz.Table(h) shows a training History epoch by epoch,
// viz.Table(nn.PrecisionRecallF1(cm)) the per-class scores. In a notebook it is an HTML table
// (with the text table as its plain-text form, for PDF export); elsewhere the text table is
// printed. fmt.Println(v) prints the same text table.
func Table(v Tabular) {
	if v == nil {
		fmt.Fprintln(os.Stderr, "viz: Table got nil; pass a History or nn.PrecisionRecallF1(cm)")
		return
	}
	if gonbui.IsNotebook {
		gonbui.SendData(&protocol.DisplayData{Data: map[protocol.MIMEType]any{
			protocol.MIMETextHTML:  v.HTML(),
			protocol.MIMETextPlain: v.String(),
		}})
		notebookSync()
		return
	}
	fmt.Println(v.String())
}
