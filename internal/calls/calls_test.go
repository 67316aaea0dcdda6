package calls

import (
	"sync"
	"testing"
)

func TestCount(t *testing.T) {
	if N("x.F") != 0 {
		t.Fatal("a function never called has a count")
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				Count("x.F")
			}
		}()
	}
	wg.Wait()
	if got := N("x.F"); got != 800 {
		t.Fatalf("N = %d, want 800", got)
	}
}
