"""scripts/offline_html.py: every HTML page the course writes (the executed notebooks of `make
test`, the hand-ins of `make submit`) is self-contained: no remote script or stylesheet, and the
formulas of the markdown cells typeset as SVG when the page is written (MathJax 3 in node,
scripts/mathjax.mjs), never in code cells or outputs, where `$` is Go code or program output.
No kernel is started here: the notebooks are exported with the outputs they hold."""
from __future__ import annotations

import html
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import zlib

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import offline_html  # noqa: E402
import run_notebooks  # noqa: E402
import submit  # noqa: E402

COURSE_NOTEBOOK = ROOT / "notebooks" / "02-forward-backward.ipynb"

# What a browser would fetch from the network: <script src>, <link href> (and the same with
# single quotes or protocol-relative URLs), module imports, CSS url() and @import.
REMOTE = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//"""
                    r"""|\bimport\(\s*["']https?://|url\(\s*["']?https?://|@import\s+["']?(?:url\()?["']?https?://""",
                    re.I)


def markdown_text(page: str) -> str:
    """The text of the markdown cells as a reader sees it, formulas and code left out."""
    parts = []
    for start, end in offline_html._Scan(page).markdown:
        frag = re.sub(r"<mjx-container\b.*?</mjx-container>", "", page[start:end], flags=re.S)
        frag = re.sub(r"<(code|pre)\b.*?</\1>", "", frag, flags=re.S)
        parts.append(html.unescape(re.sub(r"<[^>]+>", " ", frag)))
    return "\n".join(parts)


def tex_left(text: str) -> list[str]:
    return [text[max(0, m.start() - 30):m.end() + 30] for m in re.finditer(r"\$|\\\(|\\\[|\\frac|\\partial", text)]


def formulas_in_markdown(nb) -> int:
    """A lower bound of the formulas of nb's markdown cells: $$...$$ and $...$ pairs."""
    n = 0
    for c in nb.cells:
        if c.cell_type == "markdown":
            src = re.sub(r"`[^`]*`", "", c.source)
            n += len(re.findall(r"\$\$.+?\$\$", src, flags=re.S))
            n += len(re.findall(r"(?<!\$)\$(?!\$)[^$\n]+?(?<!\$)\$(?!\$)", re.sub(r"\$\$.+?\$\$", "", src, flags=re.S)))
    return n


@pytest.fixture(scope="module")
def course_page():
    nb = nbformat.read(COURSE_NOTEBOOK, as_version=4)
    problems: list[str] = []
    page = offline_html.export(nb, name=COURSE_NOTEBOOK.stem, problems=problems)
    return nb, page, problems


def test_course_notebook_page_loads_nothing_from_the_network(course_page):
    _, page, problems = course_page
    assert not REMOTE.findall(page), REMOTE.findall(page)[:5]
    assert '<script src="http' not in page and '<link href="http' not in page
    assert "cdnjs" not in page and "require.js" not in page and "MathJax.Hub" not in page
    assert offline_html.remote_references(page) == []
    assert problems == [], problems


def test_course_notebook_formulas_are_typeset_in_the_page(course_page):
    nb, page, _ = course_page
    expected = formulas_in_markdown(nb)
    assert expected >= 20, expected
    assert page.count("<mjx-container") >= expected, (page.count("<mjx-container"), expected)
    assert re.search(r'<mjx-container class="MathJax" jax="SVG" display="true"[^>]*><svg', page), "no displayed formula"
    assert 'id="MJX-SVG-styles"' in page and 'id="MJX-SVG-global-cache"' in page
    # Every glyph a formula uses is defined once in the page.
    ids = set(re.findall(r'<path id="([^"]+)"', page))
    used = set(re.findall(r'xlink:href="#([^"]+)"', page))
    assert used and used <= ids, sorted(used - ids)[:5]
    assert tex_left(markdown_text(page)) == []


def _notebook_with_dollars():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(
        "The loss $L = (o - t)^2$ and $$\\frac{\\partial L}{\\partial o} = 2(o - t)$$ "
        "(a dollar: \\$5; inline code `$HOME` stays)."))
    code = nbformat.v4.new_code_cell('fmt.Println("price: $5, then $6")')
    code.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="price: $5, then $6\n$x$ is not a formula here\n"),
        nbformat.v4.new_output("display_data", data={"text/html": "<p>an output with $y$</p>",
                                                     "text/plain": "an output with $y$"}),
    ]
    nb.cells.append(code)
    return nb


