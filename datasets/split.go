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
