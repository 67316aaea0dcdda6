"""`make warm-models` (scripts/warm_models.py): it finds every nn.Memo of the notebooks, runs the
notebooks that have one at full size in the real kernel, and tells per memo whether it trained
or reloaded the model, and how long it took."""
from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "warm_models.py"


def run(*args, env=None):
    p = subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                       cwd=ROOT, env=env, timeout=600)
    return p.returncode, p.stdout + p.stderr


def code_without_comments(source: str) -> str:
    return "\n".join(re.sub(r"(^|\s)//.*$", "", line) for line in source.splitlines())


def test_list_matches_a_grep_of_the_notebooks():
    code, out = run("--list", "--json")
    assert code == 0, out
    listed = json.loads(out)
    by_notebook: dict[str, list[str]] = {}
    for r in listed["memos"]:
        by_notebook.setdefault(r["notebook"], []).append(r["memo"])
    sites, literal, prefixes = {}, {}, {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for c in nb.cells:
            if c.cell_type != "code":
                continue
            src = code_without_comments(c.source)
            n = len(re.findall(r"\.\s*Memo\s*\(", src))
            if n:
                sites[path.stem] = sites.get(path.stem, 0) + n
            literal.setdefault(path.stem, set()).update(re.findall(r'\.\s*Memo\s*\(\s*"([^"]+)"\s*[,)]', src))
            prefixes.setdefault(path.stem, set()).update(
                re.findall(r'\.\s*Memo\s*\(\s*(?:"([^"]+)"\s*\+|fmt\.Sprintf\(\s*"([^"%]+))', src))
    assert sites, "no Memo found in notebooks/*.ipynb"
    # The same notebooks, the same number of calls in each.
    assert listed["call_sites"] == sites
    assert set(by_notebook) == set(sites)
    for stem in sites:
        # A name written in the call is listed as it is ...
        for name in literal[stem]:
            assert name in by_notebook[stem], (stem, name, by_notebook[stem])
        # ... a computed one keeps its written start (a pattern with *, or the names found where
        # the function holding the call is called).
        for a, b in prefixes[stem]:
            start = a or b
            assert any(m.startswith(start) and len(m) > len(start) for m in by_notebook[stem]), \
                (stem, start, by_notebook[stem])
    # The readable form lists the same rows.
    code, text = run("--list")
    assert code == 0, text
    rows = re.findall(r"^\| (\S+)\s+\| (\S+)\s+\|", text, flags=re.M)
    assert rows[1:] == [(r["notebook"], r["memo"]) for r in listed["memos"]], text


TRAIN_TINY = """// trainTiny trains (once) a tiny MLP on two spirals, kept by Memo under name.
func trainTiny(name string) *nn.History {
	d := datasets.Spiral(20, 2, 0.1, 1)
	m := nn.Sequential(nn.Dense(4), nn.ReLU(), nn.Dense(2))
	return nb.Must(m.Fit(d).Epochs(2).Progress(false).Memo(name))
}"""

# The name says whether the cell saw DLNB_SMOKE: warm_models runs at full size.
DIRECT_MEMO = """%%
m := nn.Sequential(nn.Dense(2))
d := datasets.Spiral(10, 2, 0.1, 1)
nb.Must(nn.Memo(fmt.Sprintf("tiny-direct-smoke%d", len(os.Getenv("DLNB_SMOKE"))), m, func() (*nn.History, error) {
	return m.Fit(d).Epochs(1).Progress(false).Done()
}))"""


def notebook(path: pathlib.Path, *cells: str) -> pathlib.Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "go-dl", "display_name": "Go (Deep Learning)", "language": "go"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A tiny chapter")] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def table_rows(out: str) -> dict[str, tuple[str, float, str]]:
    """The final table: memo -> (notebook, seconds, status)."""
    rows = re.findall(r"^\| (\S+)\s+\| (.+?)\s+\|\s+([\d.]+) \| (.+?)\s+\|$", out, flags=re.M)
    return {memo: (nb, float(secs), status) for nb, memo, secs, status in rows}


def test_tiny_notebook_trains_then_reloads(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    notebook(nbs / "99-tiny.ipynb", TRAIN_TINY, '%%\ntrainTiny("tiny-fit")', DIRECT_MEMO)
    # Not run with --only 99: it would fail.
    notebook(nbs / "50-skipped.ipynb", '%%\nnb.Must(nn.Sequential(nn.Dense(2)).Fit(nil).Memo("never"))\npanic("ran")')
    notebook(nbs / "60-no-memo.ipynb", '%%\nfmt.Println("no model here")')
    models = tmp_path / "models"
    env = dict(os.environ, GODL_MODELS=str(models), DLNB_SMOKE="1")

    code, out = run("--list", "--only", "99", nbs, env=env)
    assert code == 0, out
    assert re.search(r"^\| 99-tiny\s+\| tiny-fit\s+\|\s+1 \| -", out, flags=re.M), out
    assert re.search(r"^\| 99-tiny\s+\| tiny-direct-smoke\*\s+\|", out, flags=re.M), out
    assert "50-skipped" not in out and "60-no-memo" not in out

    code, out = run("--only", "99", "--only", "60", nbs, env=env)
    assert code == 0, out
    rows = table_rows(out)
    assert rows["tiny-fit"][0] == "99-tiny" and rows["tiny-fit"][2] == "trained", out
    assert rows["tiny-direct-smoke0"][2] == "trained", out          # full size: DLNB_SMOKE removed
    assert rows["(whole notebook)"][2] == "ok", out
    assert 0 < rows["tiny-fit"][1] <= rows["(whole notebook)"][1], out
    assert "60-no-memo" not in out and "50-skipped" not in out and "never" not in out
    assert "2 trained, 0 already cached" in out
    assert (models / "tiny-fit").is_dir() and (models / "tiny-direct-smoke0").is_dir()

    code, out = run("--only", "99", nbs, env=env)
    assert code == 0, out
    rows = table_rows(out)
    assert rows["tiny-fit"][2] == "already cached" and rows["tiny-direct-smoke0"][2] == "already cached", out
    assert "0 trained, 2 already cached" in out

    # The list now finds them in the models folder.
    code, out = run("--list", "--only", "99", nbs, env=env)
    assert re.search(r"^\| 99-tiny\s+\| tiny-fit\s+\|\s+1 \| tiny-fit", out, flags=re.M), out
    assert re.search(r"^\| 99-tiny\s+\| tiny-direct-smoke\*\s+\|\s+1 \| tiny-direct-smoke0", out, flags=re.M), out


def test_a_failing_notebook_is_reported_after_the_table(tmp_path):
    notebook(tmp_path / "98-broken.ipynb", TRAIN_TINY, '%%\ntrainTiny("tiny-broken")\npanic("after the training")')
    env = dict(os.environ, GODL_MODELS=str(tmp_path / "models"))
    code, out = run(tmp_path, env=env)
    assert code == 1, out
    rows = table_rows(out)
    assert rows["tiny-broken"][2] == "trained" and rows["(whole notebook)"][2] == "FAIL", out
    assert out.index("(whole notebook)") < out.index("FAIL 98-broken") and "after the training" in out
