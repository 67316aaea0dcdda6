"""The student image holds no exercise solutions: deploy/build_context.py lists the build context
with Docker's .dockerignore rules and finds no file of solutions/ in it, nor a copy of one."""
from __future__ import annotations

import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))

import build_context as bc  # noqa: E402


def test_the_student_image_would_hold_no_solution():
    problems = bc.check(ROOT, use_docker=False)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("patterns, path, want", [
    (["solutions"], "solutions/01/a.gocell", True),
    (["/solutions/"], "solutions/01/a.gocell", True),
    (["solutions/*"], "solutions/01/a.gocell", True),
    (["solution"], "solutions/01/a.gocell", False),
    (["*.gocell"], "solutions/01/a.gocell", False),  # * does not cross folders
    (["**/*.gocell"], "solutions/01/a.gocell", True),
    (["**/.ipynb_checkpoints"], "notebooks/.ipynb_checkpoints/a.ipynb", True),
    (["**"], "a/b", True),
    (["solutions", "!solutions/01"], "solutions/01/a.gocell", False),  # the last match wins
    (["!solutions/01", "solutions"], "solutions/01/a.gocell", True),
    (["solutions", "!solutions/0?/*.gocell"], "solutions/01/a.gocell", False),
    (["# solutions", "x"], "solutions/a", False),
    (["sol[u]tions"], "solutions/a", True),
    ([".git"], ".github/workflows/x.yml", False),
])
def test_dockerignore_rules_are_docker_s(patterns, path, want):
    assert bc.ignored(path, bc.read_dockerignore("\n".join(patterns))) is want


def make_repo(tmp_path: pathlib.Path, dockerignore: str, dockerfile: str = "FROM x\nCOPY . /opt/godl\n") -> pathlib.Path:
    files = {
        "solutions/01-a/answer.gocell": "w := 2 * x\nfmt.Println(w)\n",
        "notebooks/01-a.ipynb": "{}",
        "go.mod": "module example.com/x\n",
        ".dockerignore": dockerignore,
        "Dockerfile": dockerfile,
    }
    for name, content in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
    return tmp_path


def test_the_check_finds_solutions_however_they_would_get_in(tmp_path):
    repo = make_repo(tmp_path, ".git\n")
    assert any("solutions/01-a/answer.gocell is a reference solution" in p for p in bc.check(repo, False))
    (repo / ".dockerignore").write_text(".git\nsolutions\n")
    assert bc.check(repo, False) == []
    assert "solutions/01-a/answer.gocell" not in bc.context_files(repo)
    # re-included by a later ! line
    (repo / ".dockerignore").write_text("solutions\n!solutions/01-a/*.gocell\n")
    assert bc.check(repo, False)
    # a copy elsewhere in the context
    (repo / ".dockerignore").write_text("solutions\n")
    (repo / "notebooks/answer.txt").write_text("w := 2 * x\nfmt.Println(w)\n")
    assert any("copy of the reference solution solutions/01-a/answer.gocell" in p for p in bc.check(repo, False))
    (repo / "notebooks/answer.txt").unlink()
    # brought in by the Dockerfile
    (repo / "Dockerfile").write_text("FROM x\nCOPY . /opt/godl\nRUN git clone https://example.com/course.git /opt/x\n")
    assert any("fetches a repository" in p for p in bc.check(repo, False))
