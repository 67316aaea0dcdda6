"""The container's start script (deploy/docker/start-lab.sh), run for real on 127.0.0.1 with the
course's .venv: JupyterLab answers with token authentication and the URL it prints works; with a
password hash it wants that password; it refuses to open to the network without a password; its
`health` command is what the healthcheck runs."""
from __future__ import annotations

import http.cookiejar
import os
import pathlib
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
START = ROOT / "deploy" / "docker" / "start-lab.sh"

if not (ROOT / ".venv" / "bin" / "jupyter").exists():
    pytest.skip("needs the course's .venv (make setup)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GODL_LAB_")}
    env.update(extra)
    return env


class Lab:
    """start-lab.sh listening on a free loopback port, stopped at the end."""

    def __init__(self, tmp_path, **env):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = clean_env(GODL_LAB_LISTEN=f"127.0.0.1:{self.port}",
                             JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
                             JUPYTER_CONFIG_DIR=str(tmp_path / "config"), **env)
        self.log = open(tmp_path / "lab.log", "w+")
        self.proc = subprocess.Popen([str(START)], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def health(self) -> int:
        return subprocess.run([str(START), "health"], env=self.env, capture_output=True).returncode

    def wait(self) -> None:
        for _ in range(240):
            if self.proc.poll() is not None:
                raise AssertionError("start-lab.sh exited: " + self.output())
            if self.health() == 0:
                return
            time.sleep(0.25)
        raise AssertionError("JupyterLab did not become healthy in 60 s: " + self.output())

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def status(url: str, opener=None, data=None, headers=None) -> int:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_token_mode_prints_a_url_that_works(tmp_path):
    lab = Lab(tmp_path, GODL_LAB_PORT="9999")
    try:
        lab.wait()
        m = re.search(r"open (http://127\.0\.0\.1:9999/lab\?token=([0-9a-f]{32,}))", lab.output())
        assert m, lab.output()                    # the host port, and a generated token
        token = m.group(2)
        assert status(f"{lab.base}/api/status") == 403
        assert status(f"{lab.base}/api/status?token={'0' * len(token)}") == 403
        assert status(f"{lab.base}/api/status?token={token}") == 200
        # The notebooks folder is what JupyterLab shows.
        assert status(f"{lab.base}/api/contents/00-welcome.ipynb?content=0&token={token}") == 200
    finally:
        lab.stop()
    assert lab.health() != 0, "health must fail once JupyterLab is gone"


def test_password_mode_on_the_lab_network(tmp_path):
    password = secrets.token_urlsafe(12)
    hashed = subprocess.run([str(ROOT / ".venv/bin/python"), "-c",
                             "import sys; from jupyter_server.auth import passwd; print(passwd(sys.argv[1]))",
                             password], capture_output=True, text=True, check=True).stdout.strip()
    lab = Lab(tmp_path, GODL_LAB_BIND="0.0.0.0", GODL_LAB_PASSWORD_HASH=hashed)
    try:
        lab.wait()
        assert "log in with the password" in lab.output()
        assert status(f"{lab.base}/api/status") == 403

        def login(pw: str):
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            opener.open(f"{lab.base}/login", timeout=10).read()      # sets the _xsrf cookie
            xsrf = next(c.value for c in jar if c.name == "_xsrf")
            form = urllib.parse.urlencode({"password": pw, "_xsrf": xsrf}).encode()
            status(f"{lab.base}/login?next=%2Flab", opener, data=form)
            return status(f"{lab.base}/api/status", opener)

        assert login("not-" + password) == 403
        assert login(password) == 200
    finally:
        lab.stop()


def test_refuses_the_network_without_a_password():
    p = subprocess.run([str(START)], env=clean_env(GODL_LAB_BIND="0.0.0.0", GODL_LAB_LISTEN=f"127.0.0.1:{free_port()}"),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "GODL_LAB_PASSWORD_HASH" in p.stderr and "hash-password" in p.stderr
    assert "open http" not in p.stdout


def test_unknown_command_is_an_error():
    p = subprocess.run([str(START), "stop"], env=clean_env(), capture_output=True, text=True)
    assert p.returncode == 2 and "unknown command" in p.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
