package viz

// Option changes how a chart is drawn. Options that do not apply to a chart are ignored.
type Option func(*settings)

// settings holds every option; the zero value plus each chart's defaults draws a good chart.
type settings struct {
	title         string
	width, height int
	logY          bool
	steps, epochs *bool
	normalized    bool
	classes       []string
	cols          int
	every         int // live updates: minimum milliseconds between two redraws
	xLabel        string
	yLabel        string
	rescale       bool
	xyRange       *[4]float64 // loss surface window: x0, x1, y0, y1
	atFrame       *int        // frames: the frame shown first and in the static picture
	playMillis    int         // frames: milliseconds per frame when playing
	autoPlay      bool        // frames: play at once
}

func newSettings(opts []Option) *settings {
	s := &settings{}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	return s
}

// size returns the chart size in pixels, with the chart's default when not set.
func (s *settings) size(defW, defH int) (int, int) {
	w, h := s.width, s.height
	if w <= 0 {
		w = defW
	}
	if h <= 0 {
		h = defH
	}
	return w, h
}

func (s *settings) xLabelOr(def string) string {
	if s.xLabel != "" {
		return s.xLabel
	}
	return def
}

func (s *settings) yLabelOr(def string) string {
	if s.yLabel != "" {
		return s.yLabel
	}
	return def
}

func (s *settings) titleOr(def string) string {
	if s.title != "" {
		return s.title
	}
	return def
}

// Title sets the chart's title.
func Title(title string) Option { return func(s *settings) { s.title = title } }

// Size sets the chart's width and height in pixels (the PNG has exactly this size; the live
// chart is at most this wide and exactly this high).
func Size(width, height int) Option {
	return func(s *settings) { s.width, s.height = width, height }
}

// LogY draws the y axis (of training curves: the loss axis) on a log scale;
// values <= 0 are left out.
func LogY() Option { return func(s *settings) { s.logY = true } }

// PerStep draws training curves with one point per optimizer step only.
func PerStep() Option {
	return func(s *settings) { t, f := true, false; s.steps, s.epochs = &t, &f }
}

// PerEpoch draws training curves with one point per epoch only (training averages and
// validation values).
func PerEpoch() Option {
	return func(s *settings) { t, f := true, false; s.steps, s.epochs = &f, &t }
}

// Normalized shows a confusion matrix with each row divided by its total (recall per class)
// instead of counts.
func Normalized() Option { return func(s *settings) { s.normalized = true } }

// Classes names the classes (confusion matrix axes, image labels) or the channels of
// ActivationMaps.
func Classes(names ...string) Option { return func(s *settings) { s.classes = names } }

// Cols sets the number of columns of an image grid.
func Cols(n int) Option { return func(s *settings) { s.cols = n } }

// EveryMillis sets the minimum time between two redraws of a live chart (default 1000 ms).
func EveryMillis(ms int) Option { return func(s *settings) { s.every = ms } }

// XLabel names the x axis of a line, function, histogram, bar, scatter or decision-boundary chart.
func XLabel(label string) Option { return func(s *settings) { s.xLabel = label } }

// YLabel names the y axis of a line, function, histogram, bar, scatter or decision-boundary chart.
func YLabel(label string) Option { return func(s *settings) { s.yLabel = label } }

// Rescale shows each image of viz.Images from its own minimum (black) to its maximum (white),
// for values that are not pixels in [0, 1] (feature maps, differences, normalized images).
func Rescale() Option { return func(s *settings) { s.rescale = true } }
