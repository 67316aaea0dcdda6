"""PyTorch CPU reference for bench/train: the same MLP (784-256-128-10) and LeNet-5 as nn,
trained on MNIST with batch 64, Adam(1e-3), cross-entropy, on a fixed number of threads.

Prints one JSON object per model on stdout (the same fields as the Go program), e.g.

    python3 bench/train/torch_bench.py --mnist DIR --steps 100 --repeats 5 --threads 2

DIR holds the original IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz).
Timed: the whole training step, batch gathering from the in-memory data set included (as in
nn's Fit); the warm-up steps are not timed; the median of the repeats is reported.
"""

import argparse
import gzip
import json
import os
import re
import statistics
import struct
import sys
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    """Reads an IDX file (gzip-compressed or not) into a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist(folder):
    def find(name):
        for candidate in (name, name[: -len(".gz")]):
            p = os.path.join(folder, candidate)
            if os.path.exists(p):
                return p
        raise FileNotFoundError(f"{name} not found in {folder}")

    x = read_idx(find("train-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    y = read_idx(find("train-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y)  # (N, 1, 28, 28), (N,)


def blas_library():
    """The BLAS PyTorch uses: its build's BLAS_INFO, and for Debian's build (BLAS_INFO=generic,
    calling the system libblas.so.3) the library actually loaded."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    m = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    info = m.group(1) if m else "unknown"
    if info != "generic":
        return f"BLAS_INFO={info} (inside libtorch)"
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "libblas" in line and "/" in line}
    except OSError:
        paths = set()
    return "system libblas.so.3: " + (", ".join(sorted(os.path.realpath(p) for p in paths)) or "not found")


def load_avg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return ""


def build(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    if name == "lenet":  # nn.LeNet: same padding for the first convolution, ReLU, max pooling
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, 10))
    raise ValueError(f"unknown model {name!r}: use mlp or lenet")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mnist", required=True, help="folder with the MNIST IDX files")
    ap.add_argument("--models", default="mlp,lenet")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=100, help="optimizer steps per timed repeat")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--label", default="PyTorch CPU")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    x, y = load_mnist(args.mnist)
    n = x.shape[0]
    blas = blas_library()
    order = torch.randperm(n, generator=torch.Generator().manual_seed(1))

    for name in args.models.split(","):
        model = build(name)
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        loss_fn = nn.CrossEntropyLoss()
        offset = 0
        load = load_avg()

        def run(steps):
            nonlocal offset
            start = time.perf_counter()
            for _ in range(steps):
                if offset + args.batch > n:
                    offset = 0
                idx = order[offset : offset + args.batch]
                offset += args.batch
                xb, yb = x.index_select(0, idx), y.index_select(0, idx)
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
            loss.item()
            return steps * args.batch / (time.perf_counter() - start)

        run(args.warmup)
        rates = [run(args.steps) for _ in range(args.repeats)]
        print(json.dumps({
            "kind": "speed", "label": args.label, "model": name, "backend": f"PyTorch {torch.__version__} CPU",
            "blas": blas, "load_before": load, "version": f"PyTorch {torch.__version__}",
            "threads": torch.get_num_threads(), "batch": args.batch, "steps": args.steps,
            "repeats_images_per_s": rates, "median_images_per_s": statistics.median(rates),
        }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
