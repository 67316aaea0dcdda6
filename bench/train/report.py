"""Turns the JSON lines written by bench/train (Go) and torch_bench.py into the markdown of
RESULTS.md. Used by run.sh:

    python3 bench/train/report.py RESULTS.jsonl MACHINE.txt > RESULTS.md

Only the standard library: it runs where PyTorch is not installed.
"""

import json
import sys


def fmt_rate(r):
    return f"{r:,.0f}" if r else "–"


def crossover_lines(speed):
    """Where XLA CPU starts to pay off against the Go backend (SIMD build), per model, from the
    warm-up (first Fit, compilation included) and the timed steps of both rows:
    compile = warm-up time − warm-up steps × step time; N* = Δcompile / Δstep."""
    go = {r["model"]: r for r in speed if r["label"] == "nn, Go backend, GOEXPERIMENT=simd"}
    xla = {r["model"]: r for r in speed if r["label"] == "nn, XLA CPU"}
    lines = []
    for model, name in (("mlp", "MLP 784-256-128-10"), ("lenet", "LeNet-5")):
        g, x = go.get(model), xla.get(model)
        if not g or not x or not g.get("warmup_seconds") or not x.get("warmup_seconds"):
            continue
        step_g, step_x = g["batch"] / g["median_images_per_s"], x["batch"] / x["median_images_per_s"]
        comp_g = g["warmup_seconds"] - g["warmup_steps"] * step_g
        comp_x = x["warmup_seconds"] - x["warmup_steps"] * step_x
        if step_x < step_g:
            n = (comp_x - comp_g) / (step_g - step_x)
            verdict = f"XLA CPU is faster from about **{max(0, n):,.0f} steps** on"
        else:
            verdict = "the Go backend is faster at any length"
        lines.append(f"- {name}: step {1000 * step_g:.1f} ms (Go) vs {1000 * step_x:.1f} ms (XLA CPU); "
                     f"compilation and start {comp_g:.2f} s vs {comp_x:.2f} s: {verdict}.")
    if lines:
        lines = ["Crossover of GOMLX_BACKEND=auto (nn.AutoConvCrossover, nn.AutoDenseCrossover), measured here:", ""] + lines + [""]
    return lines


def main():
    lines_path, machine_path = sys.argv[1], sys.argv[2]
    rows = []
    with open(lines_path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    with open(machine_path) as f:
        machine = f.read().strip()

    speed = [r for r in rows if r["kind"] == "speed"]
    skips = [r for r in rows if r["kind"] == "skip"]
    full = [r for r in rows if r["kind"] == "full"]
    refs = {}  # model → PyTorch label → images/s
    for r in speed:
        if r["label"].startswith("PyTorch"):
            refs.setdefault(r["model"], {})[r["label"]] = r["median_images_per_s"]

    out = ["# Training speed: nn (GoMLX) against PyTorch on the CPU", "", machine, ""]
    out.append("MNIST, batch 64, Adam(1e-3), cross-entropy; training images per second "
               "(median of the repeats, warm-up steps excluded; batch assembly included for every "
               "backend). CPU ms/step: process CPU time (all threads) per optimizer step.")
    out.append("")
    labels = []
    for r in speed:
        if r["label"] not in labels:
            labels.append(r["label"])
    torch_labels = [lb for lb in labels if lb.startswith("PyTorch")]
    header = "| backend | model | images/s | CPU ms/step | " + " | ".join(f"÷ {lb}" for lb in torch_labels) + " | load before |"
    out.append(header)
    out.append("|" + "---|" * (header.count("|") - 1))
    for lb in labels:
        for model in ("mlp", "lenet"):
            for r in speed:
                if r["label"] != lb or r["model"] != model:
                    continue
                ratios = []
                for tl in torch_labels:
                    ref = refs.get(model, {}).get(tl)
                    ratios.append(f"{r['median_images_per_s'] / ref:.2f}×" if ref else "–")
                cpu = f"{r['cpu_ms_per_step']:.1f}" if r.get("cpu_ms_per_step") else "–"
                name = {"mlp": "MLP 784-256-128-10", "lenet": "LeNet-5"}[model]
                out.append(f"| {lb} | {name} | {fmt_rate(r['median_images_per_s'])} | {cpu} | "
                           + " | ".join(ratios) + f" | {r.get('load_before', '')} |")
    for r in skips:
        out.append(f"| {r['label']} | – | skipped | | " + " | ".join("" for _ in torch_labels)
                   + f" | {r.get('load_before', '')} |")
    out.append("")
    for r in skips:
        out.append(f"- {r['label']} skipped: {r['reason']}")
    for lb in torch_labels:
        r = next(x for x in speed if x["label"] == lb)
        out.append(f"- {lb}: {r['version']}, {r['threads']} threads, BLAS loaded: {r.get('blas', '?')}")
    versions = sorted({r["version"] for r in speed if not r["label"].startswith("PyTorch")})
    if versions:
        out.append("- Go: " + "; ".join(versions) + "; backends: "
                   + "; ".join(sorted({r["backend"] for r in speed if not r["label"].startswith("PyTorch")})))
    out.append("")
    out += crossover_lines(speed)
    for r in full:
        secs = r["epoch_seconds"]
        per = sum(secs) / len(secs)
        total = r.get("total_seconds") or sum(secs)
        rate = 60000 * r["epochs"] / total
        ratios = [f"{rate / refs['lenet'][tl]:.2f}× {tl}" for tl in torch_labels if refs.get("lenet", {}).get(tl)]
        out.append(f"## LeNet-5 on all of MNIST ({r['label']})")
        out.append("")
        if r.get("auto"):
            out.append(f"Backend chosen: **{r['backend']}**, {r['auto']}.")
            out.append("")
        out.append("| epochs | time per epoch | whole run (compilation included) | images/s of the whole run | ÷ PyTorch (LeNet rows above) | test accuracy (10,000 digits) | load before |")
        out.append("|---|---|---|---|---|---|---|")
        out.append(f"| {r['epochs']} | {per:.1f} s (epochs: " + ", ".join(f"{s:.1f}" for s in secs)
                   + f") | {total:.1f} s | {rate:,.0f} | {', '.join(ratios) or '–'} | {100 * r['test_accuracy']:.2f}% | {r.get('load_before', '')} |")
        out.append("")
        out.append(f"60,000 training digits, batch {r['batch']}, Adam(1e-3), seed 1, {r['threads']} threads.")
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
