package datasets

import (
	"fmt"
	"math"
	"slices"
)

// SplitByGroup splits like [Dataset.Split] but keeps all the examples of a group (Groups[i], e.g.
// a GTSRB track of ~30 photos of the same sign, or a CHAOS patient) on the same side, so that the
// second part does not leak near-duplicates of the first. With labels, the split is
// class-balanced: for each class, whole groups are moved to b until b holds about (1−frac) of
// that class's examples. Without Groups it is the same as Split.
func (d *Dataset) SplitByGroup(frac float64, seed int64) (a, b *Dataset) {
	if !(frac >= 0 && frac <= 1) {
		panic(fmt.Sprintf("datasets: SplitByGroup of %q: fraction %v is not in [0,1]", d.Name, frac))
	}
	if d.Groups == nil {
		return d.Split(frac, seed)
	}
	type group struct {
		id, class int
		members   []int
	}
	byID := map[int]*group{}
	var order []int
	for i, g := range d.Groups {
		gr, ok := byID[g]
		if !ok {
			gr = &group{id: g}
			if d.Labels != nil {
				gr.class = d.Labels[i]
			}
			byID[g] = gr
			order = append(order, g)
		}
		gr.members = append(gr.members, i)
	}
	slices.Sort(order)
	// Groups per class, in a seeded random order.
	perClass := map[int][]*group{}
	var classes []int
	for _, id := range order {
		g := byID[id]
		if _, ok := perClass[g.class]; !ok {
			classes = append(classes, g.class)
		}
		perClass[g.class] = append(perClass[g.class], g)
	}
	slices.Sort(classes)
	rng := newRand(seed)
	var ia, ib []int
	for _, c := range classes {
		groups := perClass[c]
		rng.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
		total := 0
		for _, g := range groups {
			total += len(g.members)
		}
		wantB := int(math.Round((1 - frac) * float64(total)))
		nb := 0
		for _, g := range groups {
			if nb < wantB && nb+len(g.members)/2 < wantB {
				ib = append(ib, g.members...)
				nb += len(g.members)
			} else {
				ia = append(ia, g.members...)
			}
		}
	}
	perm := newRand(seed + 1)
	perm.Shuffle(len(ia), func(i, j int) { ia[i], ia[j] = ia[j], ia[i] })
	perm.Shuffle(len(ib), func(i, j int) { ib[i], ib[j] = ib[j], ib[i] })
	return d.Subset(ia), d.Subset(ib)
}

// ValidationSplit holds out n examples of a training set for validation and returns the rest
// for training:
//
//	train, test := nb.Must2(datasets.MNIST())
//	train, val := train.ValidationSplit(5000) // watch curves and choose on val; test once, at the end
//
// The split is class-balanced (each class keeps its share of n, when the examples have labels),
// keeps groups together when Groups are set (a GTSRB track, a CHAOS patient: see
// [Dataset.SplitByGroup], where n is then approximate) and is the same on every run (seed 1). It
// panics, naming the data set, when n is not between 1 and Len()−1.
func (d *Dataset) ValidationSplit(n int) (train, val *Dataset) {
	total := d.Len()
	if n < 1 || n >= total {
		panic(fmt.Sprintf("datasets: ValidationSplit of %q: cannot hold out %d of its %d examples for validation (want 1 ≤ n < %d)", d.Name, n, total, total))
	}
	frac := 1 - float64(n)/float64(total)
	if d.Groups != nil {
		train, val = d.SplitByGroup(frac, 1)
	} else if d.Labels == nil {
		train, val = d.Split(frac, 1)
	} else {
		// Class-balanced: the largest-remainder rounding of n·(class share) per class.
		byClass := map[int][]int{}
		var classes []int
		for i, l := range d.Labels {
			if _, ok := byClass[l]; !ok {
				classes = append(classes, l)
			}
			byClass[l] = append(byClass[l], i)
		}
		slices.Sort(classes)
		take := make(map[int]int, len(classes))
		type rest struct {
			class int
			frac  float64
		}
		var rests []rest
		left := n
		for _, c := range classes {
			exact := float64(n) * float64(len(byClass[c])) / float64(total)
			take[c] = int(exact)
			left -= take[c]
			rests = append(rests, rest{c, exact - float64(take[c])})
		}
		slices.SortStableFunc(rests, func(a, b rest) int {
			switch {
			case a.frac > b.frac:
				return -1
			case a.frac < b.frac:
				return 1
			}
			return 0
		})
		for i := 0; left > 0; i++ {
			take[rests[i%len(rests)].class]++
			left--
		}
		rng := newRand(1)
		var ia, ib []int
		for _, c := range classes {
			idx := byClass[c]
			rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
			ib = append(ib, idx[:take[c]]...)
			ia = append(ia, idx[take[c]:]...)
		}
		rng.Shuffle(len(ia), func(i, j int) { ia[i], ia[j] = ia[j], ia[i] })
		rng.Shuffle(len(ib), func(i, j int) { ib[i], ib[j] = ib[j], ib[i] })
		train, val = d.Subset(ia), d.Subset(ib)
	}
	train.Name = d.Name + " (training part)"
	val.Name = d.Name + " (validation part)"
	return train, val
}
