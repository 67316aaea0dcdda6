#!/usr/bin/env python3
"""The leaderboard of a class's project hand-ins, as one self-contained HTML page.

    .venv/bin/python grading/leaderboard.py [--course DIR] [--out FILE]     (make leaderboard)

It reads the reports autograde wrote (<course>/reports/<assignment>/<student>.json: the run
record's metrics, its verification, the autograde score) and ranks, per project, the students by
the project's metric (PROJECT_METRICS; another assignment: its first reported metric, higher is
better). Only hand-ins whose run record was verified are ranked (the grader's run of their code
gave the same metrics); the others are listed under the table with the reason.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

# assignment → (metric, higher is better)
PROJECT_METRICS = {
    "gtsrb": ("test accuracy", True),
    "chaos": ("test Dice", True),
    "dehazing": ("test PSNR (dB)", True),
}


def load_reports(course: pathlib.Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in sorted((course / "reports").glob("*/*.json")):
        r = json.loads(f.read_text())
        out.setdefault(f.parent.name, []).append(r)
    return out


def board(assignment: str, reports: list[dict]) -> tuple[str, list[dict], list[dict]]:
    """The metric, the ranked rows (verified, with the metric) and the others."""
    metric, higher = PROJECT_METRICS.get(assignment, (None, True))
    if metric is None:
        names = [n for r in reports for n in (r.get("run_record", {}).get("metrics") or {})]
        metric = names[0] if names else ""
    ranked, others = [], []
    for r in reports:
        rr = r.get("run_record", {})
        value = (rr.get("metrics") or {}).get(metric)
        if rr.get("status") == "verified" and value is not None:
            ranked.append({**r, "value": value})
        else:
            why = "; ".join(rr.get("problems") or []) or (f"no {metric!r} reported" if value is None else rr.get("status", ""))
            others.append({**r, "why": why})
    ranked.sort(key=lambda r: (-r["value"] if higher else r["value"], r["student"]))
    return metric, ranked, others


def page(course: pathlib.Path) -> str:
    reports = load_reports(course)
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Project leaderboard</title>",
             "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .7em;text-align:left}"
             "th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}"
             ".note{color:#555}</style></head><body><h1>Project leaderboard</h1>",
             "<p class='note'>From the run records of the hand-ins, verified by the grader's own run of each "
             "notebook in its sandbox. Hand-ins whose record is missing or does not match are not ranked.</p>"]
    if not reports:
        parts.append("<p>No graded hand-ins yet: run <code>make autograde</code> first.</p>")
    for assignment in sorted(reports):
        metric, ranked, others = board(assignment, reports[assignment])
        parts.append(f"<h2>{html.escape(assignment)}</h2>")
        if not metric:
            parts.append("<p class='note'>This assignment reports no metric.</p>")
        else:
            parts.append(f"<table><tr><th>rank</th><th>student</th><th>{html.escape(metric)}</th>"
                         "<th>other metrics</th><th>autograde</th><th>run</th></tr>")
            for i, r in enumerate(ranked, 1):
                rec = r.get("record") or {}
                other = ", ".join(f"{html.escape(k)} {v:.4g}" for k, v in (rec.get("metrics") or {}).items() if k != metric)
                machine = rec.get("machine", {})
                run = f"{rec.get('seconds', '?')} s, {html.escape(str(rec.get('backend', '')))}, {html.escape(str(machine.get('simd', '')))}"
                parts.append(f"<tr><td class='num'>{i}</td><td>{html.escape(str(r['student']))}</td>"
                             f"<td class='num'>{r['value']:.4f}</td><td>{other}</td>"
                             f"<td class='num'>{r.get('score', 0):g} / {r.get('max_score', 0):g}</td><td>{run}</td></tr>")
            parts.append("</table>")
        if others:
            parts.append("<p>Not ranked:</p><ul>")
            for r in others:
                parts.append(f"<li>{html.escape(str(r['student']))}: {html.escape(r['why'])}</li>")
            parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--course", default=os.environ.get("GODL_COURSE_DIR", str(ROOT / "build" / "course")))
    ap.add_argument("--out", help="the page (default <course>/leaderboard.html)")
    a = ap.parse_args()
    course = pathlib.Path(a.course)
    out = pathlib.Path(a.out) if a.out else course / "leaderboard.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".html.tmp")
    tmp.write_text(page(course), encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
