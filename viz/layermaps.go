package viz

import (
	"fmt"

	"github.com/godl-course/godl/nn"
)

// LayerMapsChart shows the feature maps of one input through each convolutional layer: for
// every activation of shape (examples, H, W, C) in acts (as returned by nn.Model.Activations),
// one row with the first channels (at most 8, or Cols(n)) of example `example`, each scaled from
// its min to its max; rows are captioned with the layer's name. Activations of other ranks
// (dense layers) are skipped.
func LayerMapsChart(acts []nn.Activation, example int, options ...Option) (*Chart, error) {
	s := newSettings(options)
	per := s.cols
	if per <= 0 {
		per = 8
	}
	var tiles []tile
	for _, a := range acts {
		if a.Value == nil {
			continue
		}
		dims := a.Value.Shape
		if len(dims) != 4 {
			continue
		}
		n, h, w, c := dims[0], dims[1], dims[2], dims[3]
		if example < 0 || example >= n {
			return nil, fmt.Errorf("viz: example %d is not among the %d examples of layer %s's activations", example, n, a.Layer)
		}
		one := a.Value.Float32()[example*h*w*c : (example+1)*h*w*c]
		for ch := range per {
			if ch >= c {
				tiles = append(tiles, tile{img: nil})
				continue
			}
			px := make([]float32, h*w)
			for i := range px {
				px[i] = one[i*c+ch]
			}
			img, _ := imageOf(px, []int{h, w, 1}, true)
			label := fmt.Sprintf("#%d", ch)
			if ch == 0 {
				label = fmt.Sprintf("%s #0", a.Layer)
			}
			tiles = append(tiles, tile{img: img, label: label})
		}
	}
	if len(tiles) == 0 {
		return nil, fmt.Errorf("viz: no activation of shape (examples, H, W, C) to show; pass model.Activations(images) of a model with convolution layers")
	}
	s.cols = per
	return gridChart(s.titleOr(fmt.Sprintf("Feature maps of example %d, layer by layer", example)), tiles, s)
}

// LayerMaps shows the feature maps of the first example through each convolutional layer (see
// [LayerMapsChart]):
//
//	viz.LayerMaps(nb.Must(model.Activations(test.Take(1))))
func LayerMaps(acts []nn.Activation, options ...Option) (Files, error) {
	return show(LayerMapsChart(acts, 0, options...))
}
