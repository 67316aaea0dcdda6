"""scripts/submit.py, the hand-in command: it runs a notebook top to bottom in a fresh kernel, stops
at the first failing cell and names it, and exports the notebook with its outputs to HTML (the
charts' static PNGs inside) and to a PDF whose pages carry those same pictures."""
from __future__ import annotations

import base64
import os
import pathlib
import re
import shutil
import struct
import subprocess
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[2]
SUBMIT = ROOT / "scripts" / "submit.py"
WELCOME = ROOT / "notebooks" / "00-welcome.ipynb"

# The charts of 00-welcome.ipynb, by the titles its source gives them (viz.Title(...) in the
# data cell; viz.LiveCurves() draws "Training curves").
WELCOME_CHARTS = ["The first training digits", "Training curves"]


def run(*args, env=None):
    e = dict(os.environ, DLNB_SMOKE="1", **(env or {}))
    p = subprocess.run([sys.executable, str(SUBMIT), *map(str, args)], capture_output=True,
                       text=True, cwd=ROOT, env=e, timeout=900)
    return p.returncode, p.stdout, p.stderr


def notebook(path: pathlib.Path, *cells, tags=None, stale_output=None) -> pathlib.Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "go-dl", "display_name": "Go (Deep Learning)", "language": "go"}
    for i, src in enumerate(cells):
        c = nbformat.v4.new_code_cell(src)
        if tags and i in tags:
            c.metadata["tags"] = tags[i]
        if stale_output and i == 0:
            c.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stale_output)]
            c.execution_count = 7
        nb.cells.append(c)
    nbformat.write(nb, path)
    return path


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (PNG specification, section 11.2.2)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def chart_pngs(page: str) -> dict[str, tuple[int, int]]:
    """The static pictures of the viz charts in an HTML export: {alt text: (width, height)}."""
    found = {}
    for m in re.finditer(r'<img alt="([^"]*)"[^>]*?src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page):
        found[m.group(1)] = png_size(base64.b64decode(m.group(2)))
    return found


def pdf_images(pdf: pathlib.Path) -> list[tuple[int, int, int]]:
    """(page, width, height) of each image in the PDF, read by poppler's pdfimages when it is
    installed; otherwise the image XObjects' /Width and /Height (page 0: unknown)."""
    if shutil.which("pdfimages"):
        out = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
        rows = [ln.split() for ln in out.splitlines()[2:] if ln.strip()]
        return [(int(r[0]), int(r[3]), int(r[4])) for r in rows if r[2] == "image"]
    data = pdf.read_bytes()
    return [(0, int(w), int(h)) for w, h in
            re.findall(rb"/Subtype /Image\s*/Width (\d+)\s*/Height (\d+)", data)]


def pdf_pages(pdf: pathlib.Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf.read_bytes()))


def test_welcome_notebook_exports_html_and_pdf_with_the_charts(tmp_path):
    before = WELCOME.read_bytes()
    code, out, err = run("--out", tmp_path, WELCOME)
    assert code == 0, out + err
    assert "ran top to bottom" in out
    html_path, pdf_path = tmp_path / "00-welcome.html", tmp_path / "00-welcome.pdf"
    assert WELCOME.read_bytes() == before, "the student's notebook must not be modified"

    page = html_path.read_text(encoding="utf-8")
    charts = chart_pngs(page)
    for title in WELCOME_CHARTS:
        assert title in charts, f"no static PNG of the chart {title!r} in the HTML export: {sorted(charts)}"
        w, h = charts[title]
        assert w >= 300 and h >= 150, (title, w, h)
    assert "PASS: validation accuracy" in page         # the check cell's output is there
    assert "Run top to bottom in a fresh kernel" in page
    # Self-contained (scripts/offline_html.py): the formulas typeset, nothing loaded from the web.
    assert "<mjx-container" in page and 'id="MJX-SVG-global-cache"' in page
    assert not re.search(r"""<(script|link)\b[^>]*\b(src|href)=["']?(https?:)?//""", page)

    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF-"), data[:16]
    assert pdf_pages(pdf_path) >= 2
    images = pdf_images(pdf_path)
    # The PDF shows the same pictures: one image of each chart's exact pixel size.
    sizes = [(w, h) for _, w, h in images]
    for title in WELCOME_CHARTS:
        assert charts[title] in sizes, f"chart {title!r} {charts[title]} is not among the PDF's images {images}"


