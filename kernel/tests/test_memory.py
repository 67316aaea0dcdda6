"""A cell that uses more memory than its limit (GODL_CELL_MEMORY) is stopped with a message that
says so, and the kernel goes on: the next cell works. Without the limit the system's
out-of-memory killer ends the cell (or the kernel) with nothing in the notebook."""
from __future__ import annotations

import os
import re

import pytest

from conftest import KERNEL, execute, start_kernel

LIMIT = "300MB"
KILL_TEST_ENV = {}  # with {"GODL_CELL_MEMORY": "off"} (no launcher) the cell outlives the kernel

# Touches 64 MB at a time, keeping it all, up to 2 GB: far above the limit, well below the
# machine's memory.
HOG = """%%
var keep [][]byte
for i := 0; i < 32; i++ {
	b := make([]byte, 64<<20)
	for j := range b {
		b[j] = byte(j)
	}
	keep = append(keep, b)
	fmt.Printf("%d MB\\n", (i+1)*64)
}
fmt.Println("allocated", len(keep))
"""


@pytest.fixture(scope="module")
def small_kernel():
    env = {**os.environ, "GODL_CELL_MEMORY": LIMIT}
    km, kc = start_kernel(kernel_name=KERNEL, startup_timeout=120, env=env)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def test_a_cell_over_its_memory_limit_is_stopped_with_a_message(small_kernel):
    _, kc = small_kernel
    r = execute(kc, HOG, timeout=120)
    assert r.status == "error", r.text
    assert "allocated" not in r.stdout, "the cell ran past its memory limit"
    m = re.search(r"This cell used more than (\d+) MB of memory \(limit: 300 MB, GODL_CELL_MEMORY=300MB; "
                  r"the (machine has|container may use) [^)]+\)", r.text)
    assert m, r.text
    assert "use smaller batches or fewer examples" in r.text, r.text
    # Stopped soon after the limit: at most a few 64 MB steps beyond it.
    printed = [int(x) for x in re.findall(r"^(\d+) MB$", r.stdout, re.M)]
    assert printed and max(printed) <= 640, r.stdout
    # The kernel goes on.
    r = execute(kc, '%%\nfmt.Println("still alive", 6*7)')
    assert r.status == "ok", r.text
    assert "still alive 42" in r.stdout


def test_the_notebook_changes_the_limit(small_kernel):
    _, kc = small_kernel
    r = execute(kc, "%env GODL_CELL_MEMORY=3GB")
    assert r.status == "ok", r.text
    r = execute(kc, HOG, timeout=120)
    assert r.status == "ok", r.text
    assert "allocated 32" in r.stdout
    r = execute(kc, "%env GODL_CELL_MEMORY=" + LIMIT)
    assert r.status == "ok", r.text


def test_cells_still_read_input_exit_codes_and_interrupts(small_kernel):
    """The launcher that applies the limit passes the cell's exit status and output through."""
    _, kc = small_kernel
    r = execute(kc, '%%\nfmt.Println("before")\nos.Exit(3)')
    assert r.status == "error"
    assert "before" in r.stdout and "exit status 3" in r.text, r.text
    r = execute(kc, '%%\nfmt.Println(os.Args[1:])', timeout=60)
    assert r.status == "ok" and r.stdout.strip() == "[]", r.text
    r = execute(kc, '%%\npanic("boom")')
    assert r.status == "error" and "panic: boom" in r.text and "Line 2" in r.text, r.text


def test_a_killed_kernel_takes_its_running_cell_with_it():
    """A cell still running (a long training) when the kernel's process alone is killed (by the
    system's out-of-memory killer, say) does not stay behind holding its memory."""
    import signal
    import time

    from test_lifecycle import alive, descendants

    km, kc = start_kernel(kernel_name=KERNEL, startup_timeout=120,
                                                     env={**os.environ, **KILL_TEST_ENV})
    try:
        kc.execute('%%\nfmt.Println("training")\ntime.Sleep(time.Hour)')
        pid = km.provisioner.process.pid
        cells = {}
        for _ in range(600):  # the cell compiles first
            cells = {p: c for p, c in descendants(pid).items() if "gonb_" in c.split(" ")[0]}
            if cells:
                break
            time.sleep(0.1)
        assert cells, f"no cell program below the kernel {pid}: {descendants(pid)}"
        os.kill(pid, signal.SIGKILL)  # the kernel's process only, not its process group
        deadline = time.time() + 10
        while time.time() < deadline and any(alive(p) for p in cells):
            time.sleep(0.1)
        survivors = {p: c for p, c in cells.items() if alive(p)}
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)  # SIGKILL
    assert not survivors, f"the running cell outlived the killed kernel: {survivors}"
