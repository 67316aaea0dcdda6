"""Every code example of README.md and of the packages' documentation runs as a notebook cell,
as it is written: a student can paste any of them (no "declared and not used", no undefined
names, no error)."""
from __future__ import annotations

import pathlib
import re

import pytest

from conftest import execute

ROOT = pathlib.Path(__file__).resolve().parents[2]

# The package comments that hold examples: each package's doc.go, or the file with its package
# comment.
PACKAGE_DOCS = sorted(ROOT.glob("*/doc.go")) + sorted(ROOT.glob("*/*/doc.go")) + [ROOT / "tensor" / "tensor.go", ROOT / "nb" / "nb.go"]


def readme_examples():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [("README.md", m.group(1)) for m in re.finditer(r"```go\n(.*?)```", text, re.S)]


def package_examples():
    """The code blocks (lines "//<TAB>...") of each package comment, above the package clause."""
    out = []
    for path in PACKAGE_DOCS:
        lines = path.read_text(encoding="utf-8").splitlines()
        end = next(i for i, ln in enumerate(lines) if ln.startswith("package "))
        block = []
        for ln in lines[:end] + [""]:
            if ln.startswith("//\t"):
                block.append(ln[3:])
            elif block:
                out.append((str(path.relative_to(ROOT)), "\n".join(block)))
                block = []
    return out


EXAMPLES = readme_examples() + package_examples()


def test_examples_are_found():
    sources = {src for src, _ in EXAMPLES}
    assert "README.md" in sources and "nn/doc.go" in sources and "viz/doc.go" in sources, sources
    assert len(EXAMPLES) >= 8, [src for src, _ in EXAMPLES]


@pytest.mark.parametrize("source,code", EXAMPLES, ids=[f"{s}#{i}" for i, (s, _) in enumerate(EXAMPLES)])
def test_example_runs_as_a_cell(kernel, source, code):
    _, kc = kernel
    cell = code if code.lstrip().startswith("%%") else "%%\n" + code
    r = execute(kc, cell, timeout=600)
    assert r.status == "ok", f"the example of {source} fails as a cell:\n{code}\n---\n{r.text[-3000:]}"
    assert "Error" not in r.stderr, r.stderr
