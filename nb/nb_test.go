package nb

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The helpers return their values when err is nil, and stop (exit 1) otherwise.
func TestMustPassesValuesThrough(t *testing.T) {
	exited := -1
	exit = func(code int) { exited = code }
	defer func() { exit = os.Exit }()
	if v := Must(3, nil); v != 3 || exited != -1 {
		t.Errorf("Must(3, nil) = %v (exit %d)", v, exited)
	}
	a, b := Must2("a", 2, nil)
	x, y, z := Must3(1, "b", 2.5, nil)
	Check(nil)
	if a != "a" || b != 2 || x != 1 || y != "b" || z != 2.5 || exited != -1 {
		t.Errorf("Must2/Must3 changed the values or exited (%d)", exited)
	}
	Check(errors.New("boom"))
	if exited != 1 {
		t.Errorf("Check(err) exit code %d, want 1", exited)
	}
}

func TestMessage(t *testing.T) {
	got := Message(errors.New("nn.Fit: the batch size must be at least 1, got 0\ntry .BatchSize(32)\n"))
	want := "Error: nn.Fit: the batch size must be at least 1, got 0\n    try .BatchSize(32)\n"
	if got != want {
		t.Errorf("Message = %q, want %q", got, want)
	}
}

// A real process: the error on stderr, no stack trace, exit status 1.
func TestStopInAProcess(t *testing.T) {
	if os.Getenv("NB_TEST_CHILD") == "1" {
		_ = Must(0, errors.New("datasets: MNIST not found: run make setup"))
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestStopInAProcess$")
	cmd.Env = append(os.Environ(), "NB_TEST_CHILD=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("child ended with %v, want exit status 1", err)
	}
	out := stderr.String()
	if !strings.Contains(out, "Error: datasets: MNIST not found: run make setup") {
		t.Errorf("stderr %q lacks the message", out)
	}
	for _, noise := range []string{"goroutine", "panic", ".go:"} {
		if strings.Contains(out, noise) {
			t.Errorf("stderr %q contains %q", out, noise)
		}
	}
}