def test_only_markdown_cells_are_typeset():
    page = offline_html.export(_notebook_with_dollars(), name="dollars")
    assert page.count("<mjx-container") == 2
    text = markdown_text(page)
    assert "a dollar: $5" in text                          # \$ is a dollar sign
    assert tex_left(text.replace("a dollar: $5", "")) == []
    assert "$HOME" in page                                 # inline code in markdown
    assert "$5, then $6" in page                           # code cell and its output
    assert "$x$ is not a formula here" in page
    assert "an output with $y$" in page


def test_pages_without_formulas_need_no_node(monkeypatch):
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("No formula here."))
    called = []
    monkeypatch.setattr(offline_html, "typeset", lambda *a, **k: called.append(1))
    page = offline_html.export(nb, name="plain")
    assert not called and "<mjx-container" not in page and not REMOTE.findall(page)


def test_tex_errors_and_remote_content_are_reported_and_remote_scripts_removed():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("Broken: $\\frac{1}$ and $\\nosuchmacro x$."))
    nb.cells.append(nbformat.v4.new_markdown_cell(
        '<script src="https://example.com/tracker.js"></script>\n'
        '<link rel="stylesheet" href="//example.com/style.css">\n\n'
        "![a picture](https://example.com/picture.png) with $x$"))
    problems: list[str] = []
    page = offline_html.export(nb, name="broken", problems=problems)
    assert any("TeX error" in p and "Missing argument for \\frac" in p for p in problems), problems
    assert any("\\nosuchmacro" in p for p in problems), problems
    assert any("https://example.com/picture.png" in p for p in problems), problems
    assert "tracker.js" not in page and "style.css" not in page
    assert offline_html.remote_references(page) == ['<img https://example.com/picture.png>']
    assert page.count("<mjx-container") == 3


def test_run_notebooks_export_is_self_contained(tmp_path):
    nb = _notebook_with_dollars()
    out = tmp_path / "dollars.html"
    assert run_notebooks.export_html(nb, out) == []
    page = out.read_text(encoding="utf-8")
    assert not REMOTE.findall(page) and page.count("<mjx-container") == 2
    assert "<title>dollars</title>" in page


def test_submit_pages_screen_and_print_are_self_contained():
    nb = nbformat.read(COURSE_NOTEBOOK, as_version=4)
    for print_version in (False, True):
        page = submit.export_html(nb, "02-forward-backward", print_version=print_version)
        assert not REMOTE.findall(page), (print_version, REMOTE.findall(page)[:3])
        assert page.count("<mjx-container") >= 20
        assert ("@page { size: A4" in page) == print_version
    assert "libjs-mathjax" not in (ROOT / "scripts" / "submit.py").read_text()


def pdf_text(data: bytes) -> str:
    """The text of a PDF printed by Chromium: the strings of its content streams, decoded through
    each font's ToUnicode map (PDF 1.7, 9.10.3). Enough for Chromium's output, not a parser."""
    objs = {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S)}

    def stream(body: bytes) -> bytes:
        m = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
        if not m:
            return b""
        return zlib.decompress(m.group(1)) if b"FlateDecode" in body[:m.start()] else m.group(1)

    cmaps = {}
    for num, body in objs.items():
        ref = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if ref:
            cm, text = {}, stream(objs[int(ref.group(1))])
            for blk in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
                for a, b in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", blk):
                    cm[int(a, 16)] = bytes.fromhex(b.decode()).decode("utf-16-be", "replace")
            for blk in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
                for a, b, c in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", blk):
                    for i, g in enumerate(range(int(a, 16), int(b, 16) + 1)):
                        cm[g] = chr(int(c, 16) + i)
            cmaps[num] = cm
    fonts = {name: int(num) for body in objs.values() for name, num in re.findall(rb"/(F\d+) (\d+) 0 R", body)}
    out, font = [], {}
    for body in objs.values():
        if b"stream" not in body or b"/ToUnicode" in body:
            continue
        try:
            content = stream(body)
        except zlib.error:
            continue
        for tok in re.finditer(rb"/(F\d+) [\d.]+ Tf|<([0-9A-Fa-f]*)>|\bET\b", content):
            if tok.group(1):
                font = cmaps.get(fonts.get(tok.group(1)), {})
            elif tok.group(2) is not None:
                h = tok.group(2)
                out.extend(font.get(int(h[i:i + 4], 16), "") for i in range(0, len(h), 4))
            else:
                out.append("\n")
    return "".join(out)


