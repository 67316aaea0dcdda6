#!/usr/bin/env python3
"""Executes notebooks headless through the installed "Go (Deep Learning)" kernel.

Used by `make test` (with DLNB_SMOKE=1, which the notebooks read to shrink data and epochs).

Exercises. A cell the student fills in is tagged `exercise` and names its reference solution in
its metadata (`"godl": {"solution": "linear_backward.gocell"}`, a file in
`solutions/<notebook name without .ipynb>/` at the repository root, outside the folder JupyterLab
shows). Its check cell is tagged `exercise-check` and prints a line starting with "PASS" or
"FAIL". A notebook with exercises runs twice: as committed, where every check cell must print
FAIL (an unfilled TODO must not pass), and with the solutions in place of the exercise cells,
where every check cell must print PASS and no FAIL.
Wrong solutions. Next to a reference solution `NAME.gocell`, files `NAME.wrong-LABEL.gocell` hold
plausible wrong answers (an off-by-one, the library's own implementation, ...) that its check
must reject; every exercise has at least one (the solved run fails without). They cost no second run: in the solved run, each is executed just before the
exercise cell, followed by a copy of the exercise's check cell, which must print a FAIL line and
no PASS line; then the reference solution runs as usual and, as GoNB keeps declarations by name,
replaces whatever the wrong one declared. A wrong solution that does not compile, or that its
check lets pass, fails the notebook with the file's name and the check's output. The inserted
cells are left out of the saved .solved.ipynb. Likewise, files `NAME.alt-LABEL.gocell` hold other
correct forms of the answer (nn.Conv2D(filters, 1) for nn.Dense(filters), ...): their check must
print PASS and no FAIL. --show-wrong prints each one's verdict and the seconds they took.
Hidden tests. `NAME.hidden.gocell` holds the exercise's hidden tests (scripts/grading: the
graded copy of its check cell ends with them; students never see them): in the solved run every
check cell of the exercise, and each copy tried on a wrong solution, ends with them, so the
reference (and each .alt-) must pass them and each wrong solution must also print a line starting
with "FAIL (hidden test)". Every exercise but the self-check quizzes has them.
A notebook fails when any cell produces an `error` output, prints a Go panic / a GoNB failure
on stderr, or prints a line starting with "FAIL:" (what check cells print), except in cells
tagged `exercise-check`: those check a student's unfilled TODO and are expected to fail until
the exercise is done. The report names the notebook, the cell number and the first lines of
the error. Committed notebooks must carry no outputs (they are rendered in build/ instead).

    python scripts/run_notebooks.py [--out build/notebooks] [--kernel go-dl]
                                    [--timeout SECONDS] [--show-wrong] PATH...

PATH is a notebook or a folder searched recursively for *.ipynb. With --out, the executed
copies (.ipynb) and their HTML exports are written there, mirroring the source folders. The
pages are self-contained (scripts/offline_html.py: formulas typeset as SVG, nothing loaded from
the network); a formula with a TeX error, or a picture taken from the web, fails the notebook.
"""
from __future__ import annotations

import argparse
import html
import re
import copy
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

# Text on stderr that means a cell failed even when no `error` output was produced.
STDERR_FAILURES = ("panic:", "goroutine 1 [", "fatal error:", "exit status ")


def find_notebooks(paths: list[str]) -> list[tuple[pathlib.Path, pathlib.Path]]:
    """Returns (notebook, name for reports and --out) pairs: a folder's notebooks are named by
    their path inside it, prefixed by the folder's own name."""
    found: list[tuple[pathlib.Path, pathlib.Path]] = []
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            base = p.resolve()
            found.extend((q, base.name / q.resolve().relative_to(base))
                         for q in sorted(p.rglob("*.ipynb")) if ".ipynb_checkpoints" not in q.parts)
        elif p.suffix == ".ipynb" and p.exists():
            found.append((p, pathlib.Path(p.name)))
        else:
            raise SystemExit(f"run_notebooks: {p} is neither a notebook nor a folder")
    return found


