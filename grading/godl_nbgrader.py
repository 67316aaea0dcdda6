"""nbgrader preprocessors for the course's Go notebooks (configured in grading/nbgrader_config.py).

GoStubs            (generate_assignment) the students' version of an exercise cell is the course's
                   own TODO cell (metadata godl.stub), not nbgrader's generic stub.
KeepSubmission     (autograde, first) keeps the hand-in as submitted (outputs and run record) in
                   the notebook's metadata before nbgrader clears the outputs, for VerifyRunRecord,
                   which removes it.
SandboxedExecute   (autograde) runs the notebook in grading/sandbox.py's sandbox instead of
                   nbgrader's Execute: the student's code runs as a user of its own, without
                   network, with read-only files, memory/process/disk limits and timeouts.
GoCheckOutcomes    (autograde) a Go check cell prints "PASS..." / "FAIL: ..." lines instead of
                   raising: a grade cell earns its points only with a PASS line, no FAIL line (the
                   hidden tests' "FAIL (hidden test)" included), no error and no Go panic; a
                   failed one gets an error output naming why, which is what nbgrader counts.
VerifyRunRecord    (autograde) checks the hand-in's run record against its code, its outputs and
                   the grader's run (grading/record.py) and writes, with the sandbox's report, one
                   JSON file per submission into <course>/reports/<assignment>/<student>.json.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import secrets
import sys
import tempfile

import nbformat
from nbformat.notebooknode import NotebookNode
from traitlets import Bool, Integer, Unicode

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader import utils

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import record  # noqa: E402
import sandbox  # noqa: E402
from run_notebooks import STDERR_FAILURES  # noqa: E402  (what make test counts as a failed program)


class GoStubs(NbGraderPreprocessor):
    def preprocess_cell(self, cell, resources, index):
        stub = cell.get("metadata", {}).get("godl", {}).get("stub")
        if stub is not None and utils.is_solution(cell):
            cell.source = stub
        return cell, resources


class KeepSubmission(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        meta = nb.metadata.setdefault("godl_grading", {})
        if "submitted" not in meta:  # the submitted notebook, before ClearOutput
            meta["submitted"] = nbformat.writes(nb)
        return nb, resources


# The grader ends each check program (a %% grade cell) with a line printing a word drawn for this
# run: a check passes only when its program reached its end. Code of the student's that runs
# inside the check's program and ends it early (an init() that prints PASS and exits) is caught.
END_MARK = "GODL-CHECK-END "


def with_end_mark(source: str, nonce: str) -> str:
    return source.rstrip("\n") + f'\nfmt.Println("{END_MARK}{nonce}")'


def take_end_mark(cell, nonce: str) -> bool:
    """Removes the end mark from cell's outputs (and from its source); tells whether it was there."""
    found = False
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream" and o.get("name") == "stdout":
            text = "".join(o["text"]) if isinstance(o.get("text"), list) else o.get("text", "")
            mark = f"{END_MARK}{nonce}\n"
            if mark in text:
                found = True
                o["text"] = text.replace(mark, "")
    cell.outputs = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("text") == "")]
    cell.source = cell.source.replace(f'\nfmt.Println("{END_MARK}{nonce}")', "")
    return found


def check_outcome(cell) -> tuple[bool, str]:
    """Whether a Go grade cell passed, and why not."""
    outs = cell.get("outputs", [])
    errors = [o for o in outs if o.get("output_type") == "error"]
    stdout, stderr = record.stream_of(cell, "stdout"), record.stream_of(cell, "stderr")
    lines = [ln.strip() for ln in stdout.splitlines()]
    fails = [ln for ln in lines if ln.startswith("FAIL")]
    # What the program said last on stderr (the kernel's reason for stopping it, a panic's
    # message) says more than the error output ("exit status 1").
    said = next((ln.strip() for ln in stderr.splitlines()
                 if ln.strip() and not ln.strip().startswith(("exit status", "goroutine ", "main.", "\t"))), "")
    if errors:
        e = errors[0]
        why = f"{e.get('ename', 'error')}: {e.get('evalue', '')}".strip()
        return False, f"{why} ({said})" if said and said not in why else why
    for m in STDERR_FAILURES:
        if m in stderr:
            first = next((ln for ln in stderr.splitlines() if m in ln), m)
            return False, f"the program failed: {first.strip()}"
    if fails:
        return False, fails[0]
    if cell.get("metadata", {}).get("godl_end_mark") is False:
        return False, "the check's program ended before its end (code of the hand-in exited it early)"
    if not any(ln.startswith("PASS") for ln in lines):
        return False, "the check printed no PASS line"
    return True, ""


