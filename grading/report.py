#!/usr/bin/env python3
"""grading-report.csv: one line per graded submission, from <course>/reports/*/*.json (written by
autograde's VerifyRunRecord): assignment, student, score, max, run record status and problems,
the checks that failed and why, the sandbox's time and events (cell or notebook timeouts, memory
kills), and what a teacher should look at (a hand-in that defines init() or calls os.Exit,
code that runs inside the checks' programs). nbgrader's own grades.csv (`nbgrader export`) has the scores only."""
from __future__ import annotations

import argparse
import csv
import json
import os
import pathlib
import sys


def rows(course: pathlib.Path):
    for f in sorted((course / "reports").glob("*/*.json")):
        r = json.loads(f.read_text())
        sb = r.get("sandbox", {})
        events = [e for e in (
            "notebook timed out" if sb.get("timed_out") else "",
            f"{sb['oom_kills']} memory kill(s)" if sb.get("oom_kills") else "",
            sb.get("stopped", ""), sb.get("error", "")) if e]
        yield {
            "assignment": r.get("assignment"), "student": r.get("student"),
            "score": r.get("score"), "max_score": r.get("max_score"),
            "run_record": r.get("run_record", {}).get("status"),
            "record_problems": " | ".join(r.get("run_record", {}).get("problems", [])),
            "failed_checks": " | ".join(f"{k}: {v['why']}" for k, v in r.get("checks", {}).items() if not v["passed"]),
            "seconds": sb.get("seconds"), "sandbox_events": " | ".join(events),
            "review": " | ".join(r.get("review", [])),
        }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--course", default=os.environ.get("GODL_COURSE_DIR", "build/course"))
    a = ap.parse_args()
    course = pathlib.Path(a.course)
    out = course / "grading-report.csv"
    data = list(rows(course))
    fields = ["assignment", "student", "score", "max_score", "run_record", "record_problems", "failed_checks",
              "seconds", "sandbox_events", "review"]
    tmp = out.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(data)
    tmp.replace(out)
    print(f"wrote {out} ({len(data)} submissions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
