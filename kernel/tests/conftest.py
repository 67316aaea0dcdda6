"""Fixtures that drive the installed "Go (Deep Learning)" kernel through jupyter_client, as
JupyterLab does. Run with `make kernel-tests` (after `make setup`)."""
from __future__ import annotations

import dataclasses
import html
import os
import re
import time

import jupyter_client
import pytest

KERNEL = os.environ.get("DLNB_KERNEL", "go-dl")


@dataclasses.dataclass
class Result:
    status: str                 # execute_reply status: "ok" or "error"
    stdout: str
    stderr: str
    errors: list[dict]          # contents of `error` messages
    displays: list[dict]        # data bundles of display_data / execute_result / update_display_data
    seconds: float

    @property
    def text(self) -> str:
        """Everything the cell showed, HTML displays as plain text (GoNB shows compile errors as HTML)."""
        shown = [d.get("text/plain") or html.unescape(re.sub(r"<[^>]+>", "", d.get("text/html", "")))
                 for d in self.displays]
        return self.stdout + self.stderr + "".join(shown) + "".join(
            e.get("ename", "") + ": " + e.get("evalue", "") + "\n".join(e.get("traceback", [])) for e in self.errors)


def execute(kc, code: str, timeout: float = 120, on_start=None) -> Result:
    """Runs one cell and collects what the kernel published for it."""
    stdout, stderr, errors, displays = [], [], [], []

    def hook(msg):
        t, c = msg["msg_type"], msg["content"]
        if t == "stream":
            (stdout if c["name"] == "stdout" else stderr).append(c["text"])
        elif t == "error":
            errors.append(c)
        elif t in ("display_data", "execute_result", "update_display_data"):
            displays.append(c.get("data", {}))
        elif t == "status" and c["execution_state"] == "busy" and on_start:
            on_start()

    start = time.monotonic()
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=hook)
    return Result(reply["content"]["status"], "".join(stdout), "".join(stderr), errors, displays,
                  time.monotonic() - start)


def start_kernel(tries: int = 3, **kwargs):
    """jupyter_client.manager.start_new_kernel(**kwargs), started again (up to `tries` times) when
    the kernel does not answer: jupyter_client closes the ports it picked before the kernel binds
    them, and another process can take one in between ("address already in use")."""
    for attempt in range(1, tries + 1):
        try:
            return jupyter_client.manager.start_new_kernel(**kwargs)
        except RuntimeError as e:
            if attempt == tries:
                raise
            print(f"kernel did not start ({e}); starting it again")


@pytest.fixture(scope="module")
def kernel():
    """A kernel shared by the tests of one module (like one notebook's cells)."""
    km, kc = start_kernel(kernel_name=KERNEL, startup_timeout=120)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)
