#!/usr/bin/env python3
"""Self-contained HTML pages of notebooks: every page the course writes (the executed notebooks of
`make test` in build/notebooks/, the hand-ins of `make submit`) comes from here.

nbconvert's HTML template loads require.js and MathJax 2 from a CDN (and mermaid.js when a cell
holds a diagram): offline, every formula stays TeX source. Here the page carries no remote script
or stylesheet, and the formulas of the markdown cells are typeset when the page is written, by
MathJax 3 in node (scripts/mathjax.mjs, the npm package mathjax-full): each formula is an inline
SVG, which needs no font, no script and no network, in a browser as in the printed PDF. Code
cells and outputs are left alone: `$` is common in Go code and program output.

    import offline_html
    page = offline_html.export(nb, name="00-welcome")              # -> str, the whole page
    offline_html.check_tools()          # raises OfflineHTMLError naming the fix when node or
                                        # mathjax-full is missing

    python scripts/offline_html.py NOTEBOOK.ipynb [OUT.html]   # exports with the saved outputs,
                                                               # runs nothing

A formula with a TeX error is shown in red, as MathJax shows it, and reported (to the caller's
problems list, else on stderr). A page that would still load something from the network (a
markdown image from the web: the page shows it only online) is reported too; remote scripts and
stylesheets are removed.
"""
from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

ROOT = pathlib.Path(__file__).resolve().parents[1]
MATHJAX_SCRIPT = ROOT / "scripts" / "mathjax.mjs"
MATHJAX_PACKAGE = ROOT / "node_modules" / "mathjax-full" / "package.json"

# nbconvert's JupyterLab template without what it loads from the network: require.js (for
# ipywidgets and AMD outputs; the charts need none), the Jupyter widgets manager, MathJax 2 (the
# formulas are typeset already) and mermaid.js.
TEMPLATE_NAME = "godl-offline.html.j2"
TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""

# Text that MathJax reads as the start of a formula (the delimiters nbconvert configured for
# MathJax 2, environments, references): fragments without any are not sent to node.
MATH_HINT = re.compile(r"\$|\\\(|\\\[|\\begin\{|\\(?:eq)?ref\{")

# Attributes that make a browser fetch their URL when the page is shown (links, <a href>, are
# only followed on a click).
FETCHED = {"src", "srcset", "poster", "data", "background"}
REMOTE_URL = re.compile(r"^\s*(?:https?:)?//", re.I)


class OfflineHTMLError(Exception):
    """A page cannot be written self-contained: what is missing and the command that fixes it."""


def check_tools() -> str:
    """Returns the path of node; raises OfflineHTMLError when node or mathjax-full is missing."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise OfflineHTMLError("node (Node.js) is not installed: it typesets the formulas of the HTML "
                               "and PDF exports: run `make setup` (it needs npm: apt-get install npm)")
    if not MATHJAX_PACKAGE.is_file():
        raise OfflineHTMLError(f"the npm package mathjax-full is not installed ({MATHJAX_PACKAGE.parent} "
                               "is missing): it typesets the formulas of the HTML and PDF exports: "
                               "run `make setup` (or `npm ci`) in the course repository")
    return node


def exporter(config=None):
    """nbconvert's HTMLExporter (JupyterLab template) with the offline template."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    cfg = Config()
    if config is not None:
        cfg.merge(config)
    cfg.HTMLExporter.template_file = TEMPLATE_NAME
    return HTMLExporter(config=cfg, extra_loaders=[DictLoader({TEMPLATE_NAME: TEMPLATE})])


def export(nb, name: str | None = None, config=None, label: str | None = None,
           problems: list[str] | None = None) -> str:
    """The notebook as one self-contained HTML page (nbconvert's JupyterLab template, the
    formulas of the markdown cells typeset as SVG). config: a traitlets Config for nbconvert
    (display priorities, ...). What the page's author should hear of (TeX errors, pictures loaded
    from the web) is appended to problems when given, else printed on stderr, led by label."""
    node = check_tools()
    resources = {"metadata": {"name": name}} if name else None
    page, _ = exporter(config).from_notebook_node(nb, resources=resources)
    return make_offline(page, label or name or "notebook", node=node, problems=problems)


def make_offline(page: str, label: str = "page", node: str | None = None,
                 problems: list[str] | None = None) -> str:
    """Removes the remote scripts and stylesheets of an nbconvert page and typesets the formulas
    of its markdown cells. What would still be fetched from the network and the TeX errors are
    appended to problems, or printed on stderr when problems is None."""
    def report(msg: str) -> None:
        if problems is None:
            print(f"offline_html: {label}: {msg}", file=sys.stderr)
        else:
            problems.append(msg)

    scan = _Scan(page)
    if scan.remote_code:
        for start, end in reversed(scan.remote_code):
            page = page[:start] + page[end:]
        scan = _Scan(page)
    for tag, url in scan.remote_other:
        report(f"<{tag}> loads {url[:120]} from the network: the page shows it only online")
    spans = [(s, e) for s, e in scan.markdown if MATH_HINT.search(page, s, e)]
    if not spans:
        return page
    reply = typeset([page[s:e] for s, e in spans], node=node)
    for err in reply["errors"]:
        report(f"TeX error in a markdown cell, shown in red: {err['message']}: {err['tex'][:200]!r}")
    for (start, end), fragment in reversed(list(zip(spans, reply["fragments"]))):
        page = page[:start] + fragment + page[end:]
    if reply["count"]:
        page = page.replace("</head>", reply["styles"] + "\n</head>", 1)
        body = re.search(r"<body\b[^>]*>", page)
        at = body.end() if body else 0
        page = page[:at] + "\n" + reply["defs"] + page[at:]
    return page


