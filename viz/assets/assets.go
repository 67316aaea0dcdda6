// Package assets finds the files the charts of package viz need at run time: the echarts
// library installed by npm (never a CDN). It depends on the standard library only, so that the
// kernel command (kernel doctor, the kernelspec) finds the library exactly as viz does without
// linking nn and GoMLX.
package assets

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// EchartsEnv names the environment variable holding the absolute path of echarts.min.js.
// The course kernel sets it; it is looked at before any other place.
const EchartsEnv = "GODL_ECHARTS_JS"

// echartsRelPath is where `npm ci` at the module root puts the library.
var echartsRelPath = filepath.Join("node_modules", "echarts", "dist", "echarts.min.js")

// EchartsFile is where `npm ci` (make setup) puts echarts.min.js in the repository at root: the
// file the kernel names in $GODL_ECHARTS_JS and `kernel doctor` checks.
func EchartsFile(root string) string { return filepath.Join(root, echartsRelPath) }

// EchartsPath returns the path of echarts.min.js: $GODL_ECHARTS_JS when set, else
// node_modules/echarts/dist/echarts.min.js in the first folder above this package's source or
// above the working directory that has it. The error says what to run when it is not found.
func EchartsPath() (string, error) {
	if p := os.Getenv(EchartsEnv); p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return "", fmt.Errorf("viz: $%s=%q is not a readable echarts.min.js file; run `make setup` at the repository root (it runs `npm ci`), or unset %s", EchartsEnv, p, EchartsEnv)
		}
		return p, nil
	}
	var starts []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, dir := range starts {
		for {
			p := filepath.Join(dir, echartsRelPath)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", fmt.Errorf("viz: the echarts library (%s) was not found above %s, and $%s is not set: run `make setup` at the repository root (it runs `npm ci` to install echarts from package.json)",
		echartsRelPath, strings.Join(starts, " or "), EchartsEnv)
}