def has_outputs(nb) -> bool:
    return any(c.get("outputs") or c.get("execution_count") for c in nb.cells if c.cell_type == "code")


def gonb_error_text(html_text: str) -> str:
    """The text of GoNB's HTML error report (a compile error with the kernel's hints): one line
    per compiler line, "Cell[N]: Line L ./main.go:...: message", without the hover context."""
    t = re.sub(r"<style>.*?</style>", "", html_text, flags=re.S)
    t = re.sub(r'<div class="gonb-err-context">.*?</div>', "", t, flags=re.S)
    t = re.sub(r"</div>", "\n", t)
    t = html.unescape(re.sub(r"<[^>]+>", "", t))
    return "\n".join(ln.strip() for ln in t.splitlines() if ln.strip())


def cell_failures(cells, only_errors: bool = False) -> list[str]:
    """Returns one message per failed cell of cells (a list of cells, or a notebook: its cells):
    its number, and the error's first lines. With only_errors, a "FAIL:" line printed by the cell
    is no failure. Cells the runner inserted to try wrong solutions are judged by wrong_failures,
    and not counted."""
    cells = getattr(cells, "cells", cells)
    failures = []
    code_no = 0
    for idx, cell in enumerate(cells):
        if cell.cell_type != "code" or (inserted(cell) and not only_errors):
            continue
        code_no += 1
        outs = cell.get("outputs", [])
        # Streams arrive in chunks: judge each stream whole.
        stderr = "".join(o.get("text", "") for o in outs if o.output_type == "stream" and o.get("name") == "stderr")
        stdout = "".join(o.get("text", "") for o in outs if o.output_type == "stream" and o.get("name") == "stdout")
        found = []
        for o in outs:
            if o.output_type == "error":
                found.append(f"{o.get('ename', '')}: {o.get('evalue', '')}\n" + "\n".join(o.get("traceback", [])[:8]))
        # A compile error: GoNB shows the compiler's lines (and the kernel's hints) in an HTML
        # report, while the error output only says that `go build` failed.
        reports = [gonb_error_text(o.get("data", {}).get("text/html", "")) for o in outs
                   if o.output_type == "display_data" and "gonb-err" in o.get("data", {}).get("text/html", "")]
        if reports and any(o.output_type == "error" for o in outs):
            found.insert(0, "\n".join(reports))
        if any(marker in stderr for marker in STDERR_FAILURES):
            found.insert(0, stderr)
        if "exercise-check" not in cell.get("metadata", {}).get("tags", []) and not only_errors:
            found.extend(ln for ln in stdout.splitlines() if ln.startswith("FAIL:"))
        if found:
            src = cell.source.strip().splitlines()
            first = src[0] if src else ""
            if first == "%%" and len(src) > 1:
                first = src[1]
            text = "\n".join(found)
            failures.append(f"cell {code_no} (index {idx}, {first[:60]!r}):\n    "
                            + "\n    ".join(text.strip().splitlines()[:14]))
    return failures


def export_html(nb, path: pathlib.Path) -> list[str]:
    """Writes nb's self-contained HTML page (scripts/offline_html.py: formulas typeset, nothing
    loaded from the network) to path. Returns what a reader of the page would see wrong: a TeX
    error in a markdown cell, a picture loaded from the web."""
    import offline_html

    problems: list[str] = []
    body = offline_html.export(nb, name=path.stem, label=str(path), problems=problems)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(path)
    return [f"HTML export: {p}" for p in problems]


SOLUTIONS = pathlib.Path(__file__).resolve().parents[1] / "solutions"


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


# Cells the runner inserts into the solved run to try a wrong solution against a check.
WRONG, WRONG_CHECK = "exercise-wrong", "exercise-wrong-check"


