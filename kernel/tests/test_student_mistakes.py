"""The mistakes a new student makes first, through the real kernel: each one is explained in
course terms (the kernel's hint, next to the cell and line it is about, above the compiler's own
message; or nn's error through nb.Must), and the next cell works."""
from __future__ import annotations

import re

import pytest

from conftest import execute


def assert_alive(kc):
    r = execute(kc, '%%\nfmt.Println("still alive", 6*7)')
    assert r.status == "ok", r.text
    assert "still alive 42" in r.stdout


def hint_lines(r) -> list[str]:
    """The kernel's hint lines of a failed build, as the student sees them (text of GoNB's report)."""
    return [ln.strip() for ln in r.text.splitlines() if "hint:" in ln]


# (name, cells run before, the cell with the mistake, what the student must read)
COMPILE_MISTAKES = [
    ("misspelled nn member blames the right cell",
     ["func lenet() *nn.Model { return nn.LeNet(10) }"],
     "%%\nm := nn.Sequential(nn.Flatten(), nn.Dence(64), nn.ReLU(), nn.Dense(10))\nfmt.Println(m, lenet())",
     [r"Cell\[\d+\]: Line 2 .*hint: nn has no Dence.*did you mean nn\.Dense\?"]),
    ("misspelled datasets member",
     [],
     "%%\ntrain, test := nb.Must2(datasets.Mnist())\nfmt.Println(train, test)",
     [r"hint: datasets has no Mnist.*did you mean datasets\.MNIST\?"]),
    ("misspelled viz member",
     [],
     "%%\nh := &nn.History{}\nviz.Curve(h)",
     [r"hint: viz has no Curve.*did you mean viz\.Curves\?"]),
    ("misspelled standard-library member",
     [],
     '%%\nfmt.Printn("hello")',
     [r"hint: fmt has no Printn.*fmt\.Println"]),
    ("misspelled method",
     [],
     "%%\nm := nn.LeNet(10)\nm.Sumary()",
     [r"hint: nn\.Model has no method Sumary; did you mean Summary\?"]),
    ("declared and not used",
     [],
     "%%\ntrain, test := nb.Must2(datasets.MNIST())\nfmt.Println(train)",
     [r"hint: test gets a value that nothing uses.*_ = test"]),
    ("a value from an earlier %% cell",
     ["%%\nmodel := nn.LeNet(10)\nfmt.Println(model)"],
     "%%\nfmt.Println(model.Summary())",
     [r"hint: model was made by an earlier %% cell, but values do not carry over.*Memo"]),
    ("a misspelled name of the cell",
     [],
     "%%\nmodel := nn.LeNet(10)\nfmt.Println(modle)",
     [r"hint: modle is not declared; did you mean model\?"]),
    ("too few variables for a function that returns an error",
     [],
     "%%\ntrain := datasets.MNIST()\nfmt.Println(train)",
     [r"hint: datasets\.MNIST returns 3 values, the last an error.*train, test := nb\.Must2\(datasets\.MNIST\(\)\)"]),
    ("nb.Must for two values",
     [],
     "%%\ntrain, test := nb.Must(datasets.MNIST())\nfmt.Println(train, test)",
     [r"hint: datasets\.MNIST returns 3 values, the last an error: use nb\.Must2"]),
    ("a training configured but never run",
     [],
     "%%\nm := nn.LeNet(10)\ntrain, _ := nb.Must2(datasets.MNIST())\nm.Fit(train.Take(100)).Epochs(3)",
     [r"hint: this Fit\(\.\.\.\) is configured but never run.*\.Done\(\)"]),
    ("float32 values where a tensor goes",
     [],
     '%%\nx := []float32{1, 2, 3}\nviz.Histogram("x", x)',
     [r"hint: the course's arrays are \*tensor\.Tensor.*tensor\.FromFloat32"]),
]


@pytest.mark.parametrize("name,before,cell,want", COMPILE_MISTAKES, ids=[m[0] for m in COMPILE_MISTAKES])
def test_compile_mistake_is_explained(kernel, name, before, cell, want):
    _, kc = kernel
    for b in before:
        r = execute(kc, b)
        assert r.status == "ok", r.text
    r = execute(kc, cell)
    assert r.status == "error", r.text
    hints = "\n".join(hint_lines(r))
    for pattern in want:
        assert re.search(pattern, hints), f"{name}: no hint matching {pattern!r} in:\n{r.text}"
    # The compiler's own message is kept below the hints (a Fit never run is valid Go: the
    # kernel stops it by itself).
    if "never run" not in name:
        assert "main.go:" in r.text.split("hint:")[-1], r.text
    assert_alive(kc)


# Mistakes found when the program runs: nn's errors, shown in one line through nb.Must.
RUN_MISTAKES = [
    ("Dense on images without Flatten",
     "%%\ntrain, _ := nb.Must2(datasets.MNIST())\n"
     "m := nn.Sequential(nn.Dense(64), nn.ReLU(), nn.Dense(10))\n"
     "nb.Must(m.Fit(train.Take(64)).Progress(false).Done())",
     ["outputs shape (28, 28, 10)", "put nn.Flatten() before the first Dense layer"]),
    ("too few outputs for the classes",
     "%%\ntrain, _ := nb.Must2(datasets.MNIST())\n"
     "m := nn.Sequential(nn.Flatten(), nn.Dense(5))\n"
     "nb.Must(m.Fit(train.Take(64)).Progress(false).Done())",
     ["has 10 classes: make the last layer Dense(10)"]),
    ("a batch size of 0",
     "%%\ntrain, _ := nb.Must2(datasets.MNIST())\n"
     "nb.Must(nn.LeNet(10).Fit(train.Take(64)).BatchSize(0).Progress(false).Done())",
     ["the batch size must be at least 1, got 0 (try .BatchSize(32))"]),
]


@pytest.mark.parametrize("name,cell,want", RUN_MISTAKES, ids=[m[0] for m in RUN_MISTAKES])
def test_run_mistake_is_explained(kernel, name, cell, want):
    _, kc = kernel
    r = execute(kc, cell, timeout=300)
    assert r.status == "error", r.text
    assert "Error: nn" in r.stderr, r.text
    for w in want:
        assert w in r.stderr, f"{name}: {w!r} not in:\n{r.stderr}"
    for noise in ("goroutine", "panic:"):
        assert noise not in r.text
    assert_alive(kc)


def test_statements_without_percent_percent_are_explained(kernel):
    """GoNB rejects a cell of statements without %% before building it ("expected declaration");
    the kernel says what to do first."""
    _, kc = kernel
    r = execute(kc, "train, test := nb.Must2(datasets.MNIST())\nfmt.Println(train, test)")
    assert r.status == "error", r.text
    assert "this cell holds statements, which run only in a %% cell: add a line with %% at the top" in r.stderr, r.text
    assert r.text.index("hint:") < r.text.index("expected declaration"), r.text
    # Declarations alone are fine without %%.
    assert execute(kc, "func double(x int) int { return 2 * x }").status == "ok"
    r = execute(kc, "%%\nfmt.Println(double(21))")
    assert r.status == "ok" and "42" in r.stdout, r.text
