"""The Dockerfile installs the course through the scripts `make lab` runs, so that the image and a
laptop cannot drift apart; docker-compose.yml, as Docker Compose resolves it, publishes JupyterLab
on 127.0.0.1 by default, keeps the notebooks and the data cache in volumes, checks its health,
runs as a non-root user and reserves the NVIDIA GPU in the gpu profile.

The compose tests read `docker compose config --format json` output written by deploy/check.sh
(GODL_COMPOSE_JSON); run them through it."""
from __future__ import annotations

import fnmatch
import json
import os
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def instructions(path: pathlib.Path) -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined and
    comments dropped."""
    out, cur = [], ""
    for line in path.read_text().splitlines():
        s = line.strip()
        if s.startswith("#") and not cur:
            continue
        if s.startswith("#"):
            continue
        cur += " " + s
        if cur.endswith("\\"):
            cur = cur[:-1]
            continue
        if cur.strip():
            kw, _, args = cur.strip().partition(" ")
            out.append((kw.upper(), args.strip()))
        cur = ""
    return out


DOCKERFILE = instructions(ROOT / "Dockerfile")
RUNS = [a for k, a in DOCKERFILE if k == "RUN"]


def commands(run: str) -> list[str]:
    """The simple commands of a RUN line (split on &&, ||, ;, and the braces of groups)."""
    parts = re.split(r"&&|\|\||;|\bthen\b|\belse\b|\bfi\b|[{}]", run)
    return [p.strip() for p in parts if p.strip()]


def apt_packages(text: str) -> set[str]:
    """Package names of the `apt-get install` commands in shell text (not those in messages)."""
    pkgs = set()
    for line in text.splitlines():
        for m in re.finditer(r"apt-get install([^\n&|;)\"]*)", line):
            before = line[:m.start()]
            if before.count('"') % 2 or "echo" in before:
                continue
            pkgs.update(re.findall(r"(?<![-$\w{])[a-z0-9][a-z0-9.+-]+", m.group(1)))
    return pkgs


def test_the_image_is_installed_by_scripts_setup_sh():
    cmds = [c for r in RUNS for c in commands(r)]
    assert "scripts/setup.sh" in cmds, cmds
    # The GPU image adds the CUDA plugin with the same script setup.sh uses for the CPU one.
    assert any(c.startswith("scripts/xla.sh cuda") for c in cmds), cmds
    assert any(c == "GOMLX_BACKEND=xla:cuda scripts/setup.sh" for c in cmds), cmds


def test_nothing_setup_sh_installs_is_installed_another_way():
    forbidden = [r"\bnpm (ci|install|i)\b", r"\bgo (install|get|build|mod download)\b",
                 r"\bgo run \./kernel\b", r"\bkernelspec install\b", r"\bplaywright install\b",
                 r"pip install .*-r\b", r"\b(curl|wget)\b", r"godl-kernel install"]
    for run in RUNS:
        for pat in forbidden:
            assert not re.search(pat, run), f"the Dockerfile installs something itself ({pat}): {run}"
    # Its one pip install is the hub's single-user server (not part of `make lab`), and it may
    # not change the course's pinned packages.
    pips = [c for r in RUNS for c in commands(r) if "pip install" in c]
    assert len(pips) == 1 and "jupyterhub==" in pips[0] and "--constraint requirements.txt" in pips[0], pips


def test_apt_packages_are_only_the_readme_prerequisites():
    setup_pkgs = set(re.findall(r"APT_PKGS\+=\(([\w.+-]+)\)", (ROOT / "scripts/setup.sh").read_text()))
    setup_pkgs |= apt_packages((ROOT / "viz/browsertest/setup.sh").read_text())
    assert {"dataset-fashion-mnist", "chromium"} <= setup_pkgs, setup_pkgs
    mine = set().union(*(apt_packages(r) for r in RUNS))
    assert not mine & setup_pkgs, f"installed by setup.sh already: {mine & setup_pkgs}"
    # README: "On a fresh Debian machine you need Go (1.26 or newer), Python 3 and npm".
    readme = (ROOT / "README.md").read_text()
    prerequisites = {"python3": "Python 3", "npm": "npm"}
    sentence = re.search(r"you need Go.*?\.(?:\s|$)", readme, re.S)
    assert sentence, "README no longer says what a fresh machine needs"
    for pkg in mine:
        assert pkg in prerequisites and prerequisites[pkg] in sentence.group(0), \
            f"the Dockerfile apt-installs {pkg}, which the README does not list as a prerequisite"


def test_make_lab_runs_the_same_setup_script():
    make = (ROOT / "Makefile").read_text()
    lab = re.search(r"^lab:(.*)$", make, re.M)
    assert lab and "setup" in lab.group(1).split(), "make lab no longer depends on setup"
    setup = re.search(r"^setup:.*\n((?:\t.*\n)+)", make, re.M)
    assert setup and "scripts/setup.sh" in setup.group(1)
    # and setup.sh installs the XLA CPU plugin through scripts/xla.sh, as the Dockerfile says.
    assert re.search(r"^scripts/xla\.sh\b", (ROOT / "scripts/setup.sh").read_text(), re.M)


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [ln.strip().lstrip("/") for ln in lines if ln.strip() and not ln.startswith("#")]


def ignored(rel: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule for these patterns: a pattern matches the path or a parent."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    for p in patterns:
        if p.startswith("**/"):
            if any(fnmatch.fnmatchcase(x, p[3:]) for x in parts):
                return True
        elif any(fnmatch.fnmatchcase(x, p) for x in prefixes):
            return True
    return False


def test_dockerignore_keeps_machine_state_out_and_setup_inputs_in():
    pats = dockerignore_patterns()
    for local in [".venv/bin/python", "node_modules/echarts/package.json", ".bin/gonb", "build/x",
                  ".git/HEAD", ".env", "notebooks/.ipynb_checkpoints/a.ipynb"]:
        assert ignored(local, pats), f"{local} would be copied into the image"
    for needed in ["requirements.txt", "package.json", "package-lock.json", "go.mod", "go.sum",
                   "scripts/setup.sh", "scripts/xla.sh", "kernel/main.go", "nn/layers_conv.go",
                   "viz/browsertest/setup.sh", "notebooks/00-welcome.ipynb", "deploy/docker/start-lab.sh"]:
        assert (ROOT / needed).exists(), needed
        assert not ignored(needed, pats), f"{needed} is needed in the image but .dockerignore drops it"


def test_runs_as_non_root_with_the_start_script_as_cmd():
    users = [a for k, a in DOCKERFILE if k == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0"), users
    assert not [a for k, a in DOCKERFILE if k == "ENTRYPOINT"], \
        "no ENTRYPOINT: Zero to JupyterHub replaces the CMD with jupyterhub-singleuser"
    cmd = json.loads([a for k, a in DOCKERFILE if k == "CMD"][-1])
    assert cmd == ["/opt/godl/deploy/docker/start-lab.sh"]
    health = [a for k, a in DOCKERFILE if k == "HEALTHCHECK"][-1]
    assert '"/opt/godl/deploy/docker/start-lab.sh", "health"' in health
    assert os.access(ROOT / "deploy/docker/start-lab.sh", os.X_OK)
    # The repository is copied where those paths point.
    assert any(k == "COPY" and a.endswith(". /opt/godl") for k, a in DOCKERFILE)


# --- docker-compose.yml as Docker Compose resolves it ---------------------------------------

def resolved(name: str) -> dict:
    d = os.environ.get("GODL_COMPOSE_JSON")
    if not d:
        pytest.skip("needs `docker compose config` output: run deploy/check.sh")
    return json.loads((pathlib.Path(d) / name).read_text())


def dockerfile_arg(name: str) -> str:
    return next(a.split("=", 1)[1] for k, a in DOCKERFILE if k == "ARG" and a.startswith(name + "="))


def test_compose_default_is_this_computer_only_with_volumes_and_healthcheck():
    cfg = resolved("compose.json")
    assert set(cfg["services"]) == {"lab"}, "lab-gpu must only start with --profile gpu"
    lab = cfg["services"]["lab"]
    (port,) = lab["ports"]
    assert (port["host_ip"], str(port["published"]), port["target"]) == ("127.0.0.1", "8888", 8888)
    vols = {v["target"]: v for v in lab["volumes"]}
    nb = vols["/opt/godl/notebooks"]
    assert nb["type"] == "bind" and pathlib.Path(nb["source"]) == ROOT / "notebooks"
    cache = vols["/home/student/.cache/godl"]
    assert cache["type"] == "volume" and cache["source"] in cfg["volumes"]
    # The Dockerfile makes that folder for the user, so the new volume belongs to the user.
    assert "mkdir -p /home/student/.cache/godl" in " ".join(RUNS)
    assert lab["healthcheck"]["test"] == ["CMD", "/opt/godl/deploy/docker/start-lab.sh", "health"]
    assert lab["healthcheck"]["retries"] >= 1
    uid, gid = lab["user"].split(":")
    assert int(uid) != 0 and (uid, gid) == (dockerfile_arg("GODL_UID"), dockerfile_arg("GODL_GID"))
    assert lab["build"]["args"]["GODL_UID"] == uid
    assert lab["environment"]["GODL_LAB_BIND"] == "127.0.0.1" and lab["environment"]["GODL_LAB_PASSWORD_HASH"] == ""
    assert lab["init"] is True


def test_compose_lab_network_settings_reach_port_and_start_script():
    lab = resolved("compose-lan.json")["services"]["lab"]
    (port,) = lab["ports"]
    assert (port["host_ip"], str(port["published"])) == ("0.0.0.0", "9999")
    # The start script sees the bind address, and refuses it without a password.
    assert lab["environment"]["GODL_LAB_BIND"] == "0.0.0.0"
    assert lab["user"] == "1234:1235" and lab["build"]["args"]["GODL_UID"] == "1234"


def test_compose_gpu_profile_reserves_nvidia_gpus_with_the_cuda_image():
    cfg = resolved("compose-gpu.json")
    gpu, lab = cfg["services"]["lab-gpu"], cfg["services"]["lab"]
    assert gpu["profiles"] == ["gpu"]
    (dev,) = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert dev["driver"] == "nvidia" and "gpu" in dev["capabilities"] and dev["count"] == -1  # all
    assert gpu["build"]["args"]["XLA_CUDA"] == "13"
    assert gpu["image"] != lab["image"], "the CUDA image must not overwrite the CPU one"
    assert gpu["environment"]["NVIDIA_DRIVER_CAPABILITIES"] == "compute,utility"
    for key in ("ports", "volumes", "healthcheck", "user"):
        assert gpu[key] == lab[key], key
