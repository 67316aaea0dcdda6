package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// EnvRunLog names the file where the loaders list the data sets a run read, for the run record of
// a hand-in (`make submit` sets it; grading/record.py reads it): one JSON object per line,
//
//	{"dataset": "mnist", "path": "/…/data", "files": 4, "bytes": 11594722, "sha256": "…"}
//
// sha256 is that of the folder's manifest: each file's path inside the folder and size, and the
// SHA-256 of its content for files up to runLogHashLimit bytes (the labels, the CSV annotations,
// the MNIST files; the photos of GTSRB or CHAOS count by size). Unset, nothing is computed.
const EnvRunLog = "GODL_RUN_LOG"

// runLogHashLimit is the largest file whose content goes into a manifest.
const runLogHashLimit = 16 << 20

var runLogged sync.Map // dataset+path already written by this program

// noteDataset appends dir's manifest to $GODL_RUN_LOG, once per program; errors are ignored (the
// run record then lacks that line, the run goes on).
func noteDataset(name, dir string) {
	log := os.Getenv(EnvRunLog)
	if log == "" || dir == "" {
		return
	}
	if _, seen := runLogged.LoadOrStore(name+"\x00"+dir, true); seen {
		return
	}
	line, err := datasetManifest(name, dir)
	if err != nil {
		return
	}
	f, err := os.OpenFile(log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.Write(append(line, '\n')) // one write: lines of concurrent cells do not interleave
}

func datasetManifest(name, dir string) ([]byte, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	type entry struct {
		rel  string
		size int64
	}
	var files []entry
	err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(abs, p)
		files = append(files, entry{filepath.ToSlash(rel), info.Size()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })
	h := sha256.New()
	var total int64
	for _, e := range files {
		total += e.size
		fmt.Fprintf(h, "%s\t%d\t", e.rel, e.size)
		if e.size <= runLogHashLimit {
			f, err := os.Open(filepath.Join(abs, filepath.FromSlash(e.rel)))
			if err != nil {
				return nil, err
			}
			c := sha256.New()
			_, err = io.Copy(c, f)
			f.Close()
			if err != nil {
				return nil, err
			}
			h.Write([]byte(hex.EncodeToString(c.Sum(nil))))
		}
		h.Write([]byte("\n"))
	}
	return json.Marshal(map[string]any{"dataset": name, "path": abs, "files": len(files), "bytes": total,
		"sha256": hex.EncodeToString(h.Sum(nil))})
}
