package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// EnvDehazeDir names the environment variable pointing at the folder of the dehazing pairs.
const EnvDehazeDir = "GODL_DEHAZE_DIR"

// DehazeOptions configures [DehazeWith]. The zero value is the default.
type DehazeOptions struct {
	// Dir is the folder of the pairs; default $GODL_DEHAZE_DIR, else <CacheDir>/dehaze.
	Dir           string
	Crop          int   // side of the square crops; default 256 (0 crops and resize are skipped when Resize>0)
	CropsPerImage int   // random aligned crops per pair; default 4
	Resize        int   // when > 0, whole images are resized to Resize×Resize instead of cropped
	Seed          int64 // crop positions
}

// Dehaze loads the dehazing pairs from their default folder with the default options (see
// [DehazeWith]).
func Dehaze() (*Dataset, error) { return DehazeWith(DehazeOptions{}) }

// DehazeWith loads hazy / ground-truth image pairs (NTIRE NH-HAZE, Dense-Haze): PNG files
// named NN_hazy.png and NN_GT.png, matched by their prefix NN, either in one folder (NH-HAZE) or
// in sub-folders hazy/ and GT/ (Dense-Haze). X holds the hazy crops and Targets the clean crops
// at the same positions, both Crop×Crop×3 in [0,1]; Groups holds the pair index (keep crops of
// one pair on one side of a split with [Dataset.SplitByGroup]).
//
// A hazy image without its ground truth (or the reverse), or a pair of different sizes, is an
// error naming the files; no pair at all is a [*MissingDataError] (see [IsMissing]) saying where
// to put them. The pairs cannot be downloaded automatically (the challenge pages need a
// registration).
func DehazeWith(opt DehazeOptions) (*Dataset, error) {
	dir := opt.Dir
	if dir == "" {
		var err error
		if dir, err = defaultDir(EnvDehazeDir, "dehaze"); err != nil {
			return nil, err
		}
	}
	if opt.Crop <= 0 {
		opt.Crop = 256
	}
	if opt.CropsPerImage <= 0 {
		opt.CropsPerImage = 4
	}
	noteDataset("dehaze", dir)
	hazy, gt := map[string]string{}, map[string]string{}
	for _, sub := range []string{"", "hazy", "HAZY", "Hazy", "GT", "gt", "clean"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			lower := strings.ToLower(name)
			if e.IsDir() || !strings.HasSuffix(lower, ".png") {
				continue
			}
			stem := strings.TrimSuffix(lower, ".png")
			path := filepath.Join(dir, sub, name)
			switch {
			case strings.HasSuffix(stem, "_hazy"):
				hazy[strings.TrimSuffix(stem, "_hazy")] = path
			case strings.HasSuffix(stem, "_gt"):
				gt[strings.TrimSuffix(stem, "_gt")] = path
			}
		}
	}
	if len(hazy) == 0 && len(gt) == 0 {
		return nil, &MissingDataError{Dataset: "dehazing pairs", Files: []string{filepath.Join(dir, "NN_hazy.png"), filepath.Join(dir, "NN_GT.png")},
			URL: "https://competitions.codalab.org/competitions/21163", Hint: "NH-HAZE keeps both in one folder, Dense-Haze in hazy/ and GT/"}
	}
	var keys, unmatched []string
	for k, p := range hazy {
		if _, ok := gt[k]; ok {
			keys = append(keys, k)
		} else {
			unmatched = append(unmatched, p+" (no "+k+"_GT.png)")
		}
	}
	for k, p := range gt {
		if _, ok := hazy[k]; !ok {
			unmatched = append(unmatched, p+" (no "+k+"_hazy.png)")
		}
	}
	if len(unmatched) > 0 {
		slices.Sort(unmatched)
		return nil, fmt.Errorf("datasets: dehazing pairs in %s: mismatched pair names: %s", dir, strings.Join(unmatched, ", "))
	}
	slices.Sort(keys)
	side := opt.Crop
	if opt.Resize > 0 {
		side = opt.Resize
	}
	d := &Dataset{Name: "dehaze", Shape: []int{side, side, 3}, TargetShape: []int{side, side, 3}, X: []float32{}, Targets: []float32{}}
	rng := newRand(opt.Seed)
	for gi, k := range keys {
		h, err := readPNG(hazy[k], 3)
		if err != nil {
			return nil, err
		}
		g, err := readPNG(gt[k], 3)
		if err != nil {
			return nil, err
		}
		if h.h != g.h || h.w != g.w {
			return nil, fmt.Errorf("datasets: %s is %d×%d but %s is %d×%d: a pair must have the same size", hazy[k], h.w, h.h, gt[k], g.w, g.h)
		}
		if opt.Resize > 0 {
			d.X = append(d.X, h.resizeBilinear(side, side).pix...)
			d.Targets = append(d.Targets, g.resizeBilinear(side, side).pix...)
			d.Groups = append(d.Groups, gi)
			continue
		}
		if h.h < side || h.w < side {
			return nil, fmt.Errorf("datasets: %s is %d×%d, smaller than the %d×%d crop: choose a smaller Crop", hazy[k], h.w, h.h, side, side)
		}
		for range opt.CropsPerImage {
			y, x := rng.IntN(h.h-side+1), rng.IntN(h.w-side+1)
			d.X = append(d.X, h.crop(x, y, x+side, y+side).pix...)
			d.Targets = append(d.Targets, g.crop(x, y, x+side, y+side).pix...)
			d.Groups = append(d.Groups, gi)
		}
	}
	return d, nil
}
