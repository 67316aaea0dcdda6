"""When the setup is broken the kernel still starts and every cell says what is missing and how
to fix it, instead of a silent "kernel died"."""
from __future__ import annotations

import json
import pathlib

import jupyter_client

from conftest import execute

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_broken_setup_explains_itself(tmp_path, monkeypatch):
    moved = tmp_path / "moved-repository"  # a root with no go.mod and no tools: as if the repo moved
    moved.mkdir()
    spec_dir = tmp_path / "kernels" / "go-dl-broken"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [str(ROOT / ".bin" / "godl-kernel"), "run", "--root", str(moved),
                 "--connection-file", "{connection_file}"],
        "display_name": "Go (Deep Learning) broken", "language": "go", "interrupt_mode": "signal",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))

    km, kc = jupyter_client.manager.start_new_kernel(kernel_name="go-dl-broken", startup_timeout=60)
    try:
        info = kc.kernel_info(reply=True)["content"]
        assert info["status"] == "ok"
        assert info["language_info"]["name"] == "go"
        r = execute(kc, '%%\nfmt.Println("hello")')
        assert r.status == "error"
        text = r.text
        assert "cannot run cells" in text
        assert str(moved) in text                      # names the place it looked
        assert "gonb is missing" in text               # names the missing piece
        assert "make setup" in text                    # and the fix
        # It keeps answering, and shuts down when asked.
        assert execute(kc, "%%\n").status == "error"
    finally:
        kc.stop_channels()
        km.shutdown_kernel()
    assert not km.is_alive()
