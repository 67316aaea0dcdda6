package datasets

import (
	"archive/zip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeGTSRBZip writes a zip with the official training layout: csvs class CSVs and ppms photos.
func writeGTSRBZip(t *testing.T, csvs, ppms int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "GTSRB_Final_Training_Images.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := zip.NewWriter(f)
	add := func(name string) {
		if _, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	add("GTSRB/Readme-Images.txt")
	for c := 0; c < csvs; c++ {
		add(fmt.Sprintf("GTSRB/Final_Training/Images/%05d/GT-%05d.csv", c, c))
	}
	for i := 0; i < ppms; i++ {
		add(fmt.Sprintf("GTSRB/Final_Training/Images/%05d/%05d_%05d.ppm", i%43, i/30, i%30))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckGTSRBTrainingZip(t *testing.T) {
	if err := checkGTSRBTrainingZip(writeGTSRBZip(t, 43, gtsrbTrainingImages)); err != nil {
		t.Errorf("complete archive refused: %v", err)
	}
	err := checkGTSRBTrainingZip(writeGTSRBZip(t, 43, gtsrbTrainingImages-1))
	if err == nil || !strings.Contains(err.Error(), "found 43 and 39208") {
		t.Errorf("archive missing a photo: err = %v", err)
	}
	notZip := filepath.Join(t.TempDir(), "x.zip")
	if err := os.WriteFile(notZip, []byte("<html>not found</html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkGTSRBTrainingZip(notZip); err == nil || !strings.Contains(err.Error(), "not a zip") {
		t.Errorf("HTML page taken as the archive: err = %v", err)
	}
}