class GoCheckOutcomes(NbGraderPreprocessor):
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            return cell, resources
        ok, why = check_outcome(cell)
        outs = cell.get("outputs", [])
        if ok:
            # Messages on stderr that are no failure (a library's log line) must not cost the
            # points: nbgrader counts any stderr as an error.
            for o in outs:
                if o.get("output_type") == "stream" and o.get("name") == "stderr":
                    o["name"] = "stdout"
        elif not any(o.get("output_type") == "error" for o in outs):
            outs.append(NotebookNode(output_type="error", ename="CheckFailed", evalue=why,
                                     traceback=[f"CheckFailed: {why}"]))
        return cell, resources


class SandboxedExecute(NbGraderPreprocessor):
    cell_timeout = Integer(300, help="seconds a cell may run before it is interrupted").tag(config=True)
    total_timeout = Integer(1800, help="seconds the whole notebook may run").tag(config=True)
    memory = Unicode("3GB", help="memory of the kernel and all it starts").tag(config=True)
    disk = Unicode("1GB", help="scratch space (home, temporary files, models)").tag(config=True)
    processes = Integer(1024, help="processes and threads").tag(config=True)
    smoke = Bool(False, help="run the notebooks' small sizes (DLNB_SMOKE=1)").tag(config=True)

    def preprocess(self, nb, resources):
        nonce = secrets.token_hex(8)
        marked = []
        for i, cell in enumerate(nb.cells):
            if (cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)
                    and cell.source.lstrip().startswith("%%")):
                cell.source = with_end_mark(cell.source, nonce)
                marked.append(i)
        with tempfile.TemporaryDirectory(prefix="godl-autograde-") as d:
            src, dst = pathlib.Path(d) / "in.ipynb", pathlib.Path(d) / "out.ipynb"
            nbformat.write(nb, src)
            res = sandbox.run(src, dst, cell_timeout=self.cell_timeout, total_timeout=self.total_timeout,
                              memory=sandbox.parse_bytes(self.memory), disk=sandbox.parse_bytes(self.disk),
                              processes=self.processes, smoke=self.smoke or bool(os.environ.get("DLNB_SMOKE")))
            if dst.exists():
                ran = nbformat.read(dst, as_version=4)
                for cell, done in zip(nb.cells, ran.cells):
                    if cell.cell_type == "code":
                        cell.outputs = done.get("outputs", [])
                        cell.execution_count = done.get("execution_count")
                stopped = ran.metadata.get("godl_grading", {}).get("stopped")
                if stopped:
                    res["stopped"] = stopped
        for i in marked:
            nb.cells[i].metadata["godl_end_mark"] = take_end_mark(nb.cells[i], nonce)
        log = res.pop("log", "")
        if "error" in res or res.get("stopped"):
            self.log.warning("sandbox: %s %s", res.get("error") or res.get("stopped"), log[-2000:])
        nb.metadata.setdefault("godl_grading", {})["sandbox"] = res
        return nb, resources


class VerifyRunRecord(NbGraderPreprocessor):
    reports = Unicode("", help="folder of the per-submission JSON reports (default <course>/reports)").tag(config=True)

    def preprocess(self, nb, resources):
        meta = nb.metadata.get("godl_grading", {})
        submitted = nbformat.reads(meta["submitted"], as_version=4) if "submitted" in meta else None
        verdict = record.verify(submitted, nb) if submitted is not None else {
            "status": "no record", "problems": ["the submission could not be read"], "metrics": {}}
        checks = {}
        for cell in nb.cells:
            if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
                ok, why = check_outcome(cell)
                checks[cell.metadata["nbgrader"]["grade_id"]] = {
                    "points": float(cell.metadata["nbgrader"].get("points", 0)), "passed": ok, "why": why}
        review = []
        for cell in (submitted.cells if submitted is not None else []):
            if cell.cell_type != "code" or utils.is_grade(cell):
                continue
            if re.search(r"(?m)^func init\(\)", cell.source):
                review.append("defines func init(), which runs in every later cell's program, the checks' included")
            if re.search(r"\bos\.Exit\(", cell.source):
                review.append("calls os.Exit")
        info = resources.get("nbgrader", {})
        report = {"student": info.get("student"), "assignment": info.get("assignment"),
                  "notebook": info.get("notebook"), "run_record": verdict, "checks": checks,
                  "score": sum(c["points"] for c in checks.values() if c["passed"]),
                  "max_score": sum(c["points"] for c in checks.values()),
                  "sandbox": meta.get("sandbox", {}), "review": sorted(set(review)),
                  "record": record.get(submitted) if submitted is not None else None}
        root = pathlib.Path(self.reports or os.path.join(os.environ.get("GODL_COURSE_DIR", "."), "reports"))
        dest = root / str(info.get("assignment")) / f"{info.get('student')}.json"
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(report, indent=1))
        tmp.replace(dest)
        nb.metadata.pop("godl_grading", None)
        return nb, resources
