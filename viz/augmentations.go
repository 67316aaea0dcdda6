package viz

import (
	"fmt"
	"strings"

	"github.com/godl-course/godl/datasets"
)

// AugmentationsChart shows the first n examples of ds (rows), each as the original followed by
// k augmented versions (columns) drawn with aug and the seeds aug.Seed+1 … aug.Seed+k.
func AugmentationsChart(ds *datasets.Dataset, aug datasets.Augmentation, n, k int, options ...Option) (*Chart, error) {
	if ds == nil || ds.Len() == 0 {
		return nil, fmt.Errorf("viz: the data set is nil or empty")
	}
	if k < 1 {
		return nil, fmt.Errorf("viz: %d augmented versions per image; give k >= 1", k)
	}
	if n <= 0 || n > ds.Len() {
		n = ds.Len()
	}
	orig, err := datasetTiles(ds, n)
	if err != nil {
		return nil, err
	}
	versions := make([][]tile, k)
	for v := range k {
		a := aug
		a.Seed = aug.Seed + int64(v) + 1
		versions[v], err = datasetTiles(a.Preview(ds.Take(n), n), n)
		if err != nil {
			return nil, err
		}
	}
	var tiles []tile
	for i := range n {
		orig[i].label = "original"
		tiles = append(tiles, orig[i])
		for v := range k {
			t := versions[v][i]
			t.label = fmt.Sprintf("augmented %d", v+1)
			tiles = append(tiles, t)
		}
	}
	s := newSettings(options)
	s.cols = k + 1
	return gridChart(s.titleOr(fmt.Sprintf("Data augmentation: %s", describeAug(aug))), tiles, s)
}

// Augmentations shows n images of ds next to k augmented versions (see [AugmentationsChart]).
func Augmentations(ds *datasets.Dataset, aug datasets.Augmentation, n, k int, options ...Option) (Files, error) {
	return show(AugmentationsChart(ds, aug, n, k, options...))
}

func describeAug(a datasets.Augmentation) string {
	var parts []string
	if a.Brightness > 0 {
		parts = append(parts, fmt.Sprintf("brightness ±%g", a.Brightness))
	}
	if a.Contrast > 0 {
		parts = append(parts, fmt.Sprintf("contrast ±%g", a.Contrast))
	}
	if a.FlipH {
		parts = append(parts, "flip")
	}
	if a.Shift > 0 {
		parts = append(parts, fmt.Sprintf("shift ±%d px", a.Shift))
	}
	if a.Rotate > 0 {
		parts = append(parts, fmt.Sprintf("rotation ±%g°", a.Rotate))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
