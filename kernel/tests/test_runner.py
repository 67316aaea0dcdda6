"""The notebook runner of `make test` fails on what a student would see as a failure, names the
notebook and the cell, and accepts a clean notebook."""
from __future__ import annotations

import pathlib
import shutil
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


EXERCISE = "// Exercise: return twice x.\nfunc Double(x int) int {\n\treturn 0 // TODO\n}"
CHECK = ('%%\nif got := Double(21); got == 42 {\n\tfmt.Println("PASS: Double(21) = 42")\n} else {\n'
         '\tfmt.Printf("FAIL: Double(21) = %d, want 42\\n", got)\n}')


HIDDEN = ('for _, x := range []int{-3, 0, 7, 1000} {\n\tif got := Double(x); got != 2*x {\n'
          '\t\tfmt.Printf("FAIL (hidden test): Double(%d) = %d, want %d\\n", x, got, 2*x)\n\t}\n}')


def solutions_dir(root, name, hidden=HIDDEN):
    """root/name with the exercise's hidden tests."""
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    if hidden is not None:
        (d / "double.hidden.gocell").write_text(hidden + "\n")
    return d


def exercise_notebook(path, exercise_src=EXERCISE, solution="double.gocell"):
    nb = notebook(path, exercise_src, CHECK, tags={0: ["exercise"], 1: ["exercise-check"]})
    data = nbformat.read(nb, as_version=4)
    data.cells[0].metadata["godl"] = {"solution": solution}
    nbformat.write(data, nb)
    return nb


def test_exercises_fail_unfilled_and_pass_solved(tmp_path):
    sols = tmp_path / "solutions"
    solutions_dir(sols, "ex_good")
    (sols / "ex_good" / "double.gocell").write_text("func Double(x int) int {\n\treturn 2 * x\n}\n")
    (sols / "ex_good" / "double.wrong-square.gocell").write_text("func Double(x int) int {\n\treturn x * x\n}\n")
    exercise_notebook(tmp_path / "ex_good.ipynb")
    out_dir = tmp_path / "out"
    code, out = run("--solutions", sols, "--out", out_dir, tmp_path / "ex_good.ipynb")
    assert code == 0, out
    assert "PASS solved" in out
    solved = nbformat.read(next(out_dir.rglob("ex_good.solved.ipynb")), as_version=4)
    assert "PASS: Double(21) = 42" in solved.cells[1].outputs[0]["text"]

    # A check that passes on the unfilled exercise is caught ...
    solutions_dir(sols, "ex_loose")
    (sols / "ex_loose" / "double.gocell").write_text("func Double(x int) int {\n\treturn 2 * x\n}\n")
    exercise_notebook(tmp_path / "ex_loose.ipynb", exercise_src="func Double(x int) int {\n\treturn 42 // TODO\n}")
    code, out = run("--solutions", sols, tmp_path / "ex_loose.ipynb")
    assert code == 1 and "does not print FAIL on the unfilled exercise" in out, out

    # ... and so is a wrong reference solution, and a missing one.
    solutions_dir(sols, "ex_wrong")
    (sols / "ex_wrong" / "double.gocell").write_text("func Double(x int) int {\n\treturn x + 1\n}\n")
    exercise_notebook(tmp_path / "ex_wrong.ipynb")
    code, out = run("--solutions", sols, tmp_path / "ex_wrong.ipynb")
    assert code == 1 and "did not pass: FAIL: Double(21) = 22" in out, out
    exercise_notebook(tmp_path / "ex_missing.ipynb", solution="nope.gocell")
    code, out = run("--solutions", sols, tmp_path / "ex_missing.ipynb")
    assert code == 1 and "has no solution file" in out, out

    # Every exercise ships at least one wrong solution that its check must reject.
    solutions_dir(sols, "ex_nowrong")
    (sols / "ex_nowrong" / "double.gocell").write_text("func Double(x int) int {\n\treturn 2 * x\n}\n")
    exercise_notebook(tmp_path / "ex_nowrong.ipynb")
    code, out = run("--solutions", sols, tmp_path / "ex_nowrong.ipynb")
    assert code == 1 and "double.gocell has no wrong solution next to it" in out, out

    # Every exercise has hidden tests ...
    (sols / "ex_nohidden").mkdir()
    (sols / "ex_nohidden" / "double.gocell").write_text("func Double(x int) int {\n\treturn 2 * x\n}\n")
    (sols / "ex_nohidden" / "double.wrong-square.gocell").write_text("func Double(x int) int {\n\treturn x * x\n}\n")
    exercise_notebook(tmp_path / "ex_nohidden.ipynb")
    code, out = run("--solutions", sols, tmp_path / "ex_nohidden.ipynb")
    assert code == 1 and "double.gocell has no hidden tests next to it" in out, out
    # ... which reject each wrong solution by themselves: Double(x) = x·x agrees with 2x at 0 and 2.
    solutions_dir(sols, "ex_nohidden", hidden='for _, x := range []int{0, 2} {\n\tif Double(x) != 2*x {\n'
                  '\t\tfmt.Println("FAIL (hidden test): Double", x)\n\t}\n}')
    code, out = run("--solutions", sols, tmp_path / "ex_nohidden.ipynb")
    assert code == 1 and "double.wrong-square.gocell is not rejected by the hidden tests" in out, out
    # They run after the visible check, also when it returns at its first failure.
    solutions_dir(sols, "ex_nohidden")
    early = CHECK.replace('\tfmt.Printf("FAIL: Double(21) = %d, want 42\\n", got)\n}',
                          '\tfmt.Printf("FAIL: Double(21) = %d, want 42\\n", got)\n\treturn\n}\nfmt.Println("after")')
    assert early != CHECK
    nb = notebook(tmp_path / "ex_early.ipynb", EXERCISE, early, tags={0: ["exercise"], 1: ["exercise-check"]})
    data = nbformat.read(nb, as_version=4)
    data.cells[0].metadata["godl"] = {"solution": "double.gocell"}
    nbformat.write(data, nb)
    shutil.copytree(sols / "ex_nohidden", sols / "ex_early")
    code, out = run("--solutions", sols, "--show-wrong", tmp_path / "ex_early.ipynb")
    assert code == 0, out
    assert "FAIL (hidden test): Double(-3) = 9, want -6" in out, out


