"""A test class: eleven hand-ins of the dehazing project, graded by the standard nbgrader commands
(grading/grade.sh: assignments, autograde in the sandbox, feedback, gradebook, leaderboard);
twelve with the one whose init() fakes a PASS in every check.

The hand-ins, made here from the released notebook: the reference solution handed in with
`make submit` (run record), the same hand-in with an output edited afterwards, a wrong solution
(sum instead of mean), a compile error, a panic, an endless loop, a 20 GB allocation, a cell that
tries the network, writes outside its home and deletes a file, one that starts processes until
it cannot and fills its disk, one that calls the library's nn.PSNR, and the unfilled stub. Each
gets the score a teacher expects; the whole class is graded in bounded time; nothing of the
machine is touched (a sentinel file, a listening socket, no process left, the disk).

Runs as root (the sandbox needs it), in smoke mode (DLNB_SMOKE=1: the notebooks' small sizes).
"""
from __future__ import annotations

import csv
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
GRADE = ROOT / "grading" / "grade.sh"
SOL = ROOT / "solutions" / "dehazing"
UID = 61000
CELL_TIMEOUT = 45

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the grading sandbox needs root")

HEAD = "// myPSNR returns the PSNR in dB of img against ref.\n"
CORRECT_BODY = """	mse := 0.0
	for i, v := range img.Data {
		d := v - ref.Data[i]
		mse += d * d
	}
	mse /= float64(img.Size())
	return 10 * math.Log10(1/mse)"""


def variants(sentinel: pathlib.Path, port: int) -> dict[str, tuple[str | None, float | tuple]]:
    """student → (source of the exercise cell, or None for the released stub; expected score /3,
    or the scores it may get). The hand-in that exhausts its process limit hurts only itself: its
    check passes (2) or its own program cannot start a thread any more and dies (0), depending on
    when the Go runtime needs one; its end-to-end cell cannot be built (no process left)."""
    return {
        "s01-correct": ((SOL / "psnr.gocell").read_text(), 3),
        "s02-sum-not-mean": ((SOL / "psnr.wrong-sum-not-mean.gocell").read_text(), 1),
        "s03-compile-error": (HEAD + "func myPSNR(img, ref *tensor.Tensor) float64 {\n\treturn 10 * math.Log10(1 / mse\n}\n", 1),
        "s04-panic": (HEAD + "func myPSNR(img, ref *tensor.Tensor) float64 {\n\tvar sums []float64\n"
                      "\treturn sums[len(img.Data)]\n}\n", 1),
        "s05-endless-loop": (HEAD + "func myPSNR(img, ref *tensor.Tensor) float64 {\n\tn := 0.0\n\tfor {\n\t\tn++\n\t}\n}\n", 1),
        "s06-20GB": (HEAD + "func myPSNR(img, ref *tensor.Tensor) float64 {\n\tbig := make([]byte, 20<<30)\n"
                     "\tfor i := 0; i < len(big); i += 4096 {\n\t\tbig[i] = 1\n\t}\n\treturn float64(big[len(big)-1])\n}\n", 1),
        "s07-escape": (f'''import (
	"net"
	"os"
	"time"
)

var escapeTried bool

// escape tries what a hostile hand-in would: the network, files outside its home, deleting files.
func escape() {{
	if escapeTried {{
		return
	}}
	escapeTried = true
	for _, addr := range []string{{"127.0.0.1:{port}", "1.1.1.1:53", "10.0.0.1:80"}} {{
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {{
			c.Close()
			fmt.Println("ESCAPED: connected to", addr)
		}} else {{
			fmt.Println("blocked: network", addr, err)
		}}
	}}
	for _, f := range []string{{"{sentinel}/new.txt", "/tmp/godl-escape-{port}", "{ROOT}/godl-escape-{port}", "/var/tmp/godl-escape-{port}"}} {{
		if err := os.WriteFile(f, []byte("x"), 0o644); err == nil {{
			fmt.Println("ESCAPED: wrote", f)
		}} else {{
			fmt.Println("blocked: write", f, err)
		}}
	}}
	if err := os.Remove("{sentinel}/keep.txt"); err == nil {{
		fmt.Println("ESCAPED: deleted the sentinel")
	}} else {{
		fmt.Println("blocked: delete", err)
	}}
}}

{HEAD}func myPSNR(img, ref *tensor.Tensor) float64 {{
	escape()
{CORRECT_BODY}
}}
''', 3),
        "s08-library": ((SOL / "psnr.wrong-library.gocell").read_text(), 1),
        # init() runs in every later cell's program, the checks' included: it prints a PASS and
        # ends them before they check anything. The grader's end mark catches it.
        "s12-init-fakes-pass": ('import "os"\n\nfunc init() {\n\tfmt.Println("PASS: all good")\n\tos.Exit(0)\n}\n\n'
                                + HEAD + "func myPSNR(img, ref *tensor.Tensor) float64 { return 0 }\n", 0),
        "s09-unfilled": (None, 1),
        "s10-forks-and-disk": (f'''import (
	"os"
	"os/exec"
	"path/filepath"
)

var hogged bool

// hog starts processes until it cannot, then fills its disk.
func hog() {{
	if hogged {{
		return
	}}
	hogged = true
	n := 0
	for ; n < 5000; n++ {{
		if exec.Command("sleep", "600").Start() != nil {{
			break
		}}
	}}
	fmt.Println("processes started:", n)
	f, err := os.Create(filepath.Join(os.Getenv("HOME"), "fill"))
	if err == nil {{
		buf := make([]byte, 1<<20)
		mb := 0
		for ; mb < 100000; mb++ {{
			if _, err := f.Write(buf); err != nil {{
				break
			}}
		}}
		f.Close()
		fmt.Println("MB written:", mb)
	}}
}}

{HEAD}func myPSNR(img, ref *tensor.Tensor) float64 {{
	hog()
{CORRECT_BODY}
}}
''', (0, 2)),
    }


