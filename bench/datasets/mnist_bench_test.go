// Package datasets_bench measures that loading and batching MNIST is not the bottleneck of
// training: run with
//
//	go test -bench . -benchtime 3x ./bench/datasets/
package datasets_bench

import (
	"testing"

	"github.com/godl-course/godl/datasets"
)

// BenchmarkMNISTLoad: reading, checking (SHA-256) and converting the 70,000 images.
func BenchmarkMNISTLoad(b *testing.B) {
	for b.Loop() {
		if _, _, err := datasets.MNIST(); err != nil {
			b.Fatal(err)
		}
	}
}

// epoch runs one epoch of shuffled batches of 64 and reports images/s.
func epoch(b *testing.B, batcher *datasets.Batcher, n int) {
	e := 0
	for b.Loop() {
		count := 0
		for batch := range batcher.Epoch(e) {
			count += batch.Size
		}
		if count != n {
			b.Fatalf("%d examples in an epoch, want %d", count, n)
		}
		e++
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkMNISTEpoch: one epoch of shuffled batches of 64 (60,000 images).
func BenchmarkMNISTEpoch(b *testing.B) {
	train, _, err := datasets.MNIST()
	if err != nil {
		b.Fatal(err)
	}
	epoch(b, train.Batches(64).Shuffle(1).Done(), train.Len())
}

// BenchmarkMNISTEpochAugmented: the same with shift ±2 px and rotation ±10° on the fly.
func BenchmarkMNISTEpochAugmented(b *testing.B) {
	train, _, err := datasets.MNIST()
	if err != nil {
		b.Fatal(err)
	}
	aug := datasets.Augmentation{Shift: 2, Rotate: 10, Seed: 1}
	epoch(b, train.Batches(64).Shuffle(1).Augment(aug).Done(), train.Len())
}
