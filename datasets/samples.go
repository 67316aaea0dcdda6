package datasets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/godl-course/godl/internal/atomicfile"
)

// Sample data sets: small generated files in the formats of the real data sets (GTSRB's PPM
// photos and CSV files, CHAOS's DICOM slices and PNG masks, NH-HAZE's PNG pairs), written so that
// the project notebooks run every cell (in CI, or before the real data are downloaded) through
// the same loaders as the real data. The pictures are simple but meaningful: coloured sign
// shapes per class, a bright liver in a grey body, a scene seen through haze.

// writeSampleDir writes a sample data set's folder atomically (see atomicfile.WriteDir).
func writeSampleDir(dir string, fill func(tmp string) error) error {
	err := atomicfile.WriteDir(dir, fill)
	if errors.Is(err, atomicfile.ErrExists) {
		return fmt.Errorf("datasets: %s already exists and is not empty: remove it or write the sample data elsewhere", dir)
	}
	return err
}

func writeFileIn(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// to8 quantizes a value in [0,1] to a byte (as WritePPM does).
func to8(v float32) uint8 { return uint8(min(max(v, 0), 1)*255 + 0.5) }
