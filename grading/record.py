"""The run record of a hand-in: how, when and with what a notebook was run, written into the
notebook's metadata (`godl.run_record`) by `make submit`, and checked by the grader.

What it holds: that the notebook ran top to bottom in a fresh kernel; when and how long; the
kernel, backend, Go release and smoke mode; the machine (CPU, SIMD level); the data sets the
cells read (name, file, SHA-256: the datasets package lists them in $GODL_RUN_LOG); the metrics
the notebook reported (`nb.Report(name, value)` prints `REPORT: name = value`); each exercise
check's verdict; a SHA-256 of the code cells and one of the outputs.

What the grader concludes (verify): the record is missing; the code changed after the recorded
run (code hash); the outputs are not those of the recorded run (outputs hash: edited by hand, or
copied from elsewhere); and, after the grader ran the notebook again in its sandbox, whether the
metrics and check verdicts the hand-in shows are those its code gives (a metric within
METRIC_TOLERANCE, the same PASS/FAIL verdict per check). A record can be forged by hand along with
the outputs; the re-execution is what makes that useless.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import math
import os
import pathlib
import platform
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "scripts"))
from run_notebooks import HIDDEN_FAIL  # noqa: E402  (what the hidden tests print)

REPORT_LINE = re.compile(r"^REPORT: (?P<name>.+?) = (?P<value>\S+)\s*$")
# Relative difference tolerated between a metric of the hand-in and the grader's run (training
# on the Go backend is deterministic for a given seed and thread count; this allows for the
# thread count of another machine).
METRIC_TOLERANCE = 0.02
KEY = "run_record"


def stream_of(cell, name: str) -> str:
    """The text cell printed on stream name ("stdout", "stderr"), its chunks joined."""
    return "".join("".join(t) if isinstance(t := o.get("text", ""), list) else t
                   for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == name)


def stdout_of(cell) -> str:
    return stream_of(cell, "stdout")


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def code_sha256(nb) -> str:
    h = hashlib.sha256()
    for c in code_cells(nb):
        h.update(c.source.rstrip().encode() + b"\n\x00")
    return h.hexdigest()


def outputs_sha256(nb) -> str:
    """The outputs of the code cells, in order: streams, errors, and each display's text and
    pictures (JSON with sorted keys, so that a re-save by JupyterLab keeps the hash)."""
    h = hashlib.sha256()
    for c in code_cells(nb):
        for o in c.get("outputs", []):
            kept = {k: o[k] for k in ("output_type", "name", "text", "ename", "evalue", "data") if k in o}
            if isinstance(kept.get("text"), list):
                kept["text"] = "".join(kept["text"])
            if "data" in kept:
                kept["data"] = {k: ("".join(v) if isinstance(v, list) else v) for k, v in kept["data"].items()}
            h.update(json.dumps(kept, sort_keys=True).encode())
        h.update(b"\x00")
    return h.hexdigest()


def metrics(nb) -> dict[str, float]:
    """The `REPORT: name = value` lines of the outputs (the last value of a name wins)."""
    out = {}
    for c in code_cells(nb):
        for line in stdout_of(c).splitlines():
            m = REPORT_LINE.match(line.strip())
            if m:
                try:
                    out[m["name"]] = float(m["value"])
                except ValueError:
                    pass
    return out


def verdicts(nb) -> dict[str, str]:
    """Each check cell's verdict, keyed by its position among the code cells: PASS, FAIL or none."""
    out = {}
    for i, c in enumerate(code_cells(nb)):
        tags = c.get("metadata", {}).get("tags", [])
        if "exercise-check" not in tags and "graded" not in tags and not c.get("metadata", {}).get("nbgrader", {}).get("grade"):
            continue
        lines = [ln.strip() for ln in stdout_of(c).splitlines()]
        # Hidden tests (added by the grader) are not part of what the hand-in could show.
        fail = any(ln.startswith("FAIL") and not ln.startswith(HIDDEN_FAIL) for ln in lines) or any(o.get("output_type") == "error" for o in c.get("outputs", []))
        out[str(i)] = "FAIL" if fail else ("PASS" if any(ln.startswith("PASS") for ln in lines) else "none")
    return out