def wrong_solutions(sol: pathlib.Path) -> list[pathlib.Path]:
    """The wrong solutions (NAME.wrong-LABEL.gocell), then the other correct ones
    (NAME.alt-LABEL.gocell), shipped next to the reference solution sol."""
    stem = sol.name.removesuffix(".gocell")
    return sorted(sol.parent.glob(stem + ".wrong-*.gocell")) + sorted(sol.parent.glob(stem + ".alt-*.gocell"))


HIDDEN_BEGIN, HIDDEN_END = "// BEGIN HIDDEN TESTS", "// END HIDDEN TESTS"
# What a hidden test prints for each case it rejects (the grader shows it in the feedback).
HIDDEN_FAIL = "FAIL (hidden test)"


def hidden_tests(sol: pathlib.Path) -> pathlib.Path | None:
    """The hidden tests of the exercise whose reference solution is sol: NAME.hidden.gocell next
    to it, or None. A hidden test is Go statements run after the exercise's check cell's own code,
    in a function of their own (with_hidden_tests), on inputs the notebook never shows; each case it rejects prints a line
    starting with HIDDEN_FAIL, and nothing is printed when all pass. Self-check quizzes have none
    (their answers are the inputs)."""
    h = sol.with_name(sol.name.removesuffix(".gocell") + ".hidden.gocell")
    return h if h.is_file() else None


def with_hidden_tests(check_source: str, hidden: str) -> str:
    """check_source (a %% check cell) with the hidden tests between nbgrader's hidden-test
    delimiters (the graded notebooks keep them there; the students' copies lose that region).
    In a %% program they come first, as a deferred function: they run after the visible check,
    also when it returns early at its first failure (or panics). Elsewhere, a block at the end."""
    body = hidden.strip("\n")
    lines = check_source.split("\n")
    if lines and lines[0].strip() == "%%":
        return "\n".join([lines[0], HIDDEN_BEGIN, "defer func() {", body, "}()", HIDDEN_END] + lines[1:])
    return check_source.rstrip("\n") + "\n\n" + HIDDEN_BEGIN + "\n{\n" + body + "\n}\n" + HIDDEN_END


def inserted(cell) -> bool:
    return bool({WRONG, WRONG_CHECK} & set(tags(cell)))


def with_solutions(nb, path: pathlib.Path, root: pathlib.Path) -> tuple[object, list[str]]:
    """Returns a copy of nb whose exercise cells hold their reference solutions, each preceded
    by its wrong solutions, each of those followed by a copy of the exercise's check cell."""
    problems = []
    solved = copy.deepcopy(nb)
    cells = []
    for i, cell in enumerate(solved.cells):
        if "exercise" not in tags(cell):
            cells.append(cell)
            continue
        name = cell.get("metadata", {}).get("godl", {}).get("solution")
        sol = root / path.stem / str(name)
        if not name or not sol.is_file():
            problems.append(f"exercise cell (index {i}) has no solution file {sol} "
                            f"(metadata godl.solution = {name!r})")
            cells.append(cell)
            continue
        checks = []
        for c in solved.cells[i + 1:]:
            if c.cell_type == "code" and "exercise-check" in tags(c):
                checks.append(c)
            elif c.cell_type == "code":
                break
        hidden = hidden_tests(sol)
        if hidden is not None:
            for c in checks:
                c.source = with_hidden_tests(c.source, hidden.read_text(encoding="utf-8"))
                c.metadata.setdefault("godl", {})["hidden"] = hidden.name
        elif not sol.name.startswith("selfcheck"):
            problems.append(f"exercise cell (index {i}): {sol.name} has no hidden tests next to it "
                            f"({sol.stem}.hidden.gocell: cases the notebook never shows, which the "
                            "graders add to its check)")
        if not any(".wrong-" in w.name for w in wrong_solutions(sol)):
            problems.append(f"exercise cell (index {i}): {sol.name} has no wrong solution next to it "
                            f"({sol.stem}.wrong-LABEL.gocell, a plausible mistake its check must reject)")
        for wrong in wrong_solutions(sol):
            label = f"{path.stem}/{wrong.name}"
            w = nbformat.v4.new_code_cell(wrong.read_text(encoding="utf-8").rstrip("\n"))
            w.metadata.update(tags=[WRONG], godl={"wrong": label})
            cells.append(w)
            for c in checks:
                k = nbformat.v4.new_code_cell(c.source)
                k.metadata.update(tags=[WRONG_CHECK], godl={"wrong": label, **(
                    {"hidden": hidden.name} if hidden is not None else {})})
                cells.append(k)
            if not checks:
                problems.append(f"{label}: exercise cell (index {i}) has no check cell to try it on")
        cell.source = sol.read_text(encoding="utf-8").rstrip("\n")
        cells.append(cell)
    solved.cells = cells
    return solved, problems


