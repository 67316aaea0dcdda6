#!/usr/bin/env python3
"""Prepares a notebook for handing in: runs it top to bottom in a fresh "Go (Deep Learning)"
kernel, and exports it with its outputs to HTML and PDF next to it.

    make submit NB=notebooks/projects/gtsrb.ipynb [ARGS="--fresh-models --no-pdf ..."]
    scripts/submit.py [--out DIR] [--timeout SECONDS] [--kernel go-dl] [--no-pdf] [--fresh-models]
                      [--setup-if-needed] NOTEBOOK

--setup-if-needed (what `make submit` passes) first checks, in a fraction of a second, that what a
hand-in needs is installed and up to date (setup_problem), and runs scripts/setup.sh only when
something is not, saying what.

What it checks. Every code cell runs, in order, in a new kernel, with the outputs of the saved
notebook cleared first: a notebook that only worked because cells were run out of order, or
because a cell that was since deleted had defined something, fails here as it would for the
teacher. A cell fails on what `make test` counts as a failure (scripts/run_notebooks.py): an
error output (a compile error, for instance), a Go panic or an exit status on stderr, or a line
starting with "FAIL:" outside the cells tagged `exercise-check`. The run stops at the first
failing cell, prints its number, its first line and the error, writes nothing and exits with 1.
Exercise checks that still print FAIL do not stop the run: they are counted in the summary.

What it writes. The notebook is saved with the run's outputs and its run record, into --out
under its own name (by default over NOTEBOOK itself)
(grading/record.py; not with --no-notebook): ran top to bottom in a fresh kernel, when, how long,
kernel, backend, Go, machine and SIMD level, the data sets read (their manifests' SHA-256), the
metrics the notebook reported (nb.Report), each check's verdict, and hashes of the code and of the
outputs. The grader runs the notebook again and flags a hand-in whose outputs are not those of its
code. Reload the notebook in JupyterLab afterwards (File > Reload Notebook from Disk).
Into --out (default: the notebook's own folder):
  NAME.html  the notebook with every output; each chart is the live echarts chart with its
             static PNG inside the same output (data:image/png), so it also shows where
             scripts do not run;
  NAME.pdf   printed by headless Chromium from an HTML export where every output that has a
             PNG (the charts) is shown as that PNG.
Both pages are self-contained (scripts/offline_html.py): the formulas of the markdown cells are
typeset when they are written, by MathJax 3 in node, as SVG, and nothing is loaded from the
network, on the student's machine, the teacher's, or the PDF printer's.
Both end with a line saying that the notebook ran top to bottom in a fresh kernel, when, and
in how long. Files are replaced atomically; a failed run leaves earlier exports untouched.

Models kept across cells with nn.Memo are reused (they retrain when their architecture
changes); --fresh-models trains every one again in an empty models folder.

Exit status: 0 exported, 1 the notebook does not run top to bottom, 2 a setup problem (no such
notebook, kernel, Chromium, node or mathjax-full).
"""
from __future__ import annotations

import argparse
import copy
import datetime
import hashlib
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import nbformat

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import offline_html  # noqa: E402  (self-contained pages: formulas typeset, no network)
import run_notebooks  # noqa: E402  (the runner of `make test`: the same failure rules)
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "grading"))
import record  # noqa: E402  (the run record written into the hand-in)

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Outputs carrying a PNG (every chart of the viz package) are printed as that PNG: the live
# chart needs a script and a browser window, the picture is the same chart, and stays sharp.
PRINT_PRIORITY = ["image/png", "image/jpeg", "image/svg+xml", "text/html", "text/markdown",
                  "text/latex", "text/plain"]

# A4 pages; long code lines wrap instead of being cut at the margin; pictures fit the page.
PRINT_CSS = """<style>
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
  .jp-OutputArea-output img { max-width: 100%; height: auto; break-inside: avoid; }
}
</style>
"""


