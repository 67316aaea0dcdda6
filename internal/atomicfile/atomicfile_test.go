package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileReplacesWholeAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.json")
	if err := WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new content"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "new content" {
		t.Errorf("content %q", b)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 {
		t.Errorf("permissions %v, want 0644", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only a.json (no temporary file left)", len(entries))
	}
	if err := WriteFile(filepath.Join(dir, "missing", "b"), nil, 0o644); err == nil {
		t.Error("writing into a missing folder should fail")
	}
}

func TestWriteDir(t *testing.T) {
	root := t.TempDir()
	dst := filepath.Join(root, "sub", "set")
	if err := WriteDir(dst, func(tmp string) error { return os.WriteFile(filepath.Join(tmp, "f"), []byte("x"), 0o644) }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, "f")); err != nil {
		t.Fatal(err)
	}
	// A second write to a non-empty folder is refused and changes nothing.
	err := WriteDir(dst, func(tmp string) error { return nil })
	if !errors.Is(err, ErrExists) {
		t.Fatalf("err = %v, want ErrExists", err)
	}
	// An existing empty folder is filled.
	empty := filepath.Join(root, "sub", "empty")
	_ = os.Mkdir(empty, 0o755)
	if err := WriteDir(empty, func(tmp string) error { return os.WriteFile(filepath.Join(tmp, "g"), nil, 0o644) }); err != nil {
		t.Fatalf("an empty destination folder should be replaced: %v", err)
	}
	// A failing fill leaves nothing behind.
	other := filepath.Join(root, "sub", "other")
	boom := errors.New("boom")
	if err := WriteDir(other, func(tmp string) error {
		_ = os.WriteFile(filepath.Join(tmp, "half"), []byte("x"), 0o644)
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(root, "sub"))
	if len(entries) != 2 {
		t.Errorf("after a failed write the parent holds %d entries, want 2 (set, empty)", len(entries))
	}
}

func TestReplaceDirKeepsOldOnError(t *testing.T) {
	root := t.TempDir()
	dst := filepath.Join(root, "model")
	write := func(content string, fail bool) error {
		return ReplaceDir(dst, func(tmp string) error {
			if err := os.WriteFile(filepath.Join(tmp, "w"), []byte(content), 0o644); err != nil {
				return err
			}
			if fail {
				return errors.New("interrupted")
			}
			return nil
		})
	}
	if err := write("v1", false); err != nil {
		t.Fatal(err)
	}
	if err := write("v2", true); err == nil {
		t.Fatal("want the fill's error")
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "w")); string(b) != "v1" {
		t.Errorf("after a failed replace the content is %q, want v1", b)
	}
	if err := write("v3", false); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "w")); string(b) != "v3" {
		t.Errorf("content %q, want v3", b)
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf("%d entries next to the model, want none (temporary folders removed)", len(entries))
	}
}
