package nn

import (
	"fmt"
	"html"
	"strings"
)

// LayerInfo describes one layer of a built model (see [Model.Layers]).
type LayerInfo struct {
	Name         string // e.g. "conv2d_1"; inner layers of blocks are "residual_1/conv2d_1"
	Config       string // e.g. "Conv2D(6, 5x5, stride 1, same)"
	Depth        int    // 0 for top-level layers
	InputShape   []int  // with the batch axis first (batch size 1 as built)
	OutputShape  []int
	Trainable    int // number of trainable parameters (own, inner layers included)
	NonTrainable int // e.g. BatchNorm's running statistics
}

// Layers lists the model's layers in the order they are applied (nil before the model is built).
func (m *Model) Layers() []LayerInfo {
	if m.rec == nil {
		return nil
	}
	var infos []LayerInfo
	for _, r := range m.rec.layers {
		li := LayerInfo{Name: r.Name, Config: r.Config, Depth: r.Depth,
			InputShape: r.InShape.Dimensions, OutputShape: r.OutShape.Dimensions}
		for _, v := range m.variablesOf(r.Scope) {
			if v.Trainable {
				li.Trainable += v.Shape().Size()
			} else {
				li.NonTrainable += v.Shape().Size()
			}
		}
		infos = append(infos, li)
	}
	return infos
}

func (m *Model) summaryRows() (rows [][4]string, trainable, nonTrainable int) {
	for _, li := range m.Layers() {
		name := strings.Repeat("  ", li.Depth) + li.Name
		params := fmt.Sprint(li.Trainable)
		if li.NonTrainable > 0 {
			params += fmt.Sprintf(" (+%d)", li.NonTrainable)
		}
		rows = append(rows, [4]string{name, li.Config, batchDimsString(li.OutputShape), params})
		if li.Depth == 0 {
			trainable += li.Trainable
			nonTrainable += li.NonTrainable
		}
	}
	return
}

// batchDimsString writes an output shape with its batch axis as "N", whatever the batch size of
// the run that recorded it (Build uses 1, Predict the whole data set): (N, 28, 28, 1).
func batchDimsString(dims []int) string {
	parts := []string{"N"}
	for _, d := range dims[min(1, len(dims)):] {
		parts = append(parts, fmt.Sprint(d))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

const notBuilt = "model not built yet: call Fit, or Build with the shape of one example, e.g. Build(28, 28, 1)"

// Summary returns a table of the layers with their output shapes and parameter counts, and the
// totals. Non-trainable parameters (BatchNorm statistics) are shown as (+n).
func (m *Model) Summary() string {
	if m.rec == nil {
		return notBuilt
	}
	rows, tr, ntr := m.summaryRows()
	header := [4]string{"Layer", "Type", "Output shape", "Params"}
	width := [4]int{}
	for _, r := range append([][4]string{header}, rows...) {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	line := func(r [4]string) {
		for i, c := range r {
			pad := width[i] - len([]rune(c))
			if i == 3 {
				b.WriteString(strings.Repeat(" ", pad) + c)
			} else {
				b.WriteString(c + strings.Repeat(" ", pad+2))
			}
		}
		b.WriteString("\n")
	}
	total := width[0] + width[1] + width[2] + width[3] + 6
	fmt.Fprintf(&b, "Input: (N%s\n", strings.TrimPrefix(dimsString(append([]int{1}, m.input...)), "(1"))
	line(header)
	b.WriteString(strings.Repeat("─", total) + "\n")
	for _, r := range rows {
		line(r)
	}
	b.WriteString(strings.Repeat("─", total) + "\n")
	fmt.Fprintf(&b, "Trainable parameters:     %d\nNon-trainable parameters: %d\nTotal parameters:         %d\n", tr, ntr, tr+ntr)
	return b.String()
}

// SummaryHTML is Summary as an HTML table, for notebooks (gonbui.DisplayHTML).
func (m *Model) SummaryHTML() string {
	if m.rec == nil {
		return "<p>" + html.EscapeString(notBuilt) + "</p>"
	}
	rows, tr, ntr := m.summaryRows()
	var b strings.Builder
	b.WriteString(`<table style="font-family:monospace"><tr><th>Layer</th><th>Type</th><th>Output shape</th><th>Params</th></tr>`)
	for _, r := range rows {
		fmt.Fprintf(&b, `<tr><td style="text-align:left">%s</td><td style="text-align:left">%s</td><td>%s</td><td style="text-align:right">%s</td></tr>`,
			strings.ReplaceAll(html.EscapeString(r[0]), "  ", "&nbsp;&nbsp;"), html.EscapeString(r[1]), html.EscapeString(r[2]), r[3])
	}
	fmt.Fprintf(&b, `</table><p>Trainable parameters: %d<br>Non-trainable parameters: %d<br>Total parameters: %d</p>`, tr, ntr, tr+ntr)
	return b.String()
}
