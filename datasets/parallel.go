package datasets

import (
	"runtime"
	"sync"
)

// parallelFor calls f(i) for i in 0..n-1 on GOMAXPROCS workers (decoding files, chunks of a
// data set) and
// returns the error of the smallest i that failed, so that the error named is deterministic.
func parallelFor(n int, f func(i int) error) error {
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := range next {
				errs[i] = f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
