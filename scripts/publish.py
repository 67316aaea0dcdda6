#!/usr/bin/env python3
"""The course as web pages for the students (`make publish`): each notebook executed headless in
the "Go (Deep Learning)" kernel, as committed (exercises unfilled, no solutions), and exported as
one self-contained HTML page, plus build/publish/index.html linking every chapter.

The pages need no kernel and no network: the executed outputs are in the page, the charts are
echarts charts drawn from the option each output carries (the demos' frames play with ◀ ▶),
over their static PNG, with the course's echarts bundle inlined once per page; the formulas
are typeset as SVG (scripts/offline_html.py).

The notebooks run through the runner of `make test` (scripts/run_notebooks.py --no-solutions
--out build/publish), which writes next to each page the executed .ipynb (linked from the index
too) and fails a notebook whose cells fail. Full size by default (DLNB_SMOKE removed from the
environment: the pages show the real results; the models kept by nn.Memo are reloaded from the
models folder: `make warm-models` trains them ahead); --smoke runs with DLNB_SMOKE=1 (small data,
to check the pages quickly), with the models in build/models-publish-smoke unless $GODL_MODELS is
set, so that the full-size models of the lab are not replaced by small ones.

    python scripts/publish.py [--out build/publish] [--smoke] [--timeout SECONDS] [PATH...]
    python scripts/publish.py --index-only [--out build/publish]

PATH: notebooks, or folders whose *.ipynb are taken (not their subfolders); default: the course's
chapters, notebooks/NN-*.ipynb. A notebook under notebooks/ keeps its folder in the output
(notebooks/projects/gtsrb.ipynb gives build/publish/projects/gtsrb.html); others go to the top.
Publishing some notebooks keeps the pages published before: the index lists every page in the
output folder (what each run did is kept in publish.json there).
"""
from __future__ import annotations

import argparse
import datetime
import html
import json
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
RUNNER = ROOT / "scripts" / "run_notebooks.py"
MANIFEST = "publish.json"
RESULT = re.compile(r"^(ok|FAIL)\s+(\S+\.ipynb) \(([\d.]+)s\)")


def find(paths: list[str]) -> list[pathlib.Path]:
    found: list[pathlib.Path] = []
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            found.extend(sorted(p.glob("*.ipynb")))
        elif p.suffix == ".ipynb" and p.is_file():
            found.append(p)
        else:
            raise SystemExit(f"publish: {p} is neither a notebook nor a folder")
    return found


def out_folder(nb: pathlib.Path, out: pathlib.Path) -> pathlib.Path:
    """Where nb's page goes: its folder under notebooks/ mirrored in out, else out itself."""
    try:
        return out / nb.resolve().parent.relative_to(NOTEBOOKS.resolve())
    except ValueError:
        return out


