package datasets

import (
	"fmt"
	"math"
)

// Toy 2-D data sets (TensorFlow Playground style) for decision-boundary demos. Each example
// has Shape [2] (x, y); labels are class ids. All are seeded: the same seed gives the same points
// on every machine.

// Spiral returns n points per class on `classes` interleaved spiral arms (the CS231n spiral):
// for class k and t = i/n, radius r = t and angle θ = 4t + 2πk/classes + noise·N(0,1), the point
// is (r·sin θ, r·cos θ). Len() = n·classes.
func Spiral(n, classes int, noise float64, seed int64) *Dataset {
	rng := newRand(seed)
	d := toyDataset("spiral", classes, n*classes)
	for k := range classes {
		for i := range n {
			t := float64(i) / float64(max(n-1, 1))
			theta := 4*t + 2*math.Pi*float64(k)/float64(classes) + noise*rng.NormFloat64()
			d.X = append(d.X, float32(t*math.Sin(theta)), float32(t*math.Cos(theta)))
			d.Labels = append(d.Labels, k)
		}
	}
	return d
}

// Moons returns two interleaved half circles, n points in total: class 0 on
// (cos θ, sin θ) and class 1 on (1 − cos θ, 0.5 − sin θ), θ uniform in [0, π], plus Gaussian
// noise of standard deviation `noise` on each coordinate (as scikit-learn's make_moons).
func Moons(n int, noise float64, seed int64) *Dataset {
	rng := newRand(seed)
	d := toyDataset("moons", 2, n)
	for i := range n {
		theta := math.Pi * rng.Float64()
		k := i % 2
		x, y := math.Cos(theta), math.Sin(theta)
		if k == 1 {
			x, y = 1-x, 0.5-y
		}
		d.X = append(d.X, float32(x+noise*rng.NormFloat64()), float32(y+noise*rng.NormFloat64()))
		d.Labels = append(d.Labels, k)
	}
	return d
}

// Circles returns two concentric circles, n points in total: class 0 on radius 1 and class 1
// on radius `factor` (0 < factor < 1; 0.5 when out of range), plus Gaussian noise of standard
// deviation `noise`.
func Circles(n int, factor, noise float64, seed int64) *Dataset {
	if !(factor > 0 && factor < 1) {
		factor = 0.5
	}
	rng := newRand(seed)
	d := toyDataset("circles", 2, n)
	for i := range n {
		theta := 2 * math.Pi * rng.Float64()
		k := i % 2
		r := 1.0
		if k == 1 {
			r = factor
		}
		d.X = append(d.X, float32(r*math.Cos(theta)+noise*rng.NormFloat64()), float32(r*math.Sin(theta)+noise*rng.NormFloat64()))
		d.Labels = append(d.Labels, k)
	}
	return d
}

// XOR returns n points uniform in [−1, 1]², class 1 when x·y < 0 (the XOR of the signs), with
// Gaussian noise of standard deviation `noise` added to the points after labelling.
func XOR(n int, noise float64, seed int64) *Dataset {
	rng := newRand(seed)
	d := toyDataset("xor", 2, n)
	for range n {
		x, y := 2*rng.Float64()-1, 2*rng.Float64()-1
		k := 0
		if x*y < 0 {
			k = 1
		}
		d.X = append(d.X, float32(x+noise*rng.NormFloat64()), float32(y+noise*rng.NormFloat64()))
		d.Labels = append(d.Labels, k)
	}
	return d
}

// Blobs returns n points per class around `classes` centres evenly spaced on a circle of radius
// 2 (centre k at angle 2πk/classes), each coordinate with Gaussian noise of standard deviation
// `std`.
func Blobs(n, classes int, std float64, seed int64) *Dataset {
	rng := newRand(seed)
	d := toyDataset("blobs", classes, n*classes)
	for k := range classes {
		a := 2 * math.Pi * float64(k) / float64(classes)
		cx, cy := 2*math.Cos(a), 2*math.Sin(a)
		for range n {
			d.X = append(d.X, float32(cx+std*rng.NormFloat64()), float32(cy+std*rng.NormFloat64()))
			d.Labels = append(d.Labels, k)
		}
	}
	return d
}

func toyDataset(name string, classes, n int) *Dataset {
	classes = max(classes, 0)
	n = max(n, 0)
	d := &Dataset{Name: name, Shape: []int{2}, X: make([]float32, 0, 2*n), Labels: make([]int, 0, n)}
	for k := range classes {
		d.Classes = append(d.Classes, fmt.Sprint(k))
	}
	return d
}
