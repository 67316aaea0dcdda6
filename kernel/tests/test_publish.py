"""`make publish` (scripts/publish.py): executed notebooks as self-contained web pages whose charts
work with no kernel and no network, and an index that links every chapter by its title."""
from __future__ import annotations

import base64
import json
import os
import pathlib
import re
import subprocess
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "publish.py"
sys.path.insert(0, str(ROOT / "scripts"))
import offline_html  # noqa: E402

# What a browser would fetch from the network (as in test_offline_html.py), and any http(s) URL
# in a src or href attribute at all.
REMOTE = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//"""
                    r"""|\bimport\(\s*["']https?://|url\(\s*["']?https?://|@import\s+["']?(?:url\()?["']?https?://""",
                    re.I)
HTTP_ATTR = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def notebook(path: pathlib.Path, *cells) -> pathlib.Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "go-dl", "display_name": "Go (Deep Learning)", "language": "go"}
    nb.cells = [nbformat.v4.new_markdown_cell(c[3:]) if c.startswith("md:") else nbformat.v4.new_code_cell(c)
                for c in cells]
    nbformat.write(nb, path)
    return path


def test_publish_a_chapter_with_a_chart(tmp_path):
    src = notebook(tmp_path / "07-tiny-chart.ipynb",
                   "md:Some words before the title.\n\n## 7. A *tiny* `chart`\n\nThe function $\\tanh$.",
                   '%%\nviz.Func(math.Tanh, -2, 2, viz.Title("tanh on [-2, 2]"))')
    out = tmp_path / "site"
    env = dict(os.environ, GODL_MODELS=str(tmp_path / "models"))
    p = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--out", str(out), str(src)],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "ok   07-tiny-chart.ipynb" in p.stdout

    page = (out / "07-tiny-chart.html").read_text(encoding="utf-8")
    assert (out / "07-tiny-chart.ipynb").is_file()                 # the executed notebook, for download
    # The chart's echarts option, complete, in the page ...
    m = re.search(r"option = (\{.*?\});\nvar script", page, flags=re.S)
    assert m, "no chart option in the page"
    option = json.loads(m.group(1))
    assert option["series"] and option["series"][0]["type"] == "line"
    assert "tanh on [-2, 2]" in json.dumps(option, ensure_ascii=False)
    # ... over its static picture, a PNG that decodes ...
    png = re.search(r'<div data-godl-chart="[^"]+"[^>]*><img [^>]*\bsrc="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert png, "no static PNG in the chart"
    assert base64.b64decode(png.group(1)).startswith(b"\x89PNG\r\n\x1a\n")
    # ... with the echarts library in the page itself, and nothing from the network.
    assert "__godlEcharts" in page and "DecompressionStream" in page
    assert not REMOTE.findall(page), REMOTE.findall(page)[:3]
    assert not HTTP_ATTR.findall(page), HTTP_ATTR.findall(page)[:3]
    assert offline_html.remote_references(page) == []
    assert "<mjx-container" in page                                 # the formula is typeset

    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="07-tiny-chart.html">7. A tiny chart</a>' in index, index
    assert 'href="07-tiny-chart.ipynb"' in index and "smoke sizes" in index
    assert not HTTP_ATTR.findall(index) and not REMOTE.findall(index)
    manifest = json.loads((out / "publish.json").read_text())
    assert manifest["07-tiny-chart.html"]["status"] == "ok" and manifest["07-tiny-chart.html"]["mode"] == "smoke"

    # Pages published before stay in the index; a rebuilt index lists them in order of name.
    (out / "02-other.ipynb").write_text((out / "07-tiny-chart.ipynb").read_text())
    (out / "02-other.html").write_text("<html></html>")
    p = subprocess.run([sys.executable, str(SCRIPT), "--index-only", "--out", str(out)],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0 and "links 2 pages" in p.stdout, p.stdout + p.stderr
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.index('href="02-other.html"') < index.index('href="07-tiny-chart.html"')
    assert "smoke sizes" in index                                  # what the first run recorded is kept
