#!/usr/bin/env python3
"""Counts the error-handling lines of the notebooks' code cells (and their solutions).

An error-handling line is a line of an `if ... err != nil {` block (the `if` line, its body and
its closing brace, nested blocks included), or a line that only passes an error on
(`return nil, err`, `return err`, `return ..., err`). `nb.Must(...)` lines are not counted: they
are the line that does the work. Used to measure the "short cells" goal:

    python3 scripts/count_error_lines.py notebooks solutions
"""
import json
import pathlib
import re
import sys

IF_ERR = re.compile(r'^\s*if\b.*\berr\w*\s*!=\s*nil\b.*\{\s*(//.*)?$')
RETURN_ERR = re.compile(r'^\s*return\b.*\berr\w*\s*$')


def cells(path: pathlib.Path):
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        for c in nb["cells"]:
            if c["cell_type"] == "code":
                yield "".join(c["source"])
    elif path.suffix == ".gocell":
        yield path.read_text(encoding="utf-8")


def count(code: str) -> tuple[int, int]:
    """Returns (error-handling lines, if-err blocks)."""
    lines = code.splitlines()
    n, blocks, i = 0, 0, 0
    while i < len(lines):
        if IF_ERR.match(lines[i]):
            blocks += 1
            depth = lines[i].count("{") - lines[i].count("}")
            j = i
            while depth > 0 and j + 1 < len(lines):
                j += 1
                depth += lines[j].count("{") - lines[j].count("}")
            n += j - i + 1
            i = j + 1
            continue
        if RETURN_ERR.match(lines[i]):
            n += 1
        i += 1
    return n, blocks


def main(args):
    total_lines = total_blocks = 0
    for arg in args or ["notebooks"]:
        p = pathlib.Path(arg)
        files = sorted(p.rglob("*.ipynb")) + sorted(p.rglob("*.gocell")) if p.is_dir() else [p]
        for f in files:
            if ".ipynb_checkpoints" in f.parts:
                continue
            ln = bl = 0
            for code in cells(f):
                a, b = count(code)
                ln, bl = ln + a, bl + b
            total_lines, total_blocks = total_lines + ln, total_blocks + bl
            print(f"{ln:5d} lines {bl:4d} blocks  {f}")
    print(f"{total_lines:5d} lines {total_blocks:4d} blocks  total")


if __name__ == "__main__":
    main(sys.argv[1:])
