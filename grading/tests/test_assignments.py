"""The course notebooks as nbgrader assignments (grading/assignments.py + nbgrader
generate_assignment with grading/nbgrader_config.py): what the students get is the course's own
notebook, without a line of the solutions or of the hidden tests; what the grader keeps holds both."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "grading"))
sys.path.insert(0, str(ROOT / "scripts"))
import assignments  # noqa: E402
import run_notebooks  # noqa: E402


def test_solution_region_keeps_the_shared_lines_outside():
    todo = "// f doubles x.\nfunc f(x int) int {\n\t// TODO: return 2x\n\treturn 0\n}\n"
    sol = "// f doubles x.\nfunc f(x int) int {\n\ty := 2 * x\n\treturn y\n}\n"
    assert assignments.solution_region(todo, sol) == (
        "// f doubles x.\nfunc f(x int) int {\n\t// BEGIN SOLUTION\n\ty := 2 * x\n\treturn y\n\t// END SOLUTION\n}")
    # Identical ends only: the region holds the solution's own lines, at their indentation.
    todo = 'var answers = nb.Answers{\n\t1: "", // a or b\n}'
    sol = 'var answers = nb.Answers{\n\t1: "b",\n}'
    assert assignments.solution_region(todo, sol) == (
        'var answers = nb.Answers{\n\t// BEGIN SOLUTION\n\t1: "b",\n\t// END SOLUTION\n}')


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    env = dict(os.environ, GODL_COURSE_DIR=str(course))
    r = subprocess.run([str(ROOT / "grading" / "grade.sh"), "assignments"], capture_output=True, text=True,
                       env=env, cwd=ROOT, timeout=1800)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return course


def course_notebooks():
    return assignments.course_notebooks()


def test_every_notebook_with_exercises_becomes_an_assignment(course):
    names = {p.stem for p in course_notebooks()}
    assert {"02-forward-backward", "dehazing", "gtsrb", "chaos"} <= names
    released = {p.parent.name for p in (course / "release").glob("*/*.ipynb")}
    assert released == names


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: p.stem)
def test_students_get_the_course_notebook_and_graders_keep_solutions_and_hidden_tests(course, path):
    nb = nbformat.read(path, as_version=4)
    release = nbformat.read(course / "release" / path.stem / path.name, as_version=4)
    source = nbformat.read(course / "source" / path.stem / path.name, as_version=4)
    assert len(release.cells) == len(nb.cells) == len(source.cells)
    points = 0.0
    for orig, rel, src in zip(nb.cells, release.cells, source.cells):
        tags = run_notebooks.tags(orig)
        # The students' cell is the course's, word for word (hidden tests and solutions removed).
        assert rel.source.rstrip() == orig.source.rstrip(), f"{path.name}: a released cell differs from the course's"
        meta = src.metadata.get("nbgrader", {})
        if "exercise" in tags:
            sol = run_notebooks.SOLUTIONS / path.stem / orig.metadata["godl"]["solution"]
            assert meta.get("solution") and not meta.get("grade")
            assert "// BEGIN SOLUTION" in src.source
            body = src.source.replace("\t// BEGIN SOLUTION\n", "").replace("// BEGIN SOLUTION\n", "")
            body = "\n".join(ln for ln in body.split("\n") if ln.strip() != "// END SOLUTION")
            assert body.rstrip() == sol.read_text().rstrip(), f"{sol.name}: the region does not give back the solution"
        elif "exercise-check" in tags or "graded" in tags:
            assert meta.get("grade") and meta.get("locked") and meta["points"] > 0
            points += meta["points"]
        else:
            assert not meta
    assert points > 0
    text = nbformat.writes(release)
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "FAIL (hidden test)"):
        assert marker not in text, f"{path.name}: {marker!r} reached the students' version"
    # No line of a reference solution that the TODO version does not have.
    todo_lines = {ln.strip() for c in nb.cells for ln in c.source.split("\n")}
    for sol in (run_notebooks.SOLUTIONS / path.stem).glob("*.gocell"):
        if ".wrong-" in sol.name or ".alt-" in sol.name or ".hidden" in sol.name:
            continue
        own = [ln.strip() for ln in sol.read_text().split("\n")
               if ln.strip() and ln.strip() not in todo_lines and len(ln.strip()) > 12]
        released = {ln.strip() for c in release.cells
                    for ln in (c.source + "\n" + c.metadata.get("godl", {}).get("stub", "")).split("\n")}
        leaked = [ln for ln in own if ln in released]
        assert not leaked, f"{sol.name}: solution lines in the release: {leaked[:3]}"


def test_hidden_tests_reach_the_graders_version(course):
    for hidden in run_notebooks.SOLUTIONS.glob("*/*.hidden.gocell"):
        nbs = [p for p in course_notebooks() if p.stem == hidden.parent.name]
        if not nbs:
            continue
        src = nbformat.read(course / "source" / nbs[0].stem / nbs[0].name, as_version=4)
        first = next(ln for ln in hidden.read_text().split("\n") if ln.strip() and not ln.strip().startswith("//"))
        assert any(first in c.source and "// BEGIN HIDDEN TESTS" in c.source for c in src.cells), \
            f"{hidden.name} is not in the graders' version of {nbs[0].name}"