def title(nb) -> str:
    """The text of the notebook's first markdown heading, without markup."""
    for c in nb.cells:
        if c.cell_type != "markdown":
            continue
        for line in c.source.splitlines():
            m = re.match(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", line)
            if m:
                t = re.sub(r"`([^`]*)`", r"\1", m.group(1))
                t = re.sub(r"(\*\*|__|\*|_)(.+?)\1", r"\2", t)
                t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", t)
                return t.replace("$", "")
    return ""


def run(notebooks: list[pathlib.Path], out: pathlib.Path, args) -> tuple[int, dict[str, dict]]:
    """Executes the notebooks (one runner per output folder); returns the runner's worst exit
    status and, per page (path relative to out), what the run said."""
    groups: dict[pathlib.Path, list[pathlib.Path]] = {}
    for nb in notebooks:
        groups.setdefault(out_folder(nb, out), []).append(nb)
    status, results = 0, {}
    for folder, nbs in groups.items():
        cmd = [sys.executable, str(RUNNER), "--no-solutions", "--out", str(folder)]
        timeout = args.timeout or (None if args.smoke or "DLNB_CELL_TIMEOUT" in os.environ else 7200)
        if timeout:
            cmd += ["--timeout", str(timeout)]
        p = subprocess.Popen(cmd + [str(n) for n in nbs], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, bufsize=1)
        assert p.stdout is not None
        for line in p.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            m = RESULT.match(line)
            if m:
                page = (folder / m.group(2)).with_suffix(".html").relative_to(out).as_posix()
                results[page] = {"status": m.group(1), "seconds": float(m.group(3))}
        status = max(status, p.wait())
    return status, results


def write_index(out: pathlib.Path, results: dict[str, dict], mode: str) -> pathlib.Path:
    """Writes out/index.html: every page in out (an executed notebook's .html next to its
    .ipynb), by folder then name, with its chapter title; updates out/publish.json."""
    import nbformat

    manifest_path = out / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    for page, r in results.items():
        manifest[page] = dict(r, mode=mode, date=when)
    pages = []
    for executed in sorted(out.rglob("*.ipynb"), key=lambda q: (len(q.relative_to(out).parts), q.relative_to(out).as_posix())):
        page = executed.with_suffix(".html")
        rel = page.relative_to(out).as_posix()
        if not page.is_file() or executed.name.endswith(".solved.ipynb") or ".ipynb_checkpoints" in executed.parts:
            continue
        try:
            nb = nbformat.read(executed, as_version=4)
        except Exception:  # noqa: BLE001 - a damaged copy: listed by its name
            nb = nbformat.v4.new_notebook()
        info = manifest.get(rel, {})
        pages.append({"page": rel, "notebook": executed.relative_to(out).as_posix(),
                      "title": title(nb) or executed.stem, "name": executed.stem,
                      "folder": executed.parent.relative_to(out).as_posix(),
                      "kb": page.stat().st_size / 1e3, **info})
    manifest = {k: v for k, v in manifest.items() if any(p["page"] == k for p in pages)}
    tmp = manifest_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(manifest_path)

    rows, folder = [], None
    for p in pages:
        if p["folder"] != folder:
            folder = p["folder"]
            if folder != ".":
                rows.append(f'<tr><th colspan="4" class="folder">{html.escape(folder)}/</th></tr>')
        note = []
        if p.get("mode") == "smoke":
            note.append("smoke sizes")
        if p.get("status") == "FAIL":
            note.append('<span class="fail">a cell failed</span>')
        rows.append(
            f'<tr><td><a href="{html.escape(p["page"], quote=True)}">{html.escape(p["title"])}</a></td>'
            f'<td><code>{html.escape(p["name"])}</code> (<a href="{html.escape(p["notebook"], quote=True)}" download>.ipynb</a>)</td>'
            f'<td class="n">{p["kb"]:,.0f} kB</td>'
            f'<td>{html.escape(p.get("date", ""))}{" · " if note and p.get("date") else ""}{" · ".join(note)}</td></tr>')
    body = "\n".join(rows) or '<tr><td colspan="4">No page yet: run <code>make publish</code>.</td></tr>'
    index = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Deep learning in Go: the course notebooks</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ padding: .35rem .6rem; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }}
th.folder {{ padding-top: 1.2rem; }}
td.n {{ text-align: right; white-space: nowrap; }}
.fail {{ color: #b00; }}
</style></head>
<body>
<h1>Deep learning in Go: the course notebooks</h1>
<p>Each chapter as it runs: the code, its outputs, the charts (drag, zoom, and step through the
demonstrations with ◀ ▶ or play) and the formulas, with nothing to install. To run and change
the code, open the notebook in JupyterLab with the course's kernel.</p>
<table>
<thead><tr><th>chapter</th><th>notebook</th><th>page</th><th>executed</th></tr></thead>
<tbody>
{body}
</tbody></table>
</body></html>
"""
    path = out / "index.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(index, encoding="utf-8")
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--out", default=str(ROOT / "build" / "publish"))
    ap.add_argument("--smoke", action="store_true", help="small sizes (DLNB_SMOKE=1), models kept apart")
    ap.add_argument("--timeout", type=int, help="seconds per cell (default: $DLNB_CELL_TIMEOUT, else 7200 at full size, where a "
                    "model not warmed trains in its cell, and 600 with --smoke)")
    ap.add_argument("--index-only", action="store_true", help="only write index.html from the pages in --out")
    args = ap.parse_args(argv)

    out = pathlib.Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    status, results = 0, {}
    mode = "smoke" if args.smoke else "full"
    if not args.index_only:
        notebooks = find(args.paths) if args.paths else sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
        if not notebooks:
            print("publish: no notebooks in", " ".join(args.paths) or str(NOTEBOOKS), file=sys.stderr)
            return 1
        if args.smoke:
            os.environ["DLNB_SMOKE"] = "1"
            os.environ.setdefault("GODL_MODELS", str(ROOT / "build" / "models-publish-smoke"))
        else:
            os.environ.pop("DLNB_SMOKE", None)
        print(f"publish: {len(notebooks)} notebook{'s' if len(notebooks) != 1 else ''} at {'smoke sizes' if args.smoke else 'full size'} into {out}",
              flush=True)
        status, results = run(notebooks, out, args)
    index = write_index(out, results, mode)
    n = len(re.findall(r"<tr><td><a href=", index.read_text(encoding="utf-8")))
    print(f"publish: {index} links {n} page{'s' if n != 1 else ''}"
          + ("; some notebooks failed (above): their pages show the failing cells" if status else ""))
    return status


if __name__ == "__main__":
    sys.exit(main())
