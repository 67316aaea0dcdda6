#!/usr/bin/env python3
"""Cell latency of the "Go (Deep Learning)" kernel, driven through jupyter_client as JupyterLab
drives it. Not a test: it prints a table (and writes it to build/bench/celllatency.md).

Measured:
  1. kernel start to the first reply (kernel_info),
  2. a trivial cell (median of --repeat runs),
  3. a cell that uses nn, warm build cache (median; each run edits the cell so it is rebuilt),
  4. a cell that uses nn, viz and datasets, warm (median),
  5. the first nn cell after `kernel install` on a cold Go build cache (install warms it),
  6. the same first cell on a cold cache with `install --no-warm` (what warming saves),
  7. state across cells: MNIST and Fashion-MNIST loaded again in a later cell (raw and
     normalized), from the sources (GODL_DECODED_CACHE=off) and from the decoded cache, and a
     model memoized with Fit(...).Memo loaded back; the time inside the program (what the load
     costs) and the whole cell.

Run from the repository root after `make setup`:  make bench-latency
(5 and 6 compile GoMLX from scratch into a temporary GOCACHE: a few minutes on 2 cores;
--skip-cold leaves them out.)
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import jupyter_client

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "kernel" / "tests"))
from conftest import execute  # noqa: E402  (the kernel tests' cell runner)

NN_CELL = "%%\nm := nn.Sequential(nn.Dense(4))\nfmt.Println(nn.BackendName(), m != nil) // run {i}"
ALL_CELL = ("%%\nd := datasets.Spiral(50, 2, 0.1, 1)\nm := nn.Sequential(nn.Dense(4))\n"
            "fmt.Println(d.Len(), m != nil, viz.Curves != nil) // run {i}")


def start(kernel: str, env: dict | None = None):
    t0 = time.monotonic()
    km = jupyter_client.KernelManager(kernel_name=kernel)
    km.start_kernel(env=env) if env else km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    return km, kc, time.monotonic() - t0


def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def timed(kc, code: str) -> float:
    r = execute(kc, code, timeout=900)
    if r.status != "ok":
        raise SystemExit(f"cell failed:\n{code}\n{r.text[:3000]}")
    return r.seconds


TIMED_CELL = ("%%\nt0 := time.Now()\n{load}\nfmt.Println(\"ELAPSED_MS\", float64(time.Since(t0).Microseconds())/1000, {show}) // run {i}")
# (row, code that loads; the names it leaves for the check print)
LOADS = [
    ("MNIST", "train, test := nb.Must2(datasets.MNIST())", "train.Len(), test.Len()"),
    ("MNIST, normalized", "train, test := nb.Must2(datasets.MNIST())\nnb.Must(datasets.Normalize(train, test))",
     "train.Len(), test.Norm.Mean"),
    ("Fashion-MNIST, normalized", "train, test := nb.Must2(datasets.FashionMNIST())\nnb.Must(datasets.Normalize(train, test))",
     "train.Len(), test.Norm.Mean"),
]
MEMO_CELL = ("%%\ntrain, _ := nb.Must2(datasets.MNIST())\nsmall := train.Take(2048)\nm := nn.LeNet(10)\nt0 := time.Now()\n"
             "h := nb.Must(m.Fit(small).Epochs(1).Memo(\"celllatency-lenet\"))\n"
             "fmt.Println(\"ELAPSED_MS\", float64(time.Since(t0).Microseconds())/1000, len(h.Epochs)) // run {i}")


def timed_inside(kc, code: str) -> tuple[float, float]:
    """Runs code; returns (milliseconds the program printed after ELAPSED_MS, cell seconds)."""
    r = execute(kc, code, timeout=900)
    if r.status != "ok":
        raise SystemExit(f"cell failed:\n{code}\n{r.text[:3000]}")
    for line in r.text.splitlines():
        if line.startswith("ELAPSED_MS "):
            return float(line.split()[1]), r.seconds
    raise SystemExit(f"no ELAPSED_MS line:\n{r.text[:3000]}")


def state_rows(kc, repeat: int) -> list[tuple[str, float, str]]:
    rows = []

    def measure(name, code, note):
        timed_inside(kc, code.format(i=0))  # first run: writes the caches, trains the memo
        t = [timed_inside(kc, code.format(i=i)) for i in range(1, repeat + 1)]
        ms = statistics.median(x[0] for x in t)
        cell = statistics.median(x[1] for x in t)
        rows.append((name, ms / 1000, f"{ms:.0f} ms in the program, cell {cell:.2f} s; {note}, median of {len(t)}"))

    execute(kc, "%env GODL_DECODED_CACHE=off")
    for name, load, show in LOADS:
        measure(f"{name}, later cell, from the sources", TIMED_CELL.replace("{load}", load).replace("{show}", show),
                "GODL_DECODED_CACHE=off")
    execute(kc, "%env GODL_DECODED_CACHE=on")
    for name, load, show in LOADS:
        measure(f"{name}, later cell, decoded cache", TIMED_CELL.replace("{load}", load).replace("{show}", show),
                "mmap of the decoded file")
    measure("memoized LeNet back (Fit(...).Memo)", MEMO_CELL, "after the data set; weights from GODL_MODELS")
    return rows


def cpu_flags() -> set[str]:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def simd_level() -> str:
    """The widest x86 vector extension of this CPU ("AVX-512", "AVX2", ...), as bench/train says it."""
    f = cpu_flags()
    for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"), ("sse4_2", "SSE4.2")):
        if flag in f:
            return name
    return platform.machine()


def cpu_name() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cold_first_cell(warm: bool) -> tuple[float, float]:
    """Installs a kernelspec into a temp prefix with a fresh GOCACHE; returns (install s, first cell s)."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="godl-cold-"))
    try:
        env = dict(os.environ, GOCACHE=str(tmp / "gocache"), JUPYTER_PATH=str(tmp / "share" / "jupyter"))
        cmd = ["go", "run", "./kernel", "install", "--prefix", str(tmp), "--name", "go-dl-cold"]
        if not warm:
            cmd.append("--no-warm")
        t0 = time.monotonic()
        subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        install_s = time.monotonic() - t0
        saved = dict(os.environ)
        os.environ.update(env)  # the kernel inherits GOCACHE; jupyter_client finds the spec via JUPYTER_PATH
        try:
            km, kc, _ = start("go-dl-cold")
            try:
                first = timed(kc, NN_CELL.format(i=0))
            finally:
                stop(km, kc)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return install_s, first
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", default="go-dl")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--skip-cold", action="store_true")
    ap.add_argument("--skip-state", action="store_true", help="leave out the data-set and memo rows")
    args = ap.parse_args()

    rows = []
    starts = []
    for _ in range(3):
        km, kc, s = start(args.kernel)
        starts.append(s)
        stop(km, kc)
    rows.append(("kernel start to first reply", statistics.median(starts), f"median of {len(starts)}"))

    km, kc, _ = start(args.kernel)
    try:
        timed(kc, "%%\nfmt.Println(0)")
        t = [timed(kc, f'%%\nfmt.Println({i})') for i in range(1, args.repeat + 1)]
        rows.append(("trivial cell", statistics.median(t), f"median of {len(t)}, min {min(t):.2f}"))
        timed(kc, NN_CELL.format(i=0))  # first use of these imports in this kernel: go.mod updated
        t = [timed(kc, NN_CELL.format(i=i)) for i in range(1, args.repeat + 1)]
        rows.append(("cell using nn (warm cache)", statistics.median(t), f"median of {len(t)}, min {min(t):.2f}"))
        timed(kc, ALL_CELL.format(i=0))
        t = [timed(kc, ALL_CELL.format(i=i)) for i in range(1, args.repeat + 1)]
        rows.append(("cell using nn, viz, datasets (warm)", statistics.median(t), f"median of {len(t)}, min {min(t):.2f}"))
    finally:
        stop(km, kc)

    if not args.skip_state:
        models = tempfile.mkdtemp(prefix="godl-latency-models-")
        km, kc, _ = start(args.kernel, dict(os.environ, GODL_MODELS=models))
        try:
            rows += state_rows(kc, args.repeat)
        finally:
            stop(km, kc)
            shutil.rmtree(models, ignore_errors=True)

    if not args.skip_cold:
        inst, first = cold_first_cell(warm=True)
        rows.append(("first nn cell after install, cold cache", first, f"install took {inst:.0f}s (warms the cache)"))
        inst, first = cold_first_cell(warm=False)
        rows.append(("same, install --no-warm", first, f"install took {inst:.0f}s"))

    spec = json.loads((pathlib.Path(jupyter_client.kernelspec.KernelSpecManager().get_kernel_spec(args.kernel).resource_dir)
                       / "kernel.json").read_text())
    lines = [
        f"Cell latency, kernel `{args.kernel}` ({cpu_name()}, SIMD {simd_level()}, {os.cpu_count()} cores, "
        f"GOMLX_BACKEND={spec['env'].get('GOMLX_BACKEND')}, GOFLAGS={spec['env'].get('GOFLAGS')})",
        "",
        "| what | seconds | notes |",
        "|---|---|---|",
    ] + [f"| {name} | {sec:.2f} | {note} |" for name, sec, note in rows]
    text = "\n".join(lines)
    print(text)
    out = ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "celllatency.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