class SubmitError(Exception):
    """A problem that stops the submission, with what to do about it."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class _CellFailed(Exception):
    """Raised from nbclient's cell hook to stop the run at the first failing cell."""


def go_version() -> str:
    try:
        return subprocess.run(["bash", "-c", f"source {ROOT}/scripts/env.sh && go env GOVERSION"], capture_output=True,
                              text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def clear_outputs(nb) -> None:
    """Removes the outputs and execution counts saved with the notebook."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None


def run_fresh(nb, path: pathlib.Path, kernel: str, timeout: int | None) -> tuple[list[str], float]:
    """Executes nb's cells in order in a new kernel started in path's folder. Returns the failure
    messages (empty when every cell ran) and the seconds it took; stops at the first failure."""
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    def check(**_):
        # The cells after this one have not run (no outputs), the ones before passed.
        if run_notebooks.cell_failures(nb):
            raise _CellFailed()

    running = ""

    def started(cell, cell_index, **_):
        nonlocal running
        number = sum(c.cell_type == "code" for c in nb.cells[:cell_index + 1])
        first = next((ln for ln in cell.source.splitlines() if ln.strip() and ln.strip() != "%%"), "")
        running = f"cell {number} (index {cell_index}, {first[:60]!r})"

    start = time.monotonic()
    problems: list[str] = []
    try:
        run_notebooks.run_client(nb, kernel_name=kernel, timeout=timeout, allow_errors=True,
                                 on_cell_start=started, on_cell_executed=check,
                                 resources={"metadata": {"path": str(path.parent.resolve())}})
    except _CellFailed:
        pass
    except NoSuchKernel:
        raise SubmitError(f"the Jupyter kernel {kernel!r} is not installed: run `make setup` "
                          "(or `go run ./kernel install`) in the course repository", 2)
    except CellTimeoutError:
        problems.append(f"{running} ran longer than {timeout} s (--timeout): an endless loop, or "
                        "training too long for a hand-in?")
    except DeadKernelError as e:
        problems.append(f"the kernel died in {running}: {e}")
    except Exception as e:  # noqa: BLE001 - any failure to start or talk to the kernel
        problems.append(f"{type(e).__name__}: {e}")
    return problems + run_notebooks.cell_failures(nb), time.monotonic() - start


def exercise_summary(nb) -> str:
    """Counts the exercise checks (cells tagged exercise-check) that print PASS and FAIL."""
    passed, failed = [], []
    code_no = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code_no += 1
        if "exercise-check" not in run_notebooks.tags(cell):
            continue
        passes, fails = run_notebooks.check_lines(cell)
        (failed if fails or not passes else passed).append(code_no)
    if not passed and not failed:
        return ""
    text = f"exercise checks: {len(passed)} PASS, {len(failed)} not passing"
    if failed:
        text += " (cells " + ", ".join(map(str, failed)) + ")"
    return text


def kernel_backend(kernel: str) -> str:
    """The GOMLX_BACKEND the kernel's cells run with: its kernelspec's env (which Jupyter applies
    over the environment), else the environment."""
    from jupyter_client.kernelspec import KernelSpecManager

    try:
        env = KernelSpecManager().get_kernel_spec(kernel).env
    except Exception:  # noqa: BLE001 - only for the closing line
        env = {}
    return env.get("GOMLX_BACKEND") or os.environ.get("GOMLX_BACKEND", "")


def stamp_cell(seconds: float, kernel: str) -> nbformat.NotebookNode:
    """The closing line of the exports: how the notebook was run."""
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    backend = kernel_backend(kernel)
    cell = nbformat.v4.new_markdown_cell(
        f"---\n*Run top to bottom in a fresh kernel ({kernel}"
        + (f", GOMLX_BACKEND={backend}" if backend else "")
        + f") by `scripts/submit.py` on {when}, in {seconds:.0f} s.*")
    cell.metadata["tags"] = ["submission-stamp"]
    return cell


def write_atomic(path: pathlib.Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def export_html(nb, name: str, print_version: bool = False) -> str:
    """The self-contained HTML page of nb (scripts/offline_html.py: nbconvert's JupyterLab
    template, formulas typeset as SVG, nothing loaded from the network). print_version shows
    outputs that carry a PNG as that PNG and adds the print CSS. TeX errors and pictures loaded
    from the web are reported on stderr."""
    from traitlets.config import Config

    config = Config()
    if print_version:
        config.NbConvertBase.display_data_priority = PRINT_PRIORITY
    problems: list[str] = []
    try:
        body = offline_html.export(nb, name=name, config=config, problems=problems)
    except offline_html.OfflineHTMLError as e:
        raise SubmitError(str(e), 2)
    if not print_version:  # the same notes for both pages: said once
        for p in problems:
            print(f"submit: note: {name}.html: {p}", file=sys.stderr)
    if print_version:
        body = body.replace("</head>", PRINT_CSS + "</head>", 1)
    return body


def find_chromium() -> str | None:
    for c in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if c and shutil.which(c):
            return shutil.which(c)
    return None


def print_pdf(page_html: str, pdf: pathlib.Path, chromium: str) -> None:
    """Prints page_html to pdf with headless Chromium (offline: the page is self-contained)."""
    with tempfile.TemporaryDirectory(prefix="godl-submit-") as tmp:
        page = pathlib.Path(tmp) / "print.html"
        page.write_text(page_html, encoding="utf-8")
        out = pathlib.Path(tmp) / "out.pdf"
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", f"--user-data-dir={tmp}/profile",
               # Scripts run in virtual time, which jumps ahead whenever the page is idle.
               "--virtual-time-budget=30000", "--run-all-compositor-stages-before-draw",
               "--no-pdf-header-footer", "--print-to-pdf-no-header", f"--print-to-pdf={out}",
               page.as_uri()]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            raise SubmitError(f"{chromium} did not print the PDF within 300 s", 2)
        data = out.read_bytes() if out.exists() else b""
        if not data.startswith(b"%PDF"):
            tail = "\n    ".join(p.stderr.strip().splitlines()[-5:])
            raise SubmitError(f"{chromium} did not write a PDF (exit status {p.returncode}):\n    {tail}", 2)
        write_atomic(pdf, data)


KERNEL_SOURCES = ["kernel", "internal/atomicfile", "viz/assets", "datasets"]


def _sha256(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def setup_problem(kernel: str) -> str | None:
    """What `make submit` needs from scripts/setup.sh and does not find up to date, or None: the
    .venv of requirements.txt, node and node_modules of package-lock.json (mathjax-full), and the
    kernel: its kernelspec pointing at this checkout, for GoNB as pinned in go.mod, the Go
    toolchain of go.mod and $GOMLX_BACKEND when set, and its binaries built after the kernel's
    sources last changed. Reads files only (a fraction of a second); `make setup` does the rest."""
    venv = ROOT / ".venv"
    try:
        if _sha256(ROOT / "requirements.txt") != (venv / ".requirements.sha256").read_text().strip():
            return "the Python packages of .venv are not those of requirements.txt"
    except OSError:
        return ".venv is not set up"
    lock = ROOT / "package-lock.json"
    if lock.is_file():
        try:
            if _sha256(lock) != (ROOT / "node_modules" / ".lock.sha256").read_text().strip():
                return "node_modules is not that of package-lock.json"
        except OSError:
            return "node_modules is not installed"
    try:
        offline_html.check_tools()
    except offline_html.OfflineHTMLError as e:
        return str(e)

    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    try:
        spec = KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel:
        return f"the kernel {kernel!r} is not installed"
    godl = (spec.metadata or {}).get("godl", {})
    if not godl:
        return None  # another kernel (--kernel): not the course's to check
    if pathlib.Path(godl.get("root", "")).resolve() != ROOT:
        return f"the kernel {kernel!r} points at {godl.get('root')!r}, not at this checkout {ROOT}"
    gomod = (ROOT / "go.mod").read_text(encoding="utf-8")
    pinned = next((ln.split()[1] for ln in gomod.splitlines()
                   if ln.split()[:1] == ["github.com/janpfeifer/gonb"] and len(ln.split()) > 1), None)
    if pinned and godl.get("gonb") != pinned:
        return f"the kernel was installed for GoNB {godl.get('gonb')}, go.mod pins {pinned}"
    toolchain = next((ln.split()[1] for ln in gomod.splitlines() if ln.startswith("toolchain ")), None)
    if toolchain and spec.env.get("GOTOOLCHAIN", toolchain) not in (toolchain, "auto", "local"):
        return f"the kernel runs Go {spec.env.get('GOTOOLCHAIN')}, go.mod's toolchain is {toolchain}"
    backend = os.environ.get("GOMLX_BACKEND")
    if backend and spec.env.get("GOMLX_BACKEND") != backend:
        return f"GOMLX_BACKEND={backend}, the kernel's is {spec.env.get('GOMLX_BACKEND')!r}"
    echarts = spec.env.get("GODL_ECHARTS_JS")
    if echarts and not pathlib.Path(echarts).is_file():
        return f"the kernel's echarts library {echarts} is missing"
    binaries = [pathlib.Path(spec.argv[0])] + [ROOT / ".bin" / b for b in ("gonb", "goimports", "gopls")]
    for b in binaries:
        if not os.access(b, os.X_OK):
            return f"{b} is missing"
    built = binaries[0].stat().st_mtime  # `go build -o` rewrites it at every setup
    # The kernel's package and the course's packages it imports (go list would take seconds).
    sources = [ROOT / "go.mod", ROOT / "go.sum",
               *(f for d in KERNEL_SOURCES for f in (ROOT / d).glob("*.go"))]
    newer = [f for f in sources if f.is_file() and f.stat().st_mtime > built and not f.name.endswith("_test.go")]
    if newer:
        return f"{newer[0].relative_to(ROOT)} changed since the kernel was built"
    return None


def submit(args) -> int:
    path = pathlib.Path(args.notebook)
    if path.suffix != ".ipynb" or not path.is_file():
        raise SubmitError(f"{path}: no such notebook (give the path of a .ipynb file)", 2)
    out_dir = pathlib.Path(args.out) if args.out else path.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        offline_html.check_tools()  # before the run, which may take long
    except offline_html.OfflineHTMLError as e:
        raise SubmitError(str(e), 2)
    chromium = None
    if not args.no_pdf:
        chromium = find_chromium()
        if chromium is None:
            raise SubmitError("no Chromium found for the PDF: `apt-get install chromium` (or "
                              "viz/browsertest/setup.sh, or set CHROMIUM=/path/to/chrome), or "
                              "use --no-pdf for the HTML only", 2)

    nb = nbformat.read(path, as_version=4)
    clear_outputs(nb)
    nb.metadata.get("godl", {}).pop(record.KEY, None)
    started = datetime.datetime.now(datetime.timezone.utc)
    print(f"submit: running {path} top to bottom in a fresh {args.kernel!r} kernel ...", flush=True)
    saved_models = os.environ.get("GODL_MODELS")
    with tempfile.TemporaryDirectory(prefix="godl-models-") as models:
        if args.fresh_models:
            os.environ["GODL_MODELS"] = models
        run_log = pathlib.Path(models) / "run.log"  # the data sets the cells read (datasets.EnvRunLog)
        os.environ["GODL_RUN_LOG"] = str(run_log)
        try:
            problems, seconds = run_fresh(nb, path, args.kernel, args.timeout)
            if not problems:
                record.attach(nb, record.make(nb, started=started, seconds=seconds, kernel=args.kernel,
                                              backend=kernel_backend(args.kernel), run_log=run_log,
                                              go_version=go_version()))
        finally:
            os.environ.pop("GODL_RUN_LOG", None)
            if saved_models is None:
                os.environ.pop("GODL_MODELS", None)
            else:
                os.environ["GODL_MODELS"] = saved_models
    if problems:
        print(f"submit: FAIL {path} does not run from top to bottom in a fresh kernel "
              f"({seconds:.0f} s); nothing was exported:", file=sys.stderr)
        for p in problems:
            print("  - " + p.replace("\n", "\n    "), file=sys.stderr)
        print("Fix that cell (run Kernel > Restart Kernel and Run All Cells in JupyterLab to see "
              "it there), then submit again.", file=sys.stderr)
        return 1

    exercises = exercise_summary(nb)
    # The notebook itself, with its outputs and its run record: what the grader checks.
    nb_path = out_dir / path.name  # NOTEBOOK itself unless --out names another folder
    if not args.no_notebook:
        write_atomic(nb_path, nbformat.writes(nb).encode("utf-8"))
    nb = nbformat.from_dict(copy.deepcopy(nb))
    nb.cells.append(stamp_cell(seconds, args.kernel))
    name = path.stem
    html_path = out_dir / f"{name}.html"
    write_atomic(html_path, export_html(nb, name).encode("utf-8"))
    written = [html_path]
    if chromium:
        pdf_path = out_dir / f"{name}.pdf"
        print_pdf(export_html(nb, name, print_version=True), pdf_path, chromium)
        written.append(pdf_path)
    print(f"submit: ok   {path} ran top to bottom in {seconds:.0f} s"
          + (f"; {exercises}" if exercises else ""))
    if not args.no_notebook:
        rec = record.get(nb)
        shown = ", ".join(f"{k} = {v:g}" for k, v in rec["metrics"].items())
        print(f"  wrote {nb_path}: its outputs and run record" + (f" (reported: {shown})" if shown else ""))
    for w in written:
        print(f"  wrote {w} ({w.stat().st_size / 1e6:.1f} MB)")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebook", help="the notebook to hand in (.ipynb)")
    ap.add_argument("--out", help="folder for NAME.html and NAME.pdf (default: the notebook's folder)")
    ap.add_argument("--kernel", default=os.environ.get("DLNB_KERNEL", "go-dl"),
                    help="kernel to run it with (default go-dl, the course's)")
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("DLNB_CELL_TIMEOUT", "3600")),
                    help="seconds a single cell may run (default 3600, or $DLNB_CELL_TIMEOUT)")
    ap.add_argument("--no-pdf", action="store_true", help="export the HTML only")
    ap.add_argument("--no-notebook", action="store_true",
                    help="leave NOTEBOOK as it is (by default it is saved with the run's outputs and its run record)")
    ap.add_argument("--fresh-models", action="store_true",
                    help="retrain every nn.Memo model (an empty models folder for this run)")
    ap.add_argument("--setup-if-needed", action="store_true",
                    help="run scripts/setup.sh first when something a hand-in needs is missing or "
                         "out of date (make submit)")
    args = ap.parse_args(argv)
    if args.setup_if_needed:
        problem = setup_problem(args.kernel)
        if problem:
            print(f"submit: {problem}: running scripts/setup.sh first", file=sys.stderr, flush=True)
            if subprocess.run([str(ROOT / "scripts" / "setup.sh")]).returncode != 0:
                print("submit: scripts/setup.sh failed (see above)", file=sys.stderr)
                return 2
            # Again in a new interpreter: setup may have replaced the packages this one loaded.
            rest = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--setup-if-needed"]
            os.execv(sys.executable, [sys.executable, str(pathlib.Path(__file__).resolve()), *rest])
    try:
        return submit(args)
    except SubmitError as e:
        print(f"submit: {e}", file=sys.stderr)
        return e.status


if __name__ == "__main__":
    sys.exit(main())
