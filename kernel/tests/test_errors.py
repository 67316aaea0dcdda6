"""A new user's mistakes do not kill the kernel: after each of them the next cell works."""
from __future__ import annotations

import threading

from conftest import execute


def assert_alive(kc):
    r = execute(kc, '%%\nfmt.Println("still alive", 6*7)')
    assert r.status == "ok", r.text
    assert "still alive 42" in r.stdout


def test_trivial_cell_and_declarations_carry_over(kernel):
    _, kc = kernel
    r = execute(kc, "var answer = 41")
    assert r.status == "ok", r.text
    r = execute(kc, "%%\nfmt.Println(answer + 1)")
    assert r.status == "ok", r.text
    assert r.stdout.strip() == "42"


def test_panic(kernel):
    _, kc = kernel
    r = execute(kc, '%%\npanic("the student\'s bug")')
    assert r.status == "error"
    assert "panic: the student's bug" in r.text
    # GoNB maps the stack trace back to the cell's own line.
    assert "Cell" in r.text and "Line 2" in r.text
    assert_alive(kc)


def test_compile_error_names_the_problem(kernel):
    _, kc = kernel
    r = execute(kc, "%%\nvar x int = \"not a number\"\nfmt.Println(x)")
    assert r.status == "error"
    assert "cannot use" in r.text and "string" in r.text, r.text
    assert_alive(kc)


def test_infinite_loop_is_interrupted(kernel):
    km, kc = kernel
    timer = None

    def interrupt_soon():
        nonlocal timer
        if timer is None:  # the first busy status: the cell started compiling
            timer = threading.Timer(4.0, km.interrupt_kernel)
            timer.start()

    r = execute(kc, "%%\nfor i := 0; ; i++ {\n}", timeout=60, on_start=interrupt_soon)
    assert r.status == "error"
    assert r.seconds < 30, f"interrupt took {r.seconds:.1f}s"
    assert_alive(kc)


def test_os_exit(kernel):
    _, kc = kernel
    r = execute(kc, "%%\nfmt.Println(\"before\")\nos.Exit(3)")
    assert "before" in r.stdout
    assert r.status == "error"
    assert "exit status 3" in r.text
    assert_alive(kc)


def test_ten_megabytes_of_output(kernel):
    _, kc = kernel
    r = execute(kc, '%%\nline := strings.Repeat("x", 1023) + "\\n"\nfor i := 0; i < 10*1024; i++ {\n\tfmt.Print(line)\n}', timeout=180)
    assert r.status == "ok", r.text[:2000]
    assert len(r.stdout) == 10 * 1024 * 1024, len(r.stdout)
    assert_alive(kc)


def test_nb_must_stops_the_cell_with_one_clear_line(kernel):
    """An nn error in a student's cell, handled in one line with nb.Must: the message names the
    problem and the fix, without a Go stack trace; the cell fails (Run All stops there), the
    outputs sent before it stay, and the next cell works."""
    _, kc = kernel
    r = execute(kc, '%%\nfmt.Println("before")\n'
                    'train := datasets.Spiral(20, 3, 0.1, 1)\n'
                    'hist := nb.Must(nn.Sequential(nn.Dense(3)).Fit(train).BatchSize(0).Done())\n'
                    'fmt.Println("never printed", hist)')
    assert r.status == "error"
    assert "before" in r.stdout
    assert "never printed" not in r.stdout
    assert "Error: nn.Fit: the batch size must be at least 1, got 0 (try .BatchSize(32))" in r.text
    for noise in ("goroutine", "panic:", "main.go:"):
        assert noise not in r.text, r.text
    assert_alive(kc)