def test_out_of_order_notebook_fails_and_names_the_cell(tmp_path):
    # Works in a session where cell 2 ran first, not from the top in a fresh kernel.
    nb = notebook(tmp_path / "order.ipynb",
                  '%%\nfmt.Println("twice 21 is", Double(21))',
                  "func Double(x int) int { return 2 * x }")
    code, out, err = run("--no-pdf", nb)
    assert code == 1, out + err
    assert "does not run from top to bottom" in err
    assert "cell 1" in err and "Double" in err, err
    assert not (tmp_path / "order.html").exists(), "a failed run must not export"


def test_compile_error_shows_the_compiler_and_the_hint(tmp_path):
    # The hand-in names the failing cell with the compiler's message and the kernel's hint, not
    # only "failed to run go build".
    nb = notebook(tmp_path / "typo.ipynb",
                  '%%\nfmt.Println("first cell")',
                  '%%\nm := nn.Sequential(nn.Flatten(), nn.Dence(10))\nfmt.Println(m)')
    code, out, err = run("--no-pdf", nb)
    assert code == 1, out + err
    assert "cell 2" in err, err
    assert "undefined: nn" in err, err
    assert "nn has no Dence" in err and "did you mean nn.Dense?" in err, err
    assert not (tmp_path / "typo.html").exists()


def test_panicking_cell_stops_the_run(tmp_path):
    nb = notebook(tmp_path / "panics.ipynb",
                  '%%\nfmt.Println("first cell")',
                  '%%\nvar m map[string]int\nm["x"] = 1',
                  '%%\nfmt.Println("never reached")')
    code, out, err = run("--no-pdf", nb)
    assert code == 1, out + err
    assert "cell 2" in err and "panic" in err, err
    assert "cell 3" not in err
    assert not (tmp_path / "panics.html").exists()


def test_cell_over_the_time_limit_is_named(tmp_path):
    nb = notebook(tmp_path / "slow.ipynb",
                  '%%\nfmt.Println("ready")',
                  '%%\nfor i := 0; i < 30; i++ {\n\ttime.Sleep(time.Second)\n}')
    code, out, err = run("--no-pdf", "--timeout", "4", nb)
    assert code == 1, out + err
    assert "cell 2" in err and "ran longer than 4 s" in err, err
    assert not (tmp_path / "slow.html").exists()


def test_stale_outputs_are_cleared_and_open_exercises_counted(tmp_path):
    nb = notebook(tmp_path / "ex.ipynb",
                  "func Double(x int) int {\n\treturn 0 // TODO\n}",
                  '%%\nif Double(21) == 42 {\n\tfmt.Println("PASS: Double")\n} else {\n'
                  '\tfmt.Println("FAIL: Double(21) is not 42")\n}',
                  tags={1: ["exercise-check"]}, stale_output="STALE OUTPUT FROM AN OLD SESSION")
    code, out, err = run("--no-pdf", nb)
    assert code == 0, out + err
    assert "exercise checks: 0 PASS, 1 not passing (cells 2)" in out
    page = (tmp_path / "ex.html").read_text(encoding="utf-8")
    assert "FAIL: Double(21) is not 42" in page
    assert "STALE OUTPUT FROM AN OLD SESSION" not in page
    assert not (tmp_path / "ex.pdf").exists()


def test_missing_notebook_and_kernel_are_setup_errors(tmp_path):
    code, _, err = run(tmp_path / "nope.ipynb")
    assert code == 2 and "no such notebook" in err
    nb = notebook(tmp_path / "k.ipynb", '%%\nfmt.Println("hi")')
    code, _, err = run("--no-pdf", "--kernel", "no-such-kernel-xyz", nb)
    assert code == 2 and "not installed" in err and "make setup" in err, err

