#!/usr/bin/env python3
"""Cell latency of the "Go (Deep Learning)" kernel, driven through jupyter_client as JupyterLab
drives it. Not a test: it prints a table (and writes it to build/bench/celllatency.md).

Measured:
  1. kernel start to the first reply (kernel_info),
  2. a trivial cell (median of --repeat runs),
  3. a cell that uses nn, warm build cache (median; each run edits the cell so it is rebuilt),
  4. a cell that uses nn, viz and datasets, warm (median),
  5. the first nn cell after `kernel install` on a cold Go build cache (install warms it),
  6. the same first cell on a cold cache with `install --no-warm` (what warming saves).

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

    if not args.skip_cold:
        inst, first = cold_first_cell(warm=True)
        rows.append(("first nn cell after install, cold cache", first, f"install took {inst:.0f}s (warms the cache)"))
        inst, first = cold_first_cell(warm=False)
        rows.append(("same, install --no-warm", first, f"install took {inst:.0f}s"))

    spec = json.loads((pathlib.Path(jupyter_client.kernelspec.KernelSpecManager().get_kernel_spec(args.kernel).resource_dir)
                       / "kernel.json").read_text())
    lines = [
        f"Cell latency, kernel `{args.kernel}` ({platform.node()}, {os.cpu_count()} cores, "
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
