#!/usr/bin/env python3
"""Trains, ahead of a class, every model that the course notebooks keep with nn.Memo, at full size,
so that no demonstration waits for a training in front of the students (`make warm-models`).

Each notebook that calls Memo (`.Memo(name)` or `nn.Memo(name, ...)` in a code cell) is executed
headless, top to bottom, in the "Go (Deep Learning)" kernel, as committed, at full size
(DLNB_SMOKE is removed from the environment), through the runner of `make test`
(scripts/run_notebooks.py). The models go where the lab finds them: nn.ModelsDir(), that is
$GODL_MODELS if set, else the user's cache folder (~/.cache/godl/models). A model already saved
there with the same settings is reloaded by Memo, not trained again.

At the end a table gives, per notebook and per memo, the seconds it took and "trained" or
"already cached", then the notebook's whole time. Seconds of a trained memo: from the start of
its cell (or the save of the previous model in the same cell) to its save; of an already cached
one: the whole cell that reloaded it. Memo says on stdout when it reloads a model
(`nn.Memo "NAME": trained model reloaded from ...`); a model it trains is seen in the models
folder, whose versions change when a model is saved.

    python scripts/warm_models.py [--only NN]... [--list [--json]] [--solved]
                                  [--timeout SECONDS] [PATH...]

PATH: notebooks, or folders whose *.ipynb are taken (not their subfolders); default notebooks/.
--only NN keeps the notebooks whose name starts with NN (05, 05-cnn, ...), repeatable.
--list prints the Memo calls found in the notebooks (name, or a pattern with * where the name
is computed) and how many models matching each are in the models folder; it runs nothing.
--solved also runs the notebooks with exercises with their reference solutions in place (the
models a teacher's solved copy would reload).
A notebook that fails (a cell's error, as the runner of `make test` judges it) is reported after
the table, and the exit status is 1.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import pathlib
import re
import sys
import time
import warnings

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

RELOADED = re.compile(r'nn\.Memo "((?:[^"\\]|\\.)*)": trained model reloaded from ')
MEMO_CALL = re.compile(r"\.\s*Memo\s*\(")


# ---------------------------------------------------------------------------------------------
# Where the models are: nn.ModelsDir (nn/memo.go), the same rules.

def models_dir() -> pathlib.Path:
    """nn.ModelsDir(): $GODL_MODELS, else <user cache dir>/godl/models (Go's os.UserCacheDir),
    else <tmp>/godl-<uid>/models."""
    if d := os.environ.get("GODL_MODELS"):
        return pathlib.Path(d)
    if sys.platform == "darwin" and os.environ.get("HOME"):
        return pathlib.Path(os.environ["HOME"]) / "Library" / "Caches" / "godl" / "models"
    if sys.platform.startswith("win") and os.environ.get("LocalAppData"):
        return pathlib.Path(os.environ["LocalAppData"]) / "godl" / "models"
    if d := os.environ.get("XDG_CACHE_HOME"):
        return pathlib.Path(d) / "godl" / "models"
    if h := os.environ.get("HOME"):
        return pathlib.Path(h) / ".cache" / "godl" / "models"
    import tempfile
    return pathlib.Path(tempfile.gettempdir()) / f"godl-{os.getuid()}" / "models"


def snapshot(root: pathlib.Path) -> dict[str, tuple]:
    """For each saved model (a folder of root), what changes when Memo saves it again: the
    version named in its `current` file and that file's time (internal/atomicfile/versioned.go),
    or, for a folder of the old layout, its newest file."""
    out: dict[str, tuple] = {}
    try:
        entries = list(os.scandir(root))
    except OSError:
        return out
    for e in entries:
        if not e.is_dir() or e.name.startswith("."):
            continue
        cur = pathlib.Path(e.path) / "current"
        try:
            st = cur.stat()
            out[e.name] = ("current", cur.read_text().strip(), st.st_mtime_ns, st.st_mtime)
            continue
        except OSError:
            pass
        newest = 0.0
        for dirpath, dirnames, files in os.walk(e.path):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for f in files:
                if not f.startswith("."):
                    try:
                        newest = max(newest, os.stat(os.path.join(dirpath, f)).st_mtime)
                    except OSError:
                        pass
        if newest:
            out[e.name] = ("files", newest, newest, newest)
    return out


# ---------------------------------------------------------------------------------------------
# The Memo calls of a notebook, read from its code (for --list and to choose what to run).

def strip_comments(code: str) -> str:
    """Go code with its comments replaced by spaces (strings and runes kept): same offsets."""
    out = list(code)
    i, n = 0, len(code)
    while i < n:
        c = code[i]
        if c in "\"'":
            j = i + 1
            while j < n and code[j] != c and code[j] != "\n":
                j += 2 if code[j] == "\\" else 1
            i = j + 1
        elif c == "`":
            j = code.find("`", i + 1)
            i = n if j < 0 else j + 1
        elif code.startswith("//", i):
            j = code.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                out[k] = " "
            i = j
        elif code.startswith("/*", i):
            j = code.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
        else:
            i += 1
    return "".join(out)


def scan(code: str, start: int = 0):
    """Yields (offset, character, depth) for the characters of Go code from start that are
    outside string literals; depth counts the brackets open before the character."""
    depth, i, n = 0, start, len(code)
    while i < n:
        c = code[i]
        if c in "\"'":
            j = i + 1
            while j < n and code[j] != c:
                j += 2 if code[j] == "\\" else 1
            i = j + 1
            continue
        if c == "`":
            j = code.find("`", i + 1)
            i = n if j < 0 else j + 1
            continue
        if c in ")]}":
            depth -= 1
        yield i, c, depth
        if c in "([{":
            depth += 1
        i += 1


def split_args(code: str, start: int) -> tuple[list[str], int]:
    """The arguments of the call whose "(" is just before start (top-level commas), and the
    offset after its ")"."""
    for i, c, depth in scan(code, start):
        if depth < 0:  # the call's ")"
            args = split_top(code[start:i], ",")
            return ([] if args == [""] else args), i + 1
    args = split_top(code[start:], ",")
    return ([] if args == [""] else args), len(code)


def split_top(expr: str, sep: str) -> list[str]:
    """expr split at the top-level occurrences of the one-character sep."""
    parts, cur = [], 0
    for i, c, depth in scan(expr):
        if c == sep and depth == 0:
            parts.append(expr[cur:i].strip())
            cur = i + 1
    parts.append(expr[cur:].strip())
    return parts


def go_string(lit: str) -> str | None:
    """The value of a Go string literal, or None when lit is not one."""
    if len(lit) >= 2 and lit[0] == lit[-1] == "`":
        return lit[1:-1]
    if len(lit) >= 2 and lit[0] == lit[-1] == '"':
        try:
            return json.loads(lit)
        except ValueError:
            return lit[1:-1]
    return None


class Cell:
    def __init__(self, index: int, source: str):
        self.index = index
        self.code = strip_comments(source)


FUNC = re.compile(r"^func\s+(\w+)\s*\(", re.M)


def enclosing_func(cell: Cell, pos: int) -> tuple[str, list[str], int, int] | None:
    """The top-level func of cell around pos: its name, parameter names, body start and end."""
    best = None
    for m in FUNC.finditer(cell.code, 0, pos):
        params, after = split_args(cell.code, m.end())
        body = cell.code.find("{", after)
        if body < 0 or body > pos:
            continue
        depth, i = 0, body
        while i < len(cell.code):
            if cell.code[i] == "{":
                depth += 1
            elif cell.code[i] == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        if pos < i:
            names: list[str] = []
            for p in params:  # "name string", "train, val *T" is "train" + "val *T"
                names.append(p.split()[0] if p.split() else "")
            best = (m.group(1), names, body, i)
    return best


def render(expr: str, cell: Cell, pos: int, cells: list[Cell], depth: int = 0) -> list[str]:
    """The memo names expr can take, as patterns: literal parts kept, unknown parts as *."""
    expr = expr.strip()
    if depth > 4 or not expr:
        return ["*"]
    parts = split_top(expr, "+")
    if len(parts) > 1:
        outs = [""]
        for p in parts:
            alts = render(p, cell, pos, cells, depth + 1)
            outs = [o + a for o in outs for a in alts][:16]
        return sorted({re.sub(r"\*+", "*", o) for o in outs})
    if (s := go_string(expr)) is not None:
        return [s]
    m = re.fullmatch(r"fmt\s*\.\s*Sprintf\s*\((.*)\)", expr, re.S)
    if m:
        args = split_top(m.group(1), ",")
        if args and (f := go_string(args[0])) is not None:
            f = re.sub(r"%[-+# 0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[vTtbcdoOqxXUeEfFgGsp]", "*", f)
            return [re.sub(r"\*+", "*", f.replace("%%", "%"))]
        return ["*"]
    if re.fullmatch(r"\w+", expr):
        return resolve_ident(expr, cell, pos, cells, depth)
    return ["*"]


def resolve_ident(name: str, cell: Cell, pos: int, cells: list[Cell], depth: int) -> list[str]:
    """The values of the variable name at pos: its assignments before pos in the enclosing
    func (or cell), else, for a parameter, the arguments of the func's calls in the notebook."""
    fn = enclosing_func(cell, pos)
    lo = fn[2] if fn else 0
    scope = cell.code[lo:pos]
    alts: list[str] = []
    for m in re.finditer(r"(?:^|[\s;{(])((?:\w+\s*,\s*)*\w+)\s*(:=|=|\+=)(?!=)", scope):
        lhs = [x.strip() for x in m.group(1).split(",")]
        if name not in lhs:
            continue
        line_end = scope.find("\n", m.end())
        rhs = scope[m.end():len(scope) if line_end < 0 else line_end].strip()
        if rhs.startswith("range "):
            continue
        values = split_top(rhs, ",") if len(lhs) > 1 else [rhs]
        if len(values) != len(lhs):
            continue
        value = values[lhs.index(name)]
        got = render(value, cell, lo + m.start(), cells, depth + 1)
        if m.group(2) == "+=":
            alts = alts + [a + g for a in alts for g in got]
        elif m.group(2) == ":=" or not alts:
            alts = got
        else:
            alts = alts + got
    if alts:
        return sorted({re.sub(r"\*+", "*", a) for a in alts})
    if fn and name in fn[1]:
        k = fn[1].index(name)
        found: set[str] = set()
        call = re.compile(r"(?<![\w.])" + re.escape(fn[0]) + r"\s*\(")
        for c in cells:
            for m in call.finditer(c.code):
                if re.search(r"func\s+$", c.code[max(0, m.start() - 10):m.start()]):
                    continue
                args, _ = split_args(c.code, m.end())
                if k < len(args):
                    found.update(render(args[k], c, m.start(), cells, depth + 1))
        if found:
            return sorted(found)
    return ["*"]


def memo_calls(nb) -> list[tuple[int, str, list[str]]]:
    """The Memo calls of a notebook's code cells: (cell index, the name as written, the names
    it takes as patterns)."""
    cells = [Cell(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    calls = []
    for cell in cells:
        for m in MEMO_CALL.finditer(cell.code):
            args, _ = split_args(cell.code, m.end())
            if not args or not args[0]:
                continue
            pats = render(args[0], cell, m.start(), cells)
            # A pattern that one of the call's own known names matches stands for the same
            # models (an argument passed on from elsewhere): the known names say more.
            known = [p for p in pats if "*" not in p]
            pats = [p for p in pats if "*" not in p or not any(fnmatch.fnmatchcase(k, p) for k in known)]
            calls.append((cell.index, args[0], pats))
    return calls


def memo_patterns(nb) -> list[tuple[str, int]]:
    """The memo names (patterns) of a notebook, in order of first appearance, with the number
    of calls that can give each."""
    seen: dict[str, int] = {}
    for _, _, pats in memo_calls(nb):
        for p in pats:
            seen[p] = seen.get(p, 0) + 1
    return list(seen.items())


# ---------------------------------------------------------------------------------------------

def find(paths: list[str], only: list[str]) -> list[pathlib.Path]:
    found: list[pathlib.Path] = []
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            found.extend(sorted(q for q in p.glob("*.ipynb")))
        elif p.suffix == ".ipynb" and p.is_file():
            found.append(p)
        else:
            raise SystemExit(f"warm_models: {p} is neither a notebook nor a folder")
    if only:
        found = [p for p in found if any(p.name.startswith(o) for o in only)]
        if not found:
            raise SystemExit(f"warm_models: no notebook named {' or '.join(o + '*' for o in only)} in {' '.join(paths)}")
    return found


def table(rows: list[list[str]], head: list[str], right: set[int]) -> str:
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]

    def fmt(r):
        return "| " + " | ".join(str(v).rjust(w) if i in right else str(v).ljust(w)
                                 for i, (v, w) in enumerate(zip(r, widths))) + " |"
    sep = "|" + "|".join(("-" * (w + 1) + ":") if i in right else "-" * (w + 2)
                         for i, w in enumerate(widths)) + "|"
    return "\n".join([fmt(head), sep] + [fmt(r) for r in rows])


def list_memos(notebooks, root: pathlib.Path, as_json: bool) -> int:
    import nbformat

    saved = sorted(snapshot(root))
    records, sites = [], {}
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        if n := len(memo_calls(nb)):
            sites[path.stem] = n
        for pat, calls in memo_patterns(nb):
            match = [s for s in saved if fnmatch.fnmatchcase(s, pat)]
            records.append({"notebook": path.stem, "memo": pat, "calls": calls, "saved": match})
    if as_json:
        print(json.dumps({"models_dir": str(root), "call_sites": sites, "memos": records}, indent=1))
        return 0
    print(f"Memo calls in the notebooks (* where the name is computed); models folder: {root}")
    def saved_text(names):
        if not names:
            return "-"
        return ", ".join(names) if len(names) <= 3 else f"{len(names)}: {', '.join(names[:2])}, ..."
    rows = [[r["notebook"], r["memo"], r["calls"], saved_text(r["saved"])] for r in records]
    print(table(rows, ["notebook", "memo", "calls", "saved in the models folder"], {2}))
    n = len({r["notebook"] for r in records})
    print(f"{n} notebook{'s' if n != 1 else ''}, {len(records)} memo names or patterns")
    return 0


def warm(path: pathlib.Path, nb, label: str, root: pathlib.Path, args) -> tuple[list[list], float, list[str]]:
    """Runs nb (read from path); returns the table rows of its memos, its seconds and its
    failures."""
    import run_notebooks

    state = {"snap": snapshot(root), "start": 0.0, "wall": 0.0}
    rows: dict[str, list] = {}

    def on_cell_execute(cell, cell_index, **_):
        state["start"], state["wall"] = time.monotonic(), time.time()

    def on_cell_executed(cell, cell_index, **_):
        secs = time.monotonic() - state["start"]
        now = snapshot(root)
        changed = {k: v for k, v in now.items() if state["snap"].get(k) != v}
        state["snap"] = now
        done = []
        prev = state["wall"]  # the saves of one cell, in order: each from the previous one
        for name, sig in sorted(changed.items(), key=lambda kv: kv[1][3]):
            if name not in rows or rows[name][3] != "trained":
                rows[name] = [label, name, max(0.0, min(sig[3], time.time()) - prev), "trained"]
                done.append(rows[name])
            prev = max(prev, sig[3])
        text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
        for name in RELOADED.findall(text):
            if name not in rows:
                rows[name] = [label, name, secs, "already cached"]
                done.append(rows[name])
        for r in done:
            print(f"    {r[1]}: {r[3]} ({r[2]:.1f}s)", flush=True)
        if args.verbose:
            print(f"    cell {cell_index}: {secs:.1f}s", flush=True)

    problems: list[str] = []
    start = time.monotonic()
    try:
        run_notebooks.run_client(nb, kernel_name=args.kernel, timeout=args.timeout, allow_errors=True,
                                 resources={"metadata": {"path": str(path.parent.resolve())}},
                                 on_cell_execute=on_cell_execute, on_cell_executed=on_cell_executed)
    except Exception as e:  # noqa: BLE001 - a timeout, a dead kernel: reported with the rest
        problems.append(f"{type(e).__name__}: {(str(e).splitlines() or [''])[0]}")
        now = snapshot(root)  # what the interrupted cell saved before it stopped
        changed = {k: v for k, v in now.items() if state["snap"].get(k) != v}
        for name in changed:
            rows.setdefault(name, [label, name, 0.0, "trained"])
    elapsed = time.monotonic() - start
    problems += run_notebooks.cell_failures(nb.cells)
    return list(rows.values()), elapsed, problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", default=[str(ROOT / "notebooks")])
    ap.add_argument("--only", action="append", default=[], metavar="NN",
                    help="only the notebooks whose name starts with NN (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the Memo calls found; run nothing")
    ap.add_argument("--json", action="store_true", help="with --list: print JSON")
    ap.add_argument("--solved", action="store_true",
                    help="also run the notebooks with exercises with their reference solutions")
    ap.add_argument("--solutions", help="with --solved: the folder of reference solutions (default: solutions/)")
    ap.add_argument("--kernel", default=os.environ.get("DLNB_KERNEL", "go-dl"))
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("DLNB_CELL_TIMEOUT", "7200")),
                    help="seconds per cell (default 7200: full-size training; or $DLNB_CELL_TIMEOUT)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each cell's seconds as it ends")
    args = ap.parse_args(argv)

    import nbformat

    # Notebooks written by hand or by older tools lack cell ids: nbformat adds them (not saved).
    warnings.filterwarnings("ignore", message="Cell is missing an id field")
    root = models_dir()
    notebooks = find(args.paths, args.only)
    if args.list:
        return list_memos(notebooks, root, args.json)

    import run_notebooks

    os.environ.pop("DLNB_SMOKE", None)  # full size: the kernel and its cells inherit this environment
    todo = []
    for p in notebooks:
        nb = nbformat.read(p, as_version=4)
        if memo_calls(nb):
            todo.append((p, nb))
    if not todo:
        print("warm_models: no notebook calls Memo in", " ".join(args.paths))
        return 0
    print(f"Training the models of {len(todo)} notebook{'s' if len(todo) != 1 else ''} at full size into {root} "
          f"(a model saved before with the same settings is reloaded)", flush=True)
    rows, totals, failed = [], [], []
    for path, nb in todo:
        runs = [(path.stem, nb)]
        if args.solved and any("exercise" in run_notebooks.tags(c) for c in nb.cells):
            solved, sol_problems = run_notebooks.with_solutions(
                nb, path, pathlib.Path(args.solutions) if args.solutions else run_notebooks.SOLUTIONS)
            if sol_problems:
                failed.append((path.stem + " (solved)", sol_problems))
            else:
                runs.append((path.stem + " (solved)", run_notebooks.without_inserted(solved)))
        for label, run_nb in runs:
            print(f"==> {label}", flush=True)
            r, secs, problems = warm(path, run_nb, label, root, args)
            rows.extend(r)
            totals.append([label, "(whole notebook)", secs, "FAIL" if problems else "ok"])
            print(f"    {secs:.1f}s: " + (", ".join(f"{x[1]} {x[3]}" for x in r) or "no memo ran")
                  + (f"; FAIL ({len(problems)} problems, listed at the end)" if problems else ""), flush=True)
            if problems:
                failed.append((label, problems))

    out = []
    for label, *_ in totals:
        out += [[x[0], x[1], f"{x[2]:.1f}", x[3]] for x in rows if x[0] == label]
        out += [[t[0], t[1], f"{t[2]:.1f}", t[3]] for t in totals if t[0] == label]
    print()
    print(table(out, ["notebook", "memo", "seconds", "status"], {2}))
    n_tr = sum(x[3] == "trained" for x in rows)
    print(f"{n_tr} trained, {len(rows) - n_tr} already cached, {sum(t[2] for t in totals):.0f}s in all; "
          f"models in {root}")
    print("seconds: trained = from its cell's start (or the previous save in that cell) to its save; "
          "already cached = the whole cell that reloaded it")
    for label, problems in failed:
        print(f"FAIL {label}")
        for p in problems:
            print("  - " + p.replace("\n", "\n    "))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
