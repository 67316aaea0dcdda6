"""The kernel command runs GoNB behind a proxy of Jupyter's sockets: everything a frontend does
still reaches GoNB, also the stdin channel (a shell command that asks for input)."""
from __future__ import annotations

from conftest import execute


def test_input_request_reaches_the_frontend(kernel):
    _, kc = kernel
    asked = []

    def stdin_hook(msg):
        asked.append(msg["content"].get("prompt", ""))
        kc.input("forty-two")

    reply = kc.execute_interactive('%with_inputs\n!read -r answer && echo "got $answer"', timeout=120,
                                   allow_stdin=True, stdin_hook=stdin_hook,
                                   output_hook=lambda m: outputs.append(m))
    assert reply["content"]["status"] == "ok", reply["content"]
    assert asked, "GoNB's input request did not reach the frontend"
    text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
    assert "got forty-two" in text, text


outputs: list = []


def test_many_outputs_arrive_in_order(kernel):
    _, kc = kernel
    r = execute(kc, '%%\nfor i := range 200 {\n\tfmt.Println("line", i)\n}')
    assert r.status == "ok", r.text
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("line ")]
    assert lines == [f"line {i}" for i in range(200)], lines[:5]
