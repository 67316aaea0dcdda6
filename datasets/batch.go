package datasets

import (
	"fmt"
	"iter"
	"slices"
)

// Batch is one mini-batch of examples, example after example as in [Dataset].
//
// X holds Size·prod(Shape) values; Labels (classification) Size class ids; Targets (dense
// targets) Size·prod(TargetShape) values; Index the positions of the examples in the data set.
// The slices are reused by the next batch of the iteration: copy what must outlive it.
type Batch struct {
	X           []float32
	Labels      []int
	Targets     []float32
	Index       []int
	Size        int
	Shape       []int // shape of one example
	TargetShape []int
}

// Batcher produces the mini-batches of a data set, epoch after epoch, built with
// [Dataset.Batches] and configured by chained calls ending in Done:
//
//	b := train.Batches(64).Shuffle(1).Augment(datasets.Augmentation{FlipH: true}).Done()
//	for epoch := range 10 {
//		for batch := range b.Epoch(epoch) { ... }
//	}
//
// The zero configuration (train.Batches(64).Done()) yields the examples in order, the last batch
// possibly smaller.
type Batcher struct {
	d        *Dataset
	size     int
	shuffle  bool
	seed     int64
	dropLast bool
	fillLast bool
	aug      *Augmentation
	err      error
}

// Batches starts the configuration of a [Batcher] of batches of `size` examples.
func (d *Dataset) Batches(size int) *Batcher {
	b := &Batcher{d: d, size: size}
	if size <= 0 {
		b.err = fmt.Errorf("datasets: %s: batch size %d, want > 0", d.Name, size)
	}
	return b
}

// Shuffle makes each epoch visit the examples in a new random order, given by (seed, epoch).
func (b *Batcher) Shuffle(seed int64) *Batcher { b.shuffle, b.seed = true, seed; return b }

// DropLast drops the last batch of an epoch when it has fewer than size examples.
func (b *Batcher) DropLast() *Batcher { b.dropLast = true; return b }

// FillLast completes the last batch of an epoch, when it has fewer than size examples, with
// examples from the start of the epoch's order, so that every batch has the same size (nn.Fit
// uses it: one compiled graph for every step).
func (b *Batcher) FillLast() *Batcher { b.fillLast = true; return b }

// Augment applies random augmentation to every batch, on the fly (the data set is not changed).
// The random draws depend on (a.Seed, epoch, batch): runs are reproducible. On a normalized data
// set (Norm set) the images are augmented as pictures: the normalization is undone, the
// augmentation applied and clipped to [0, 1], and the normalization applied again.
func (b *Batcher) Augment(a Augmentation) *Batcher {
	if err := a.check(b.d); err != nil && b.err == nil {
		b.err = err
	}
	b.aug = &a
	return b
}

// Done ends the configuration. It panics with a clear message on an invalid configuration (batch
// size ≤ 0, inconsistent data set); use [Batcher.Err] to get the error instead.
func (b *Batcher) Done() *Batcher {
	if err := b.Err(); err != nil {
		panic(err)
	}
	return b
}

// Err returns the configuration error, if any.
func (b *Batcher) Err() error {
	if b.err != nil {
		return b.err
	}
	return b.d.Validate()
}

// Len is the number of batches per epoch.
func (b *Batcher) Len() int {
	n := b.d.Len()
	if b.dropLast && !b.fillLast {
		return n / b.size
	}
	return (n + b.size - 1) / b.size
}

// Order returns the order in which epoch `epoch` visits the examples.
func (b *Batcher) Order(epoch int) []int {
	if b.shuffle {
		return Permutation(b.d.Len(), b.seed*1_000_003+int64(epoch))
	}
	idx := make([]int, b.d.Len())
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// Epoch iterates over the batches of one epoch (0-based or 1-based: any int; each value gives
// its own shuffle and augmentation). The yielded *Batch is reused: it is valid until the next
// iteration.
func (b *Batcher) Epoch(epoch int) iter.Seq[*Batch] {
	return func(yield func(*Batch) bool) {
		if b.err != nil || b.size <= 0 {
			return
		}
		d := b.d
		order := b.Order(epoch)
		n, m := d.ExampleSize(), d.TargetSize()
		batch := &Batch{Shape: d.Shape, TargetShape: d.TargetShape}
		for bi := range b.Len() {
			lo := bi * b.size
			hi := min(lo+b.size, len(order))
			idx := order[lo:hi]
			if b.fillLast && len(idx) < b.size {
				idx = append(slices.Clone(idx), order[:min(b.size-len(idx), len(order))]...)
			}
			batch.Size = len(idx)
			batch.Index = append(batch.Index[:0], idx...)
			batch.X = batch.X[:0]
			batch.Labels = batch.Labels[:0]
			batch.Targets = batch.Targets[:0]
			for _, i := range idx {
				batch.X = append(batch.X, d.X[i*n:(i+1)*n]...)
				if d.Labels != nil {
					batch.Labels = append(batch.Labels, d.Labels[i])
				}
				if d.Targets != nil {
					batch.Targets = append(batch.Targets, d.Targets[i*m:(i+1)*m]...)
				}
			}
			if d.Labels == nil {
				batch.Labels = nil
			}
			if d.Targets == nil {
				batch.Targets = nil
			}
			if b.aug != nil {
				rng := newRand(b.aug.Seed*1_000_003 + int64(epoch)*65_537 + int64(bi))
				b.aug.applyNormalized(batch, d.Norm, rng)
			}
			if !yield(batch) {
				return
			}
		}
	}
}
