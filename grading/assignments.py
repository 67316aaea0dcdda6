#!/usr/bin/env python3
"""The course's notebooks as nbgrader source assignments, without writing the exercises twice.

    .venv/bin/python grading/assignments.py [--course DIR] [NOTEBOOK...]   (make assignments)

For each course notebook (default: every notebook in notebooks/ with exercises, the projects
included) it writes DIR/source/<assignment>/<notebook>.ipynb, assignment = the notebook's name
without .ipynb (e.g. 02-forward-backward, dehazing), where
  - each exercise cell (tag `exercise`) becomes an nbgrader solution cell whose source is the
    reference solution (solutions/<notebook>/NAME.gocell) between `// BEGIN SOLUTION` and
    `// END SOLUTION` (the lines that differ from the course's TODO version; the lines both share
    stay outside), and whose students' version is exactly the course's TODO cell (the GoStubs
    preprocessor of grading/nbgrader_config.py puts it back after ClearSolutions);
  - each check cell (tag `exercise-check`) becomes a locked, autograded test cell worth
    CHECK_POINTS points (SELFCHECK_POINTS for the self-check quizzes), followed, inside it,
    by the exercise's hidden tests (NAME.hidden.gocell) between `// BEGIN HIDDEN TESTS` and
    `// END HIDDEN TESTS`: nbgrader removes them from the students' copy and restores them when it
    grades;
  - a cell tagged `graded` (a project's end-to-end check, e.g. "the dehazed test crops are closer
    to the ground truth than the hazy ones") becomes an autograded test cell worth its
    metadata's godl.points (default 1);
  - every other cell is copied as it is (students edit the projects' code freely).
A check cell earns its points when it prints a PASS line and no FAIL line, with no error
(grading/godl_nbgrader.py: GoCheckOutcomes). Then `nbgrader generate_assignment` (make
release) writes the students' version into DIR/release/.
"""
from __future__ import annotations

import argparse
import copy
import pathlib
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import run_notebooks  # noqa: E402  (tags, hidden tests: the same rules as make test)

CHECK_POINTS = 2
SELFCHECK_POINTS = 1
BEGIN, END = "// BEGIN SOLUTION", "// END SOLUTION"


def solution_region(todo: str, solution: str) -> str:
    """The source of a solution cell: the lines todo and solution share at the start and at the
    end stay outside the region; between them the solution's own lines go between BEGIN and END
    (indented as its first line)."""
    t, s = todo.rstrip("\n").split("\n"), solution.rstrip("\n").split("\n")
    p = 0
    while p < min(len(t), len(s)) and t[p] == s[p]:
        p += 1
    q = 0
    while q < min(len(t), len(s)) - p and t[-1 - q] == s[-1 - q]:
        q += 1
    mid = s[p:len(s) - q]
    first = next((ln for ln in mid if ln.strip()), next((ln for ln in t[p:len(t) - q] if ln.strip()), ""))
    indent = first[:len(first) - len(first.lstrip())]
    return "\n".join(s[:p] + [indent + BEGIN] + mid + [indent + END] + s[len(s) - q:])


def grade_id(stem: str, name: str) -> str:
    return f"{stem}-{name}".replace(".", "-")


def source_notebook(path: pathlib.Path, solutions: pathlib.Path = run_notebooks.SOLUTIONS):
    """The nbgrader source version of the course notebook path. Raises ValueError naming the
    cell when an exercise has no reference solution."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validator.normalize(nb)
    out = copy.deepcopy(nb)
    stem = path.stem
    current = None  # the exercise whose checks follow
    checks_of: dict[str, int] = {}
    for i, cell in enumerate(out.cells):
        tags = run_notebooks.tags(cell)
        if "exercise" in tags:
            name = cell.metadata.get("godl", {}).get("solution")
            sol = solutions / stem / str(name)
            if not name or not sol.is_file():
                raise ValueError(f"{path}: exercise cell (index {i}) has no solution file {sol}")
            current = sol
            stub = cell.source
            cell.source = solution_region(stub, sol.read_text(encoding="utf-8"))
            cell.metadata.setdefault("godl", {})["stub"] = stub
            cell.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False,
                                         "grade_id": grade_id(stem, sol.stem), "schema_version": 3}
        elif "exercise-check" in tags:
            if current is None:
                raise ValueError(f"{path}: check cell (index {i}) follows no exercise cell")
            k = checks_of[current.stem] = checks_of.get(current.stem, 0) + 1
            hidden = run_notebooks.hidden_tests(current)
            if hidden is not None:
                cell.source = run_notebooks.with_hidden_tests(cell.source, hidden.read_text(encoding="utf-8"))
            points = SELFCHECK_POINTS if current.name.startswith("selfcheck") else CHECK_POINTS
            cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                         "points": cell.metadata.get("godl", {}).get("points", points),
                                         "grade_id": grade_id(stem, current.stem) + f"-check{k}",
                                         "schema_version": 3}
        elif "graded" in tags:
            cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                         "points": cell.metadata.get("godl", {}).get("points", 1),
                                         "grade_id": cell.metadata.get("godl", {}).get("grade_id", f"{stem}-cell{i}"),
                                         "schema_version": 3}
        elif cell.cell_type == "code":
            current = current if not cell.source.strip() else None
    return out


def course_notebooks() -> list[pathlib.Path]:
    return [p for p in sorted((ROOT / "notebooks").rglob("*.ipynb"))
            if ".ipynb_checkpoints" not in p.parts
            and any(run_notebooks.tags(c) and ({"exercise", "graded"} & set(run_notebooks.tags(c)))
                    for c in nbformat.read(p, as_version=4).cells)]


def write_sources(course: pathlib.Path, notebooks: list[pathlib.Path]) -> list[pathlib.Path]:
    written = []
    for path in notebooks:
        nb = source_notebook(path)
        dest = course / "source" / path.stem / path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_suffix(".ipynb.tmp")
        nbformat.write(nb, tmp)
        tmp.replace(dest)
        written.append(dest)
    return written


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*", help="course notebooks (default: every one with exercises)")
    ap.add_argument("--course", default=str(ROOT / "build" / "course"), help="nbgrader course directory")
    a = ap.parse_args()
    paths = [pathlib.Path(p) for p in a.notebooks] or course_notebooks()
    try:
        for w in write_sources(pathlib.Path(a.course), paths):
            print(f"wrote {w}")
    except ValueError as e:
        print(f"assignments: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
