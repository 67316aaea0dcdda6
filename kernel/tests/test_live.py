"""Live demos (demo.Live) end cleanly and leave the kernel usable: after the Stop button, after
the idle timeout and after an interrupt, the next cell runs.

The page is played by the test, speaking GoNB's comms protocol as its JavaScript does in
JupyterLab (internal/websocket/websocket.js and gonbui/widgets/*.js of GoNB v0.11.5): it
answers the script that installs `gonb_comm` with a `comm_open` for target "gonb_comm" and the
kernel's id, answers heartbeats, sends each widget's first value (as `newSyncedVariable` does),
and then presses buttons by sending their addresses new values. The same demos are driven in a
real browser by viz/browsertest/live.mjs (JupyterLab 4 and Notebook 7)."""
from __future__ import annotations

import html
import queue
import re
import time
import uuid

import pytest

from conftest import execute

KERNEL_ID = re.compile(r'_kernel_id:\s*"([^"]*)"')
ELEMENT = re.compile(r'getElementById\("([^"]+)"\)')
SYNCED = re.compile(r'gonb_comm\.newSyncedVariable\("([^"]+)"')
HELLO = re.compile(r'gonb_comm\.send\("(/godl/live/hello/[^"]+)", 1\)')
BUTTON = re.compile(r'<button id=\\?"([^"\\]+)\\?" type=\\?"button\\?">([^<]*)</button>')


class Page:
    """What JupyterLab's page does with one cell's outputs, as far as GoNB's comms go."""

    def __init__(self, kc, msg_id):
        self.kc, self.msg_id = kc, msg_id
        self.comm_id = None
        self.opened = False
        self.pending = []   # scripts seen before the connection was acknowledged
        self.buttons = {}   # label -> html id
        self.address = {}   # html id -> comm address
        self.stdout = ""
        self.stderr = ""
        self.idle = False

    def send(self, msg_type, content):
        self.kc.shell_channel.send(self.kc.session.msg(msg_type, content))

    def set_value(self, address, value):
        self.send("comm_msg", {"comm_id": self.comm_id, "data": {"address": address, "value": value}})

    def press(self, label):
        self.set_value(self.address[self.buttons[label]], 1)

    def connected(self, label):
        return label in self.buttons and self.buttons[label] in self.address

    def see(self, text):
        """Acts on a piece of HTML/JavaScript the cell published, as the page would."""
        text = text.replace('\\"', '"')
        if self.comm_id is None and (m := KERNEL_ID.search(text)):
            self.comm_id = str(uuid.uuid4())
            self.send("comm_open", {"comm_id": self.comm_id, "target_name": "gonb_comm",
                                    "kernel_id": m.group(1), "data": {}})
        for hid, label in BUTTON.findall(text):
            self.buttons[html.unescape(label)] = hid
        if not self.opened:
            self.pending.append(text)
            return
        # A widget's script (one per output) binds its element to its address.
        ids, addrs = ELEMENT.findall(text), SYNCED.findall(text)
        if len(ids) == 1 and len(addrs) == 1:
            self.address[ids[0]] = addrs[0]
            self.set_value(addrs[0], 0)  # the widget's first value, as newSyncedVariable sends it
        for addr in HELLO.findall(text):
            self.set_value(addr, 1)

    def wait(self, until, timeout):
        """Handles the cell's messages until until(self) holds or the cell is idle; fails after
        timeout seconds."""
        deadline = time.monotonic() + timeout
        while not until(self) and not self.idle:
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout} s; stdout: {self.stdout[-800:]} stderr: {self.stderr[-800:]} buttons {self.buttons} addresses {self.address}")
            try:
                msg = self.kc.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                continue
            t, c = msg["msg_type"], msg["content"]
            if t == "comm_msg":
                data = c.get("data", {})
                if data.get("address") == "#comm_open_ack":
                    self.opened = True
                    for text in self.pending:
                        self.see(text)
                    self.pending = []
                elif data.get("address") == "#heartbeat/ping":
                    self.set_value("#heartbeat/pong", True)
                continue
            if msg["parent_header"].get("msg_id") != self.msg_id:
                continue
            if t == "stream":
                if c["name"] == "stdout":
                    self.stdout += c["text"]
                else:
                    self.stderr += c["text"]
            elif t in ("display_data", "update_display_data", "execute_result"):
                data = c.get("data", {})
                self.see(data.get("text/html", "") + data.get("application/javascript", ""))
            elif t == "status" and c["execution_state"] == "idle":
                self.idle = True

    def status(self):
        """Waits for the cell's end and returns its execute_reply status."""
        self.wait(lambda p: False, 240)
        while True:
            reply = self.kc.get_shell_msg(timeout=30)
            if reply["parent_header"].get("msg_id") == self.msg_id:
                return reply["content"]["status"]


