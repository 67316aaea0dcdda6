//go:build !linux

package datasets

import "testing"

// limitAddressSpace needs Linux's RLIMIT_AS and /proc: elsewhere it does nothing (the tests
// that depend on it skip themselves on other systems).
func limitAddressSpace(tb testing.TB, extra uint64) (restore func()) { return func() {} }