def wrong_verdicts(nb) -> list[str]:
    """For --show-wrong: each wrong or other solution tried, with its check's verdict lines."""
    out = []
    for cell in nb.cells:
        if WRONG_CHECK in tags(cell):
            passes, fails = check_lines(cell)
            out.append(f"{cell.metadata['godl']['wrong']}: " + (" / ".join(fails + passes) or "(no verdict)"))
    return out


def inserted_seconds(nb) -> float:
    """Seconds spent running the inserted cells (nbclient records each cell's timing)."""
    from datetime import datetime
    total = 0.0
    for cell in nb.cells:
        t = cell.get("metadata", {}).get("execution", {})
        if inserted(cell) and "iopub.execute_input" in t and "shell.execute_reply" in t:
            parse = lambda v: datetime.fromisoformat(v.replace("Z", "+00:00"))
            total += (parse(t["shell.execute_reply"]) - parse(t["iopub.execute_input"])).total_seconds()
    return total


def wrong_failures(nb) -> list[str]:
    """Each wrong solution must compile, and every check tried on it must print FAIL, not PASS;
    each other correct solution (.alt-) must compile and pass."""
    problems = []
    broken = set()  # wrong solutions that did not compile: their checks prove nothing more
    for cell in nb.cells:
        label = cell.get("metadata", {}).get("godl", {}).get("wrong")
        alt = ".alt-" in str(label)
        if label in broken:
            continue
        if WRONG in tags(cell):
            errs = cell_failures([cell], only_errors=True)
            if errs:
                broken.add(label)
                problems.append(f"{'other' if alt else 'wrong'} solution {label} does not run (it must compile, so that its "
                                "check can judge it): " + errs[0].split("\n", 1)[-1].strip())
        elif WRONG_CHECK in tags(cell) and alt:
            passes, fails = check_lines(cell)
            if fails or not passes:
                problems.append(f"other correct solution {label} does not pass its check: "
                                + ("; ".join(fails) or "no PASS line"))
        elif WRONG_CHECK in tags(cell):
            passes, fails = check_lines(cell)
            if passes or not fails:
                text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")
                shown = "\n".join(text.strip().splitlines()[:8]) or "(no output)"
                problems.append(f"wrong solution {label} is not rejected by its check "
                                f"(it must print FAIL):\n{shown}")
            elif cell.metadata["godl"].get("hidden") and not any(f.startswith(HIDDEN_FAIL) for f in fails):
                problems.append(f"wrong solution {label} is not rejected by the hidden tests "
                                f"{cell.metadata['godl']['hidden']} (they must print a {HIDDEN_FAIL!r} line "
                                "for it, as well as the visible check)")
    return problems


def without_inserted(nb):
    """nb without the cells inserted to try the wrong solutions."""
    nb.cells = [c for c in nb.cells if not inserted(c)]
    return nb


