#!/usr/bin/env python3
"""Prints the XLA benchmark table (Markdown) from the JSON lines that bench/train writes, one
line per measurement, plus the lines {"kind": "error", ...} that run.sh adds for a failed run.

Usage: table.py RESULTS.jsonl MACHINE-DESCRIPTION
"""
import json
import sys

NAMES = {"go": "Go backend", "xla:cpu": "XLA CPU", "xla:cuda": "XLA CUDA"}
MODELS = {"mlp": "MLP 784-256-128-10", "lenet": "LeNet-5"}


def main(path, machine):
    rows = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
    speed = [r for r in rows if r.get("kind") in ("speed", "error") and r.get("model") in MODELS]
    backends = []
    for r in speed:
        if r["label"] not in backends:
            backends.append(r["label"])
    cell = {(r["model"], r["label"]): r for r in speed}
    first = next((r for r in speed if r["kind"] == "speed"), {})
    print(f"Training images/s, MNIST, batch {first.get('batch', '?')}, Adam: median of "
          f"{len(first.get('repeats_images_per_s', [])) or '?'} repeats of {first.get('steps', '?')} steps "
          f"(after warm-up steps that compile the graph)")
    print(f"Machine: {machine}; Go threads (GOMAXPROCS): {first.get('threads', '?')}; {first.get('go_version', '')}")
    print()
    print("| model | " + " | ".join(NAMES.get(b, b) for b in backends) + " |")
    print("|---|" + "---:|" * len(backends))
    for m, mname in MODELS.items():
        base = cell.get((m, "go"), {}).get("median_images_per_s")
        out = []
        for b in backends:
            r = cell.get((m, b))
            if r is None:
                out.append("")
            elif r["kind"] == "error":
                out.append("failed: " + r["error"][:160].replace("|", "/"))
            else:
                v = r["median_images_per_s"]
                ratio = f" ({v / base:.2f}× Go)" if base and b != "go" else ""
                out.append(f"{v:,.0f}{ratio}")
        print(f"| {mname} | " + " | ".join(out) + " |")
    for r in rows:
        if r.get("kind") == "full":
            secs = ", ".join(f"{s:.1f}" for s in r["epoch_seconds"])
            print(f"\nLeNet-5 on all of MNIST (60,000 images), {NAMES.get(r['label'], r['label'])}, batch {r['batch']}: "
                  f"epoch times {secs} s (the first includes compilation), test accuracy {100 * r['test_accuracy']:.2f}% "
                  f"after {r['epochs']} epoch(s)")
        elif r.get("kind") == "error" and r.get("model") == "full":
            print(f"\nFull-MNIST LeNet on {r['label']} failed: {r['error'][:300]}")
    print("\nBackends as reported by nn.BackendName():")
    for b in backends:
        r = next((x for x in speed if x["label"] == b and x["kind"] == "speed"), None)
        if r:
            print(f"- {b}: {r['backend']}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
