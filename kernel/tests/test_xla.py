"""Backend choice in the kernel: the first nn cell never waits on a plugin download (offline, with
GOMLX_BACKEND unset), and a notebook switches between the Go backend and XLA CPU with `%env`."""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import threading

import jupyter_client
import pytest
from jupyter_client.kernelspec import KernelSpecManager

from conftest import KERNEL, execute

ROOT = pathlib.Path(__file__).resolve().parents[2]
CPU_PLUGIN = ROOT / ".venv" / "pjrt" / "pjrt_c_api_cpu_plugin.so"

# A cell that builds and trains a small model with nn and says which backend ran it.
NN_CELL = """%%
d := datasets.Blobs(96, 3, 0.5, 1)
m := nn.Sequential(nn.Dense(8), nn.ReLU(), nn.Dense(3))
h := nb.Must(m.Fit(d).Epochs(1).BatchSize(32).Progress(false).Done())
fmt.Printf("BACKEND=%s\\nSTEPS=%d of %d\\n", nn.BackendName(), len(h.Steps), (d.Len()+31)/32)
"""


class Blackhole:
    """A TCP server that accepts connections and never answers: a download through it as a proxy
    waits forever, like one on a network that drops packets."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


def chosen_backend(env: dict) -> tuple[str, str]:
    """The backend the kernel command picks with this environment (`godl-kernel env`)."""
    out = subprocess.run([str(ROOT / ".bin" / "godl-kernel"), "env"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    m = re.search(r"^export GOMLX_BACKEND='([^']*)'", out.stdout, re.M)
    assert m, out.stdout
    return m.group(1), out.stdout


def backend_line(text: str) -> str:
    m = re.search(r"^BACKEND=(.*)$", text, re.M)
    assert m, text
    return m.group(1)


def test_first_nn_cell_offline_with_backend_unset(tmp_path):
    """GOMLX_BACKEND unset (neither in the kernelspec nor in Jupyter's environment) and every
    download hanging: the kernel picks a backend from what is installed and the first nn cell
    trains without waiting on the network."""
    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    env = {k: v for k, v in spec.env.items() if not k.startswith("GOMLX_") and k not in ("GOFLAGS", "PJRT_PLUGIN_LIBRARY_PATH")}
    kdir = tmp_path / "kernels" / "go-dl-offline"
    kdir.mkdir(parents=True)
    (kdir / "kernel.json").write_text(json.dumps({**spec.to_dict(), "env": env}))

    hole = Blackhole()
    proxy = f"http://127.0.0.1:{hole.port}"
    launch_env = {k: v for k, v in os.environ.items()
                  if not k.startswith("GOMLX_") and k not in ("GOFLAGS", "PJRT_PLUGIN_LIBRARY_PATH")}
    launch_env.update({"HTTP_PROXY": proxy, "HTTPS_PROXY": proxy, "ALL_PROXY": proxy, "NO_PROXY": "",
                       "http_proxy": proxy, "https_proxy": proxy, "no_proxy": "", "GOPROXY": "off"})
    want, kernel_env = chosen_backend(launch_env)

    km = jupyter_client.KernelManager(kernel_name="go-dl-offline",
                                      kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]))
    km.start_kernel(env=launch_env)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        # Generous for a cold build cache (about a minute); a download through the blackhole
        # would never end.
        r = execute(kc, NN_CELL, timeout=240)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        hole.close()
    assert r.status == "ok", r.text
    got = backend_line(r.text)
    if want == "go":
        assert got.startswith("Go Backend"), (got, kernel_env)
    else:
        assert want in got, (want, got, kernel_env)
    steps = re.search(r"STEPS=(\d+) of (\d+)", r.text)
    assert steps and steps.group(1) == steps.group(2) and int(steps.group(1)) > 0, r.text  # one epoch trained
    print(f"first nn cell offline: {r.seconds:.1f} s on {got}")


@pytest.fixture(scope="module")
def kernel():
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name=KERNEL, startup_timeout=120)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def test_env_switches_between_go_and_xla_cpu(kernel):
    """`%env GOMLX_BACKEND=...` in a notebook picks the backend of the following cells."""
    if not CPU_PLUGIN.exists():
        why = ROOT / ".venv" / "pjrt" / "cpu.unavailable"
        pytest.skip("no XLA CPU plugin installed: " + (why.read_text().strip() if why.exists() else "run scripts/xla.sh"))
    _, kc = kernel
    r = execute(kc, "%env GOMLX_BACKEND=xla:cpu")
    assert r.status == "ok", r.text
    r = execute(kc, NN_CELL, timeout=240)
    assert r.status == "ok", r.text
    got = backend_line(r.text)
    assert "xla:cpu" in got and str(CPU_PLUGIN.parent) in got, got

    r = execute(kc, "%env GOMLX_BACKEND=go")
    assert r.status == "ok", r.text
    r = execute(kc, NN_CELL, timeout=240)
    assert r.status == "ok", r.text
    assert backend_line(r.text).startswith("Go Backend"), r.text
