"""The notebook runner of `make test` fails on what a student would see as a failure, names the
notebook and the cell, and accepts a clean notebook."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[2]
RUNNER = ROOT / "scripts" / "run_notebooks.py"


def notebook(path: pathlib.Path, *cells, tags=None):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "go-dl", "display_name": "Go (Deep Learning)", "language": "go"}
    for i, src in enumerate(cells):
        c = nbformat.v4.new_code_cell(src)
        if tags and i in tags:
            c.metadata["tags"] = tags[i]
        nb.cells.append(c)
    nbformat.write(nb, path)
    return path


def run(*args):
    p = subprocess.run([sys.executable, str(RUNNER), *map(str, args)], capture_output=True, text=True, cwd=ROOT)
    return p.returncode, p.stdout + p.stderr


def test_runner_pass_and_failures(tmp_path):
    ok = notebook(tmp_path / "a_ok.ipynb", '%%\nfmt.Println("fine")',
                  '%%\nfmt.Println("FAIL: expected while the TODO is open")', tags={1: ["exercise-check"]})
    notebook(tmp_path / "b_panic.ipynb", '%%\nfmt.Println("one")', '%%\npanic("broken cell")')
    notebook(tmp_path / "c_check.ipynb", '%%\nfmt.Println("FAIL: accuracy 12% is too low")')
    out_dir = tmp_path / "out"
    code, out = run("--out", out_dir, tmp_path)
    assert code == 1, out
    assert "ok   " in out and "a_ok.ipynb" in out
    assert "FAIL " in out and "b_panic.ipynb" in out
    assert "cell 2" in out and "broken cell" in out           # names the cell and the error
    assert "c_check.ipynb" in out and "accuracy 12% is too low" in out
    assert "notebooks: 1 passed, 2 failed" in out
    # Executed copies and HTML exports are written, mirroring the paths.
    executed = list(out_dir.rglob("a_ok.ipynb"))
    assert executed and executed[0].with_suffix(".html").exists()
    nb = nbformat.read(executed[0], as_version=4)
    assert "fine" in nb.cells[0].outputs[0]["text"]
    # The source notebook stays clean ...
    assert not nbformat.read(ok, as_version=4).cells[0].outputs
    # ... and a notebook committed with outputs is refused.
    code, out = run(executed[0])
    assert code == 1 and "committed with outputs" in out
