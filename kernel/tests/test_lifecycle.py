"""A killed kernel leaves nothing behind: GoNB (the kernel command's child) and its gopls go
with it."""
from __future__ import annotations

import os
import pathlib
import time


from conftest import KERNEL, execute, start_kernel


def children(pid: int) -> dict[int, str]:
    """The processes whose parent is pid, with their command lines."""
    out = {}
    for d in pathlib.Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                out[int(d.name)] = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
    return out


def descendants(pid: int) -> dict[int, str]:
    """The processes below pid (children, their children, ...), with their command lines: the
    kernel command runs GoNB as its child, which runs gopls."""
    out, todo = {}, [pid]
    while todo:
        for p, c in children(todo.pop()).items():
            out[p] = c
            todo.append(p)
    return out


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = pathlib.Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_gopls_does_not_outlive_a_killed_kernel():
    km, kc = start_kernel(kernel_name=KERNEL, startup_timeout=120)
    try:
        assert execute(kc, '%%\nfmt.Println("hi")').status == "ok"
        pid = km.provisioner.process.pid
        gopls = {}
        for _ in range(50):  # GoNB starts gopls in the background
            gopls = {p: c for p, c in descendants(pid).items() if "gopls" in c}
            if gopls:
                break
            time.sleep(0.1)
        assert gopls, f"no gopls below the kernel {pid}: {descendants(pid)}"
        gonb = {p: c for p, c in descendants(pid).items() if "gonb" in c and "gopls" not in c}
        assert gonb, f"no GoNB below the kernel {pid}: {descendants(pid)}"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)  # SIGKILL: GoNB gets no chance to stop gopls itself
    deadline = time.time() + 10
    # Both die through their parent-death signal; on a loaded machine that can take a moment.
    while time.time() < deadline and any(alive(p) for p in list(gopls) + list(gonb)):
        time.sleep(0.1)
    assert not any(alive(p) for p in gopls), f"gopls outlived the killed kernel: {gopls}"
    assert not any(alive(p) for p in gonb), f"GoNB outlived the killed kernel: {gonb}"
