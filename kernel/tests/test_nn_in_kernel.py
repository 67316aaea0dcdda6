"""nn's notebook displays, used as a student does, through the real kernel: Fit's progress bar is
one HTML output updated in place (update_display_data with the display id of the first
display), it ends showing every epoch and a full bar, and SummaryHTML shows the layer table."""
from __future__ import annotations

import html
import re

import pytest

TRAIN_CELL = """%%
nn.ProgressInterval = time.Millisecond // update often, so that a short run shows several updates
train := datasets.Spiral(100, 3, 0.1, 1)
model := nn.Sequential(nn.Dense(16), nn.Tanh(), nn.Dense(3))
hist := nb.Must(model.Fit(train).Epochs(3).BatchSize(10).Optimizer(nn.Adam(0.01)).Validation(train).Done())
fmt.Printf("trained %d epochs, final loss %.3f\\n", len(hist.Epochs), hist.Epochs[len(hist.Epochs)-1].Loss)
gonbui.DisplayHTML(model.SummaryHTML())
"""


def run_cell(kc, code: str, timeout: float = 300):
    """Runs a cell and returns the execute_reply status and every (msg_type, content) it published."""
    msgs = []
    reply = kc.execute_interactive(code, timeout=timeout,
                                   output_hook=lambda m: msgs.append((m["msg_type"], m["content"])))
    return reply["content"]["status"], msgs


def notebook_outputs(msgs):
    """The cell's outputs as a notebook keeps them: display_data and streams are appended, and
    update_display_data replaces the content of the outputs that carry the same display id."""
    outputs = []
    for t, c in msgs:
        display_id = c.get("transient", {}).get("display_id")
        if t in ("display_data", "execute_result"):
            outputs.append({"id": display_id, "html": c["data"].get("text/html", ""),
                            "text": c["data"].get("text/plain", "")})
        elif t == "update_display_data":
            for o in outputs:
                if o["id"] == display_id:
                    o["html"] = c["data"].get("text/html", "")
        elif t == "stream":
            outputs.append({"id": None, "html": "", "text": c["text"]})
    return outputs


def plain(s: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", s))


@pytest.fixture(scope="module")
def trained(kernel):
    """Runs the training cell once; the tests below look at what it published."""
    _, kc = kernel
    status, msgs = run_cell(kc, TRAIN_CELL)
    text = "".join(c.get("text", "") for t, c in msgs if t == "stream")
    assert status == "ok", (text, [c for t, c in msgs if t == "error"])
    assert "trained 3 epochs" in text, text
    return msgs


def progress_output(outs):
    bars = [o for o in outs if "<progress" in o["html"]]
    assert len(bars) == 1, [o["html"][:200] for o in outs]
    return bars[0]


def test_progress_bar_updates_in_place(trained):
    msgs = trained
    # Every message that draws the bar goes to one display id: created once, then updated.
    bars = [(t, c) for t, c in msgs if "<progress" in c.get("data", {}).get("text/html", "")]
    assert bars, "no progress bar was displayed"
    ids = {c.get("transient", {}).get("display_id") for _, c in bars}
    assert len(ids) == 1 and None not in ids, f"progress bar drawn under display ids {ids}"
    kinds = [t for t, _ in bars]
    assert kinds.count("display_data") <= 1, kinds
    updates = kinds.count("update_display_data")
    assert updates >= 3, f"the bar was updated {updates} times in place: {kinds}"
    # While training, an update shows the current step, loss, speed and ETA.
    running = [plain(c["data"]["text/html"]) for _, c in bars if "ETA" in c["data"]["text/html"]]
    assert running, "no update showed the running step"
    assert re.search(r"epoch \d/3\s+step \d+/\d+\s+loss \d+\.\d+", running[0]), running[0]
    assert "ex/s" in running[0] and "ETA" in running[0], running[0]

    # What the student sees when the cell is done: one progress output, in its final state.
    final = progress_output(notebook_outputs(msgs))["html"]
    assert 'value="1.0000"' in final, final
    final_text = plain(final)
    for epoch in (1, 2, 3):
        assert f"epoch {epoch}/3" in final_text, final_text
    assert "val_loss" in final_text and "accuracy" in final_text, final_text
    assert not re.search(r"step \d+/", final_text), f"the finished bar still shows a running step: {final_text}"
    # The first line says which backend trained on what (issue: the first training output names it).
    assert final_text.strip().startswith("Training on Go Backend") and "300 examples" in final_text, final_text


def test_progress_bar_leaves_no_placeholder(trained):
    outs = notebook_outputs(trained)
    bar = progress_output(outs)
    leftovers = [o["html"] for o in outs if o is not bar and "training" in plain(o["html"])]
    assert not leftovers, f"outputs left behind by the progress bar: {leftovers}"


def test_summary_html(trained):
    # SummaryHTML: a table of the layers with the lecture's parameter counts:
    # Dense(16) on 2 inputs: 2·16 + 16 = 48; Dense(3): 16·3 + 3 = 51; total 99.
    tables = [o["html"] for o in notebook_outputs(trained) if "<table" in o["html"]]
    assert len(tables) == 1, tables
    summary = plain(tables[0])
    assert re.search(r"dense_1\s+Dense\(16\)\s+\(N, 16\)\s+48", summary), summary
    assert re.search(r"dense_2\s+Dense\(3\)\s+\(N, 3\)\s+51", summary), summary
    assert "Trainable parameters: 99" in summary and "Total parameters: 99" in summary, summary