def start_live(kc, code, timeout=240):
    """Runs a cell holding a Live demo, the page played by the test, until the demo's Stop
    button is connected."""
    page = Page(kc, kc.execute(code))
    page.wait(lambda p: p.connected("Stop"), timeout)
    assert page.connected("Stop"), f"the demo ended before its controls were connected: {page.stdout} {page.stderr}"
    return page


DEMO = """%%
demo.NewLive("slope", func(c *demo.Controls) (*viz.Chart, error) {
	fmt.Printf("draw %d pressed=%q\\n", c.Redraws(), c.Pressed())
	return viz.FuncChart(func(x float64) float64 { return c.Value("k") * x }, -1, 1)
}).Slider("k", 0, 5, 0.5, 1).Button("more")IDLE.Done()
"""


def next_cell_runs(kc):
    r = execute(kc, '%%\nfmt.Println("next cell", 6*7)', timeout=120)
    assert r.status == "ok" and "next cell 42" in r.stdout, r.text[-2000:]


@pytest.fixture(scope="module")
def demo_kernel(kernel):
    _, kc = kernel
    r = execute(kc, 'import "github.com/godl-course/godl/viz/demo"', timeout=300)
    assert r.status == "ok", r.text[-2000:]
    return kernel


def test_stop_button_ends_the_demo(demo_kernel):
    _, kc = demo_kernel
    page = start_live(kc, DEMO.replace("IDLE", ""))
    page.press("more")
    page.wait(lambda p: 'draw 1 pressed="more"' in p.stdout, 60)
    page.press("Stop")
    assert page.status() == "ok", page.stderr
    assert 'draw 0 pressed=""' in page.stdout and 'draw 1 pressed="more"' in page.stdout, page.stdout
    assert "slope ended (Stop pressed) at k = 1" in page.stdout, page.stdout
    next_cell_runs(kc)


def test_idle_timeout_ends_the_demo(demo_kernel):
    _, kc = demo_kernel
    page = start_live(kc, DEMO.replace("IDLE", ".IdleTimeout(3 * time.Second)"))
    t0 = time.monotonic()
    assert page.status() == "ok", page.stderr
    assert "slope ended (idle timeout)" in page.stdout, page.stdout
    assert time.monotonic() - t0 < 30
    next_cell_runs(kc)


def test_interrupt_ends_the_demo(demo_kernel):
    km, kc = demo_kernel
    page = start_live(kc, DEMO.replace("IDLE", ""))
    time.sleep(1)
    km.interrupt_kernel()
    page.status()
    assert "slope ended (interrupted)" in page.stdout, page.stdout + page.stderr
    next_cell_runs(kc)


def test_without_a_page_the_demo_draws_once_and_returns(demo_kernel):
    """A headless run (nobody answers the comms): the demo shows its first chart and returns."""
    _, kc = demo_kernel
    r = execute(kc, DEMO.replace("IDLE", ""), timeout=120)
    assert r.status == "ok", r.text[-2000:]
    assert 'draw 0 pressed=""' in r.stdout and "no page is connected" in r.stdout, r.stdout
    assert any("image/png" in d for d in r.displays), "the chart's picture is shown"
    next_cell_runs(kc)
