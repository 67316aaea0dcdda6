package viz

import (
	"fmt"
	"os"

	"github.com/godl-course/godl/internal/privdir"
)

// chartsDir returns the folder where Show writes charts outside a notebook: $GODL_CHARTS_DIR, or
// <os.TempDir()>/godl-<uid>/charts, a folder only the user may open. The system's temporary
// folder is shared by every user of the machine: a fixed name there could be made first by
// another user, who would then read (or replace) the charts, so the user's folder is created
// with mode 0700 and refused when it is a link, belongs to another user, or others may write
// into it.
func chartsDir() (string, error) {
	if dir := os.Getenv(ChartsDirEnv); dir != "" {
		return dir, nil
	}
	dir, err := privdir.Sub("charts")
	if err != nil {
		return "", fmt.Errorf("viz: cannot write charts into %v; remove it (or ask the machine's administrator to), "+
			"or set %s to a folder of yours (in Go: os.Setenv(%q, dir); in a notebook: %%env %s=...)",
			err, ChartsDirEnv, ChartsDirEnv, ChartsDirEnv)
	}
	return dir, nil
}