def test_wrong_solutions_must_fail(tmp_path):
    """A wrong solution shipped as NAME.wrong-LABEL.gocell is tried in the solved run, before the
    reference solution: its check must print FAIL. One that passes is reported by name with the
    check's output; the reference solution, declared after it, still replaces it."""
    sols = tmp_path / "solutions"
    solutions_dir(sols, "ex_w")
    (sols / "ex_w" / "double.gocell").write_text("func Double(x int) int {\n\treturn 2 * x\n}\n")
    (sols / "ex_w" / "double.wrong-plus-one.gocell").write_text("func Double(x int) int {\n\treturn x + 1\n}\n")
    # Another correct form (NAME.alt-LABEL.gocell) must pass.
    (sols / "ex_w" / "double.alt-shift.gocell").write_text("func Double(x int) int {\n\treturn x << 1\n}\n")
    exercise_notebook(tmp_path / "ex_w.ipynb")
    out_dir = tmp_path / "out"
    code, out = run("--solutions", sols, "--out", out_dir, tmp_path / "ex_w.ipynb")
    assert code == 0, out
    assert "1 wrong rejected" in out, out
    assert "other correct solution" not in out, out
    # The saved solved copy has the notebook's cells only, the reference solution's check passing.
    solved = nbformat.read(next(out_dir.rglob("ex_w.solved.ipynb")), as_version=4)
    assert len(solved.cells) == 2
    assert "PASS: Double(21) = 42" in solved.cells[1].outputs[0]["text"]

    # A wrong solution that the check lets through fails the notebook, named with the output.
    (sols / "ex_w" / "double.wrong-hardcoded.gocell").write_text(
        "func Double(x int) int {\n\tif x == 21 {\n\t\treturn 42\n\t}\n\treturn x\n}\n")
    code, out = run("--solutions", sols, tmp_path / "ex_w.ipynb")
    assert code == 1, out
    assert "wrong solution ex_w/double.wrong-hardcoded.gocell is not rejected" in out, out
    assert "PASS: Double(21) = 42" in out, out
    assert "double.wrong-plus-one.gocell" not in out, out
    # ... and so does one that does not compile (it would prove nothing).
    (sols / "ex_w" / "double.wrong-hardcoded.gocell").unlink()
    (sols / "ex_w" / "double.wrong-typo.gocell").write_text("func Double(x int) int {\n\treturn y\n}\n")
    code, out = run("--solutions", sols, tmp_path / "ex_w.ipynb")
    assert code == 1 and "wrong solution ex_w/double.wrong-typo.gocell does not run" in out, out


def test_saved_notebooks_hold_no_page_scripts(tmp_path):
    """A live demo run headless: GoNB's comms installer (which would try to connect to a kernel
    whenever the saved notebook or its page is opened) and the emptied transient outputs are not
    kept; the demo's chart is."""
    notebook(tmp_path / "live.ipynb", '%%\ndemo.NewLive("slope", func(c *demo.Controls) (*viz.Chart, error) {\n'
             '\treturn viz.FuncChart(func(x float64) float64 { return c.Value("k") * x }, -1, 1)\n'
             '}).Slider("k", 0, 5, 0.5, 1).Done()')
    out_dir = tmp_path / "out"
    code, out = run("--out", out_dir, tmp_path)
    assert code == 0, out
    executed = next(out_dir.rglob("live.ipynb"))
    outputs = nbformat.read(executed, as_version=4).cells[0].outputs
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "WebSocket" not in html and "gonb_comm" not in html, html[:500]
    assert all("".join(o.get("data", {}).get("text/html", "x")).strip() for o in outputs if o["output_type"] == "display_data")
    assert any("image/png" in o.get("data", {}) for o in outputs), "the demo's chart is kept"
    assert any("no page is connected" in o.get("text", "") for o in outputs)
    page = executed.with_suffix(".html").read_text(encoding="utf-8")
    assert "new WebSocket" not in page