def typeset(fragments: list[str], node: str | None = None) -> dict:
    """Runs scripts/mathjax.mjs on the HTML fragments; returns its reply (see that file)."""
    node = node or check_tools()
    try:
        p = subprocess.run([node, str(MATHJAX_SCRIPT)], input=json.dumps({"fragments": fragments}),
                           capture_output=True, text=True, encoding="utf-8", timeout=600)
    except subprocess.TimeoutExpired:
        raise OfflineHTMLError(f"{MATHJAX_SCRIPT.name} did not typeset the formulas within 600 s")
    if p.returncode != 0:
        msg = p.stderr.strip() or f"exit status {p.returncode}"
        if p.returncode == 3:
            raise OfflineHTMLError(msg.removeprefix("mathjax.mjs: "))
        raise OfflineHTMLError(f"typesetting the formulas failed (node {MATHJAX_SCRIPT.name}): {msg}")
    reply = json.loads(p.stdout)
    if len(reply["fragments"]) != len(fragments):
        raise OfflineHTMLError(f"{MATHJAX_SCRIPT.name} returned {len(reply['fragments'])} fragments for {len(fragments)}")
    return reply


def remote_references(page: str) -> list[str]:
    """What the page would fetch from the network when shown: '<tag attr=URL>' strings."""
    scan = _Scan(page)
    return [f"<{t} {u}>" for t, u in scan.remote_code_urls + scan.remote_other]


class _Scan(HTMLParser):
    """One pass over an nbconvert page: the content of each markdown cell's rendered markdown
    (character offsets), and the elements that load a URL from the network."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=False)
        self.markdown: list[tuple[int, int]] = []     # (start, end) of each markdown cell's HTML
        self.remote_code: list[tuple[int, int]] = []  # remote <script src> / <link href> elements
        self.remote_code_urls: list[tuple[str, str]] = []
        self.remote_other: list[tuple[str, str]] = []  # (tag, URL) of other remote fetches
        self._lines = [0]
        for m in re.finditer("\n", page):
            self._lines.append(m.end())
        self._depth = 0
        self._cell = None      # div depth of the markdown cell we are in
        self._md = None        # (div depth, start offset) of its rendered markdown
        self._script = None    # start offset of a remote <script src>, until its </script>
        self.feed(page)
        self.close()

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._lines[line - 1] + col

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "script" and REMOTE_URL.match(a.get("src", "")):
            self._script = self._offset()
            self.remote_code_urls.append((tag, a["src"]))
        elif tag == "link" and REMOTE_URL.match(a.get("href", "")):
            start = self._offset()
            self.remote_code.append((start, start + len(self.get_starttag_text())))
            self.remote_code_urls.append((tag, a["href"]))
        else:
            for k in FETCHED & a.keys():
                urls = [u.strip().split(" ")[0] for u in a[k].split(",")] if k == "srcset" else [a[k]]
                self.remote_other.extend((tag, u) for u in urls if REMOTE_URL.match(u))
        if tag != "div":
            return
        self._depth += 1
        classes = a.get("class", "").split()
        if self._cell is None and "jp-MarkdownCell" in classes:
            self._cell = self._depth
        elif self._cell is not None and self._md is None and "jp-RenderedMarkdown" in classes:
            self._md = (self._depth, self._offset() + len(self.get_starttag_text()))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("div", "script"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.remote_code.append((self._script, self._offset() + len("</script>")))
            self._script = None
        if tag != "div" or self._depth == 0:
            return
        if self._md is not None and self._md[0] == self._depth:
            self.markdown.append((self._md[1], self._offset()))
            self._md = None
        if self._cell == self._depth:
            self._cell = None
        self._depth -= 1


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os

    import nbformat

    ap = argparse.ArgumentParser(description="Exports a notebook, with the outputs saved in it (it runs "
                                 "nothing), to a self-contained HTML page: formulas typeset, nothing "
                                 "loaded from the network.")
    ap.add_argument("notebook")
    ap.add_argument("out", nargs="?", help="the page to write (default: NOTEBOOK with .html)")
    args = ap.parse_args(argv)
    src = pathlib.Path(args.notebook)
    out = pathlib.Path(args.out) if args.out else src.with_suffix(".html")
    try:
        page = export(nbformat.read(src, as_version=4), name=src.stem, label=str(src))
    except OfflineHTMLError as e:
        print(f"offline_html: {e}", file=sys.stderr)
        return 2
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    print(f"offline_html: wrote {out} ({len(page.encode()) / 1e3:.0f} kB, "
          f"{page.count('<mjx-container')} formulas)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