@pytest.mark.skipif(not submit.find_chromium(), reason="no Chromium")
def test_pdf_is_printed_from_the_typeset_page(tmp_path):
    # The PDF of `make submit` is printed from the same self-contained page: its text holds the
    # words of the markdown cells, and none of the TeX (the formulas are drawings).
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(
        "The loss $L = (o - t)^2$ and its derivative $$\\frac{\\partial L}{\\partial o} = 2(o - t).$$"))
    pdf = tmp_path / "loss.pdf"
    submit.print_pdf(submit.export_html(nb, "loss", print_version=True), pdf, submit.find_chromium())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "The loss" in text and "its derivative" in text, text[:500]
    assert "$" not in text and "frac" not in text and "(o - t)" not in text, text[:500]


def test_missing_node_or_mathjax_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(offline_html.shutil, "which", lambda name: None)
    with pytest.raises(offline_html.OfflineHTMLError, match=r"node .*`make setup`"):
        offline_html.check_tools()
    monkeypatch.undo()
    monkeypatch.setattr(offline_html, "MATHJAX_PACKAGE", tmp_path / "node_modules" / "mathjax-full" / "package.json")
    with pytest.raises(offline_html.OfflineHTMLError, match=r"mathjax-full.*`make setup`"):
        offline_html.check_tools()


def test_mathjax_script_without_the_package_says_make_setup(tmp_path):
    # The script alone, where no node_modules can be found above it.
    script = tmp_path / "mathjax.mjs"
    shutil.copy(offline_html.MATHJAX_SCRIPT, script)
    p = subprocess.run([offline_html.check_tools(), str(script)], input='{"fragments": []}',
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 3, p.stderr
    assert "mathjax-full is not installed" in p.stderr and "make setup" in p.stderr


def test_export_command_writes_the_page(tmp_path):
    out = tmp_path / "page.html"
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "offline_html.py"), str(COURSE_NOTEBOOK), str(out)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "formulas" in p.stdout and out.is_file()


def test_setup_check_of_make_submit(tmp_path, monkeypatch):
    # `make submit` runs scripts/setup.sh only when submit.setup_problem names something. Here a
    # kernelspec like the course's, in its own Jupyter folder, on this set-up machine.
    gomod = (ROOT / "go.mod").read_text()
    gonb = re.search(r"^\s*github.com/janpfeifer/gonb (v\S+)", gomod, re.M).group(1)
    toolchain = re.search(r"^toolchain (\S+)", gomod, re.M)
    binary = tmp_path / "godl-kernel"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    spec = {"argv": [str(binary), "run"], "display_name": "Go (test)", "language": "go",
            "env": {"GOMLX_BACKEND": "go", **({"GOTOOLCHAIN": toolchain.group(1)} if toolchain else {})},
            "metadata": {"godl": {"root": str(ROOT), "gonb": gonb}}}
    kdir = tmp_path / "jupyter" / "kernels" / "godl-setup-check"
    kdir.mkdir(parents=True)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("GOMLX_BACKEND", "go")

    def problem(**changes):
        godl = dict(spec["metadata"]["godl"], **changes)
        (kdir / "kernel.json").write_text(json.dumps(dict(spec, metadata={"godl": godl})))
        return submit.setup_problem("godl-setup-check")

    assert problem() is None
    assert "not at this checkout" in problem(root=str(tmp_path))
    assert "go.mod pins" in problem(gonb="v0.0.1")
    monkeypatch.setenv("GOMLX_BACKEND", "xla:cpu")
    assert "GOMLX_BACKEND=xla:cpu" in problem()
    monkeypatch.setenv("GOMLX_BACKEND", "go")
    os.utime(binary, (0, 0))  # built before the kernel's sources last changed
    assert "changed since the kernel was built" in problem()
    binary.unlink()
    assert "is missing" in problem()
    assert "kernel 'no-such-kernel-xyz' is not installed" in submit.setup_problem("no-such-kernel-xyz")
