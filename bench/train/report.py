"""Turns the JSON lines written by bench/train (Go) and torch_bench.py into the markdown of
RESULTS.md. Used by run.sh:

    python3 bench/train/report.py RESULTS.jsonl MACHINE.txt > RESULTS.md

Only the standard library: it runs where PyTorch is not installed.
"""

import json
import sys


def fmt_rate(r):
    return f"{r:,.0f}" if r else "–"


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
    for r in full:
        secs = r["epoch_seconds"]
        per = sum(secs) / len(secs)
        out.append(f"## LeNet-5 on all of MNIST ({r['label']})")
        out.append("")
        out.append("| epochs | time per epoch | images/s | test accuracy (10,000 digits) | load before |")
        out.append("|---|---|---|---|---|")
        out.append(f"| {r['epochs']} | {per:.1f} s (epochs: " + ", ".join(f"{s:.1f}" for s in secs)
                   + f") | {60000 / per:,.0f} | {100 * r['test_accuracy']:.2f}% | {r.get('load_before', '')} |")
        out.append("")
        out.append(f"60,000 training digits, batch {r['batch']}, Adam(1e-3), seed 1, {r['threads']} threads.")
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
