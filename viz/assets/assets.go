// Package assets finds the files the charts of package viz need at run time: the course's echarts
// bundle, built from the npm package echarts at setup (never a CDN). It depends on the standard
// library only, so that the kernel command (kernel doctor, the kernelspec) finds the bundle
// exactly as viz does without linking nn and GoMLX.
//
// The bundle holds only the parts of echarts that viz's charts use (and what step-through lecture
// demos need): the list is echarts-bundle.json in this folder, scripts/echarts-bundle.mjs builds
// it with esbuild into node_modules/.cache/godl/echarts.custom.min.js (make setup does), about
// 0.8 MB instead of the 1.1 MB of the whole library, which every executed notebook carries once.
package assets

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// EchartsEnv names the environment variable holding the absolute path of the echarts library.
// The course kernel sets it to [EchartsFile]; it is looked at before any other place, and may
// name any echarts build with a UMD or CommonJS header, such as
// node_modules/echarts/dist/echarts.min.js (the whole library).
const EchartsEnv = "GODL_ECHARTS_JS"

// echartsRelPath is where scripts/echarts-bundle.mjs (run by make setup after `npm ci`) writes the
// course's echarts bundle, relative to the module root.
var echartsRelPath = filepath.Join("node_modules", ".cache", "godl", "echarts.custom.min.js")

// EchartsListRelPath is the list of echarts modules the bundle is built from, relative to the
// module root; EchartsScriptRelPath is the script that builds it.
const (
	EchartsListRelPath   = "viz/assets/echarts-bundle.json"
	EchartsScriptRelPath = "scripts/echarts-bundle.mjs"
)

// EchartsFile is where make setup puts the course's echarts bundle in the repository at root:
// the file the kernel names in $GODL_ECHARTS_JS and `kernel doctor` checks.
func EchartsFile(root string) string { return filepath.Join(root, echartsRelPath) }

// EchartsPackageFile is the package.json of the npm package echarts in the repository at root
// (installed by `npm ci`), which the bundle is built from.
func EchartsPackageFile(root string) string {
	return filepath.Join(root, "node_modules", "echarts", "package.json")
}

// EchartsPath returns the path of the echarts library: $GODL_ECHARTS_JS when set, else the
// course's bundle (node_modules/.cache/godl/echarts.custom.min.js) in the first folder above this
// package's source or above the working directory that has it. The error says what to run when it
// is not found.
func EchartsPath() (string, error) {
	if p := os.Getenv(EchartsEnv); p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return "", fmt.Errorf("viz: $%s=%q is not a readable echarts library file; run `make setup` at the repository root (it runs `npm ci` and builds the course's echarts bundle with %s), or unset %s", EchartsEnv, p, EchartsScriptRelPath, EchartsEnv)
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
	return "", fmt.Errorf("viz: the course's echarts bundle (%s) was not found above %s, and $%s is not set: run `make setup` at the repository root (it runs `npm ci`, then `node %s` builds the bundle)",
		echartsRelPath, strings.Join(starts, " or "), EchartsEnv, EchartsScriptRelPath)
}