def sh(*args, env=None, timeout=1800) -> subprocess.CompletedProcess:
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)
    assert r.returncode == 0, f"{args} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def uid_processes(uid: int) -> list[str]:
    out = []
    for p in pathlib.Path("/proc").iterdir():
        try:
            if p.name.isdigit() and p.stat().st_uid == uid:
                out.append(p.name + " " + (p / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            pass
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    env = dict(os.environ, GODL_COURSE_DIR=str(course), DLNB_SMOKE="1", GODL_GRADE_CELL_TIMEOUT=str(CELL_TIMEOUT),
               GODL_GRADE_TOTAL_TIMEOUT="400", GODL_GRADE_MEMORY="2GB", GODL_GRADE_DISK="1GB")
    sh(GRADE, "assignments", "notebooks/projects/dehazing.ipynb", env=env)
    release = course / "release" / "dehazing" / "dehazing.ipynb"
    assert release.exists()

    # What the sandbox must protect: a file anyone may delete, a port on the host's loopback.
    # (in /tmp itself, open to every user: only the sandbox's read-only mounts protect it)
    sentinel = pathlib.Path(tempfile.mkdtemp(prefix="godl-sentinel-", dir="/tmp"))
    sentinel.chmod(0o777)
    (sentinel / "keep.txt").write_text("keep")
    (sentinel / "keep.txt").chmod(0o666)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    connections = []

    def accept():
        listener.settimeout(1)
        while not stop.is_set():
            try:
                connections.append(listener.accept())
            except OSError:
                pass
    stop = threading.Event()
    t = threading.Thread(target=accept, daemon=True)
    t.start()

    expected = {}
    submitted = course / "submitted"
    for student, (source, score) in variants(sentinel, port).items():
        nb = nbformat.read(release, as_version=4)
        if source is not None:
            cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "dehazing-psnr")
            cell.source = source.rstrip("\n")
        dest = submitted / student / "dehazing" / "dehazing.ipynb"
        dest.parent.mkdir(parents=True)
        nbformat.write(nb, dest)
        (dest.parent / "timestamp.txt").write_text("2026-12-03 10:00:00.000000 UTC")
        expected[student] = score
    # The correct hand-in is run with `make submit` (its run record); a copy of it has one output
    # edited afterwards: the test PSNR made 5 dB better.
    good = submitted / "s01-correct" / "dehazing"
    sh(sys.executable, "scripts/submit.py", "--no-pdf", "--out", good, good / "dehazing.ipynb",
       env=dict(env, GODL_MODELS=str(tmp_path_factory.mktemp("models"))))
    nb = nbformat.read(good / "dehazing.ipynb", as_version=4)
    edited = False
    for c in nb.cells:
        for o in c.get("outputs", []):
            if o.get("output_type") == "stream" and "REPORT: test PSNR (dB) = " in o.get("text", ""):
                o["text"] = re.sub(r"(REPORT: test PSNR \(dB\) = )(\S+)", lambda m: m[1] + f"{float(m[2]) + 5:.6g}", o["text"])
                edited = True
    assert edited, "the submitted notebook reports no test PSNR"
    dest = submitted / "s11-edited-output" / "dehazing"
    dest.mkdir(parents=True)
    nbformat.write(nb, dest / "dehazing.ipynb")
    (dest / "timestamp.txt").write_text("2026-12-03 10:00:00.000000 UTC")
    expected["s11-edited-output"] = 3

    free_before = shutil.disk_usage("/").free
    start = time.monotonic()
    auto = sh(GRADE, "autograde", "dehazing", env=env, timeout=3600)
    seconds = time.monotonic() - start
    sh(GRADE, "feedback", "dehazing", env=env)
    sh(GRADE, "gradebook", env=env)
    sh(GRADE, "leaderboard", env=env)
    stop.set()
    t.join()
    listener.close()
    yield {"course": course, "expected": expected, "seconds": seconds, "sentinel": sentinel, "port": port,
            "connections": connections, "free_before": free_before, "autograde_log": auto.stderr + auto.stdout}
    shutil.rmtree(sentinel, ignore_errors=True)


def reports(course) -> dict[str, dict]:
    return {f.stem: json.loads(f.read_text()) for f in (course / "reports" / "dehazing").glob("*.json")}


def test_every_hand_in_gets_its_expected_score(graded):
    course = graded["course"]
    with open(course / "grades.csv") as f:
        got = {r["student_id"]: float(r["raw_score"] or 0) for r in csv.DictReader(f) if r["assignment"] == "dehazing"}
    rep = reports(course)
    wrong = {s: (got.get(s), want, [f"{k}: {v['why']}" for k, v in rep.get(s, {}).get("checks", {}).items() if not v["passed"]])
             for s, want in graded["expected"].items() if got.get(s) not in (want if isinstance(want, tuple) else (want,))}
    assert not wrong, f"scores (got, want, failed checks): {json.dumps(wrong, indent=1)}"
    assert len(got) == len(graded["expected"]) >= 8
    print(f"\n{len(got)} hand-ins graded in {graded['seconds']:.0f} s")


def test_failures_say_why(graded):
    rep = reports(graded["course"])
    why = lambda s: " | ".join(v["why"] for v in rep[s]["checks"].values() if not v["passed"])  # noqa: E731
    assert "FAIL" in why("s02-sum-not-mean")
    # The hidden tests caught it too (the report names the first FAIL line; the feedback shows all).
    nb = nbformat.read(graded["course"] / "autograded" / "s02-sum-not-mean" / "dehazing" / "dehazing.ipynb", as_version=4)
    assert "FAIL (hidden test)" in "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "calls nn.PSNR" in why("s08-library")
    assert "CellTimeoutError" in why("s05-endless-loop") or "interrupt" in why("s05-endless-loop"), why("s05-endless-loop")
    assert "GB of memory" in why("s06-20GB"), why("s06-20GB")
    assert "index out of range" in why("s04-panic"), why("s04-panic")
    assert "ended before its end" in why("s12-init-fakes-pass"), why("s12-init-fakes-pass")
    assert any("init()" in r for r in rep["s12-init-fakes-pass"]["review"]), rep["s12-init-fakes-pass"]["review"]
    assert not rep["s01-correct"]["review"]


def test_grading_takes_bounded_time(graded):
    rep = reports(graded["course"])
    loop = rep["s05-endless-loop"]["sandbox"]["seconds"]
    assert loop < CELL_TIMEOUT + 120, f"the endless loop's hand-in took {loop} s"
    for s, r in rep.items():
        assert not r["sandbox"].get("timed_out"), f"{s}: the whole notebook timed out"


def test_the_machine_is_unharmed(graded):
    sentinel = graded["sentinel"]
    assert (sentinel / "keep.txt").read_text() == "keep", "the sentinel file was changed"
    assert sorted(p.name for p in sentinel.iterdir()) == ["keep.txt"], "a file was written next to the sentinel"
    assert not graded["connections"], "a hand-in connected to the host's loopback"
    port = graded["port"]
    for f in (pathlib.Path(f"/tmp/godl-escape-{port}"), ROOT / f"godl-escape-{port}", pathlib.Path(f"/var/tmp/godl-escape-{port}")):
        assert not f.exists(), f"a hand-in wrote {f}"
    assert not uid_processes(UID), f"processes of the sandbox's user remain: {uid_processes(UID)[:5]}"
    # The 1 GB the disk-filling hand-in wrote went to its scratch (memory), which is gone.
    assert shutil.disk_usage("/").free > graded["free_before"] - (700 << 20)
    # What the hostile hand-in saw: each attempt refused.
    nb = nbformat.read(graded["course"] / "autograded" / "s07-escape" / "dehazing" / "dehazing.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "ESCAPED" not in text
    assert text.count("blocked:") == 8, text[:3000]
    nb = nbformat.read(graded["course"] / "autograded" / "s10-forks-and-disk" / "dehazing" / "dehazing.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    # (when its own program could still print: it may die for want of a thread, see variants)
    started, written = re.search(r"processes started: (\d+)", text), re.search(r"MB written: (\d+)", text)
    assert started is None or 0 < int(started[1]) < 1100, text[:2000]
    assert written is None or int(written[1]) <= 1024, text[:2000]


def test_run_records_are_verified_and_edited_outputs_flagged(graded):
    rep = reports(graded["course"])
    good = rep["s01-correct"]["run_record"]
    assert good["status"] == "verified", good
    assert good["metrics"]["test PSNR (dB)"] > 10
    rec = rep["s01-correct"]["record"]
    assert rec["top_to_bottom"] and rec["fresh_kernel"] and rec["smoke"]
    assert rec["datasets"] and rec["datasets"][0]["dataset"] == "dehaze" and len(rec["datasets"][0]["sha256"]) == 64
    assert rec["machine"]["simd"] in ("AVX-512", "AVX2", "SSE/other")
    bad = rep["s11-edited-output"]["run_record"]
    assert bad["status"] == "flagged"
    assert any("outputs are not those of the recorded run" in p for p in bad["problems"]), bad
    assert any("when the grader runs the code" in p for p in bad["problems"]), bad
    assert rep["s02-sum-not-mean"]["run_record"]["status"] == "no record"
    with open(graded["course"] / "grading-report.csv") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert rows["s11-edited-output"]["run_record"] == "flagged"
    assert rows["s01-correct"]["run_record"] == "verified"


def test_feedback_pages_are_sanitized_and_say_why(graded):
    fb = graded["course"] / "feedback"
    pages = {p.parts[-3]: p.read_text() for p in fb.glob("*/dehazing/dehazing.html")}
    assert set(pages) == set(graded["expected"]), sorted(pages)
    for s, page in pages.items():
        # The page's own template loads MathJax for the formulas; nothing of the student's runs.
        scripts = [m for m in re.findall(r"<script[^>]*>", page, flags=re.I) if "mathjax" not in m.lower()]
        assert not scripts, f"{s}: the feedback page runs scripts: {scripts[:3]}"
        assert "echarts.init" not in page and "gonb_comm" not in page, f"{s}: a chart's script is in the feedback"
    assert "FAIL (hidden test)" in pages["s02-sum-not-mean"]
    assert "3 / 3" in pages["s01-correct"] or "3.0 / 3.0" in pages["s01-correct"]
    # Seen in a browser, as the student opens it: the score and why the check failed.
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        page = fb / "s02-sum-not-mean" / "dehazing" / "dehazing.html"
        dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                              "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60).stdout
        assert "FAIL (hidden test)" in dom and "CheckFailed" in dom, dom[:2000]
        assert re.search(r"1(\.0)?\s*/\s*3(\.0)?", dom), "no score 1 / 3 on the page"


def test_leaderboard_ranks_verified_hand_ins(graded):
    page = (graded["course"] / "leaderboard.html").read_text()
    board = page.split("Not ranked")[0]
    ranked = re.findall(r"<td class='num'>(\d+)</td><td>([^<]+)</td><td class='num'>([0-9.]+)</td>", board)
    students = [s for _, s, _ in ranked]
    assert "s01-correct" in students and "s11-edited-output" not in students, ranked
    values = [float(v) for _, _, v in ranked]
    assert values == sorted(values, reverse=True)
    assert "s11-edited-output" in page.split("Not ranked")[1]
    # Seen in a browser: the table is there and readable.
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                              "--dump-dom", (graded["course"] / "leaderboard.html").as_uri()],
                             capture_output=True, text=True, timeout=60).stdout
        assert "s01-correct" in dom and "test PSNR (dB)" in dom
