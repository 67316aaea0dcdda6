package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNoteDatasetWritesManifest(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"a.csv": "x;y\n1;2\n", "sub/b.bin": "\x00\x01\x02"}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log := filepath.Join(t.TempDir(), "run.log")
	t.Setenv(EnvRunLog, log)
	noteDataset("test-set", dir)
	noteDataset("test-set", dir) // once per program
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines in the run log, want 1:\n%s", len(lines), data)
	}
	var got struct {
		Dataset, Path, Sha256 string
		Files                 int
		Bytes                 int64
	}
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	// The manifest computed independently: sorted paths, sizes, content hashes.
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	manifest := fmt.Sprintf("a.csv\t%d\t%s\nsub/b.bin\t%d\t%s\n", len(files["a.csv"]), sum(files["a.csv"]),
		len(files["sub/b.bin"]), sum(files["sub/b.bin"]))
	if got.Dataset != "test-set" || got.Path != dir || got.Files != 2 || got.Bytes != 11 || got.Sha256 != sum(manifest) {
		t.Errorf("run log line %s, want dataset test-set, path %s, 2 files, 11 bytes, sha256 %s", lines[0], dir, sum(manifest))
	}
	// A changed file changes the hash.
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte("x;y\n1;3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	line, err := datasetManifest("test-set", dir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(line), got.Sha256) {
		t.Error("the manifest hash did not change when a file's content did")
	}
}