def simd_level() -> str:
    try:
        flags = next(ln for ln in pathlib.Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown"
    return "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE/other"


def cpu_model() -> str:
    try:
        return next(ln.split(":", 1)[1].strip() for ln in pathlib.Path("/proc/cpuinfo").read_text().splitlines()
                    if ln.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def datasets_used(log: pathlib.Path) -> list[dict]:
    """The data sets listed in the run log ($GODL_RUN_LOG, one JSON object per line)."""
    seen, out = set(), []
    try:
        lines = log.read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        try:
            d = json.loads(line)
        except ValueError:
            continue
        key = (d.get("dataset"), d.get("path"), d.get("sha256"))
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def make(nb, *, started: datetime.datetime, seconds: float, kernel: str, backend: str,
         run_log: pathlib.Path | None = None, go_version: str = "") -> dict:
    """The record of a run that just ended (nb holds its outputs)."""
    return {
        "version": 1,
        "fresh_kernel": True,
        "top_to_bottom": True,
        "started": started.astimezone(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "kernel": kernel,
        "backend": backend,
        "go": go_version,
        "smoke": bool(os.environ.get("DLNB_SMOKE")),
        "machine": {"cpu": cpu_model(), "simd": simd_level(), "cores": os.cpu_count()},
        "seeds": "fixed in the code (nn.DefaultSeed = 1 unless a cell sets Seed; the code hash covers them)",
        "datasets": datasets_used(run_log) if run_log else [],
        "metrics": metrics(nb),
        "checks": verdicts(nb),
        "code_sha256": code_sha256(nb),
        "outputs_sha256": outputs_sha256(nb),
    }


def attach(nb, record: dict) -> None:
    nb.metadata.setdefault("godl", {})[KEY] = record


def get(nb) -> dict | None:
    return nb.metadata.get("godl", {}).get(KEY)


def close(a: float, b: float) -> bool:
    if math.isinf(a) or math.isinf(b) or math.isnan(a) or math.isnan(b):
        return a == b or (math.isnan(a) and math.isnan(b))
    return abs(a - b) <= METRIC_TOLERANCE * max(abs(a), abs(b), 1e-9)


def verify(submitted, rerun=None) -> dict:
    """Checks the hand-in `submitted` (with its outputs) against its record and, when given, the
    grader's run `rerun` of the same code. Returns {"status": "verified" | "flagged" |
    "no record", "problems": [...], "metrics": the record's metrics}."""
    rec = get(submitted)
    problems: list[str] = []
    if rec is None:
        return {"status": "no record", "problems": ["the hand-in has no run record: it was not run with `make submit`"],
                "metrics": {}}
    if rec.get("code_sha256") != code_sha256(submitted):
        problems.append("the code was changed after the recorded run (its hash differs from the record's)")
    if rec.get("outputs_sha256") != outputs_sha256(submitted):
        problems.append("the outputs are not those of the recorded run (edited, or pasted from another run)")
    shown = metrics(submitted)
    for name, v in rec.get("metrics", {}).items():
        if name in shown and not close(shown[name], v):
            problems.append(f"metric {name!r}: the outputs show {shown[name]:g}, the record {v:g}")
    if rerun is not None:
        again = metrics(rerun)
        if rec.get("smoke", False) != bool(os.environ.get("DLNB_SMOKE")) and rec.get("metrics"):
            problems.append("the record's run and the grader's are of different sizes (smoke mode): metrics not compared")
        else:
            for name, v in {**rec.get("metrics", {}), **shown}.items():
                if name not in again:
                    problems.append(f"metric {name!r} ({v:g} in the hand-in) is not reported when the grader runs the code")
                elif not close(again[name], v):
                    problems.append(f"metric {name!r}: {v:g} in the hand-in, {again[name]:g} when the grader runs the code")
        mine, theirs = verdicts(submitted), verdicts(rerun)
        for k, v in mine.items():
            if k in theirs and v == "PASS" and theirs[k] != "PASS":
                problems.append(f"code cell {int(k) + 1}: the hand-in shows PASS, the grader's run of its code does not")
    return {"status": "flagged" if problems else "verified", "problems": problems, "metrics": rec.get("metrics", {})}