def check_lines(cell) -> tuple[list[str], list[str]]:
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")
    lines = [ln.strip() for ln in text.splitlines()]
    return [ln for ln in lines if ln.startswith("PASS")], [ln for ln in lines if ln.startswith("FAIL")]


def exercise_failures(nb, solved: bool) -> list[str]:
    """In the committed run every check must FAIL; with the solutions every check must PASS."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if "exercise-check" not in tags(cell):
            continue
        passes, fails = check_lines(cell)
        if solved and (fails or not passes):
            problems.append(f"with the reference solutions, the check cell (index {i}) did not pass: "
                            + ("; ".join(fails) or "no PASS line"))
        if not solved and not fails:
            problems.append(f"the check cell (index {i}) does not print FAIL on the unfilled exercise "
                            "(a student's TODO must not pass)")
    return problems


# Starts of a kernel tried before giving up (see run_client).
KERNEL_START_TRIES = 3


# The script GoNB sends to install `gonb_comm` (its comms with the page, for widgets and
# demo.Live) the first time a cell uses them; GoNB erases it when a page connects. In a
# headless run no page connects: left in the saved notebook, it would try to connect to a kernel
# each time the notebook or its exported page is opened (ws://api/kernels//channels).
GONB_COMMS_SCRIPT = "Creates a WebSocket connecting to the JupyterServer and through it to the GoNB kernel"


def drop_page_scripts(nb) -> int:
    """Removes from nb's outputs what only a connected page uses: GoNB's comms installer and the
    transient outputs emptied once they ran (an empty text/html display). Returns how many."""
    dropped = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or not cell.get("outputs"):
            continue
        kept = []
        for o in cell.outputs:
            data = o.get("data", {}) if o.get("output_type") == "display_data" else {}
            html = data.get("text/html")
            if isinstance(html, list):
                html = "".join(html)
            if html is not None and set(data) == {"text/html"} and (not html.strip() or GONB_COMMS_SCRIPT in html):
                dropped += 1
                continue
            kept.append(o)
        cell.outputs = kept
    return dropped


def run_client(nb, tries: int = KERNEL_START_TRIES, **kwargs):
    """run_client_once, then the outputs only a connected page uses dropped (drop_page_scripts),
    also when the run failed."""
    try:
        return run_client_once(nb, tries, **kwargs)
    finally:
        drop_page_scripts(nb)


def run_client_once(nb, tries: int = KERNEL_START_TRIES, **kwargs):
    """Runs nb in a new kernel: NotebookClient(nb, **kwargs).execute(). A kernel that fails to
    start is started again, up to `tries` times in all: jupyter_client picks five free ports and
    closes them before the kernel binds them, and another process on the machine (an outgoing
    connection takes an ephemeral port from the same range) can take one in between; the kernel
    then exits with "address already in use" and nothing has run. Errors after the kernel answered
    (a cell's timeout, a dead kernel) and a kernel that is not installed are raised at once."""
    from jupyter_client.kernelspec import NoSuchKernel

    hook = kwargs.pop("on_notebook_start", None)
    for attempt in range(1, tries + 1):
        started = False

        def on_notebook_start(**kw):
            nonlocal started
            started = True
            if hook is not None:
                hook(**kw)

        try:
            return NotebookClient(nb, on_notebook_start=on_notebook_start, **kwargs).execute()
        except NoSuchKernel:
            raise
        except Exception as e:  # noqa: BLE001 - retried only when the kernel never started
            if started or attempt == tries:
                raise
            first = (str(e).splitlines() or [""])[0]
            print(f"  the kernel did not start ({type(e).__name__}: {first}); "
                  f"starting it again ({attempt + 1} of {tries})", file=sys.stderr, flush=True)


def execute(nb, path: pathlib.Path, args) -> tuple[list[str], float]:
    problems: list[str] = []
    start = time.monotonic()
    try:
        run_client(nb, kernel_name=args.kernel, timeout=args.timeout, allow_errors=True,
                   resources={"metadata": {"path": str(path.parent.resolve())}})
    except CellTimeoutError as e:
        problems.append(f"a cell ran longer than {args.timeout}s: {str(e).splitlines()[0]}")
    except DeadKernelError as e:
        problems.append(f"the kernel died: {e}")
    except Exception as e:  # noqa: BLE001 - report any failure to start or run the kernel
        problems.append(f"{type(e).__name__}: {e}")
    return problems + cell_failures(nb.cells), time.monotonic() - start


def save(nb, out: pathlib.Path) -> list[str]:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(out)
    try:
        return export_html(nb, out.with_suffix(".html"))
    except Exception as e:  # noqa: BLE001
        return [f"HTML export failed: {e}"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--out", help="folder for executed copies and HTML exports")
    ap.add_argument("--kernel", default=os.environ.get("DLNB_KERNEL", "go-dl"))
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("DLNB_CELL_TIMEOUT", "600")),
                    help="seconds per cell (default 600, or $DLNB_CELL_TIMEOUT)")
    ap.add_argument("--allow-outputs", action="store_true",
                    help="do not fail on notebooks committed with outputs")
    ap.add_argument("--solutions", default=str(SOLUTIONS),
                    help="folder of reference solutions (default: solutions/ at the repository root)")
    ap.add_argument("--show-wrong", action="store_true",
                    help="print the check's verdict on each wrong (and other correct) solution")
    ap.add_argument("--no-solutions", action="store_true",
                    help="do not run notebooks a second time with the reference solutions")
    args = ap.parse_args()

    notebooks = find_notebooks(args.paths)
    if not notebooks:
        print("run_notebooks: no notebooks found in", args.paths, file=sys.stderr)
        return 1
    passed, failed = 0, 0
    for path, rel in notebooks:
        nb = nbformat.read(path, as_version=4)
        problems: list[str] = []
        if has_outputs(nb) and not args.allow_outputs:
            problems.append("committed with outputs: clear them (Edit > Clear Outputs of All Cells) before committing")
        has_exercises = any("exercise" in tags(c) for c in nb.cells)
        solved, n_wrong = None, 0
        if has_exercises and not args.no_solutions:
            solved, sol_problems = with_solutions(nb, path, pathlib.Path(args.solutions))
            problems.extend(sol_problems)
        run_problems, elapsed = execute(nb, path, args)
        problems.extend(run_problems)
        problems.extend(exercise_failures(nb, solved=False))
        if args.out:
            problems.extend(save(nb, pathlib.Path(args.out) / rel))
        if solved is not None and not any("no solution file" in p for p in problems):
            sol_run, sol_elapsed = execute(solved, path, args)
            elapsed += sol_elapsed
            problems.extend("with the reference solutions: " + p for p in sol_run)
            problems.extend(wrong_failures(solved))
            if args.show_wrong:
                print("\n".join("  tried " + v for v in wrong_verdicts(solved)))
                print(f"  time spent on the wrong and other solutions: {inserted_seconds(solved):.1f}s")
            n_wrong = sum(WRONG in tags(c) and ".wrong-" in c.metadata["godl"]["wrong"] for c in solved.cells)
            without_inserted(solved)
            problems.extend(exercise_failures(solved, solved=True))
            if args.out:
                problems.extend(save(solved, pathlib.Path(args.out) / rel.with_name(rel.stem + ".solved.ipynb")))
        if problems:
            failed += 1
            print(f"FAIL {rel} ({elapsed:.1f}s)")
            for p in problems:
                print("  - " + p.replace("\n", "\n    "))
        else:
            passed += 1
            print(f"ok   {rel} ({elapsed:.1f}s)" + (" (exercises: FAIL unfilled, PASS solved"
                                                 + (f", {n_wrong} wrong rejected" if n_wrong else "") + ")"
                                                 if solved is not None else ""))
        sys.stdout.flush()
    print(f"notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
