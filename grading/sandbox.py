#!/usr/bin/env python3
"""Runs a student's notebook in a sandbox: a fresh kernel whose code cannot harm the grading machine
or the grading of the other submissions.

    sudo .venv/bin/python grading/sandbox.py run IN.ipynb OUT.ipynb [--cell-timeout 120]
        [--total-timeout 1200] [--memory 3GB] [--disk 1GB] [--processes 1024] [--smoke]

What the student's code runs as, and what it gets (Linux, as root; scripts/grading uses it for
every submission through nbgrader's autograde):
  - a user of its own (uid GODL_SANDBOX_UID, default 61000, with no name, no groups, no
    capabilities, "no new privileges"): it cannot signal or trace the grader, read the
    teacher's files or write anything of the machine's;
  - a mount namespace where every file system is read-only except a scratch tmpfs of --disk
    bytes (its home, TMPDIR, the models nn.Memo writes, /dev/shm) and copy-on-write views
    (overlayfs, upper layer in the scratch) of the Go build cache and of the data-set cache; the
    teacher's home is replaced by an empty one in which only the Go module cache, the Go build
    cache, the data sets and the course checkout are visible (read-only);
  - a network namespace with only its own loopback: no network at all (the kernel talks to the
    notebook client over that loopback; the client runs in the same namespace, as root);
  - a PID namespace: it sees only its own processes, and all of them die with the run;
  - cgroups (v1 or v2): a memory limit of --memory for the kernel and everything it starts (the
    kernel's own per-cell limit, GODL_CELL_MEMORY, stops a cell first with a message; GOMEMLIMIT
    makes Go's collector work before that), and a process limit (a fork bomb stops there); where
    no cgroup can be made, rlimits (address space, processes) stand in;
  - rlimits: file size (--disk), no core files, processes;
  - a timeout per cell (the cell is interrupted and gets an error; the next cells run) and a
    timeout for the whole notebook (everything is killed; the cells not run get nothing).

The executed notebook is written to OUT.ipynb by the client (root), in a folder the student's user
cannot reach. The student's HTML or PDF is never rendered here: the grader shows outputs through
nbgrader's feedback (scripts/grading: sanitized HTML, no scripts).
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
HERE = pathlib.Path(__file__).resolve()
UID = int(os.environ.get("GODL_SANDBOX_UID", "61000"))
KERNEL_NAME = "go-dl"


def parse_bytes(s: str) -> int:
    s = s.strip().upper().removesuffix("B")
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    if s and s[-1] in mult:
        return int(float(s[:-1]) * mult[s[-1]])
    return int(s)


class SandboxError(Exception):
    """The sandbox cannot be made on this machine (not root, no namespaces): the message says what
    is missing and what to do."""


def check_possible() -> None:
    if os.geteuid() != 0:
        raise SandboxError(
            "grading runs each student's code in a sandbox (its own user, no network, read-only "
            "files, memory and process limits), and making one needs root: run the grading command "
            "with sudo (e.g. `sudo make autograde ...`), or in the course container as root")
    for tool in ("unshare", "setpriv", "mount", "ip"):
        if shutil.which(tool) is None:
            raise SandboxError(f"grading needs the `{tool}` command (util-linux, iproute2): "
                               f"apt-get install util-linux iproute2")


# --- paths the kernel needs ----------------------------------------------------------------------

@functools.cache
def go_env() -> dict:
    """GOROOT, GOMODCACHE, GOCACHE as the course's Go sees them (asked once per grading process)."""
    env = dict(os.environ)
    out = subprocess.run(["bash", "-c", f"source {ROOT}/scripts/env.sh && go env -json GOROOT GOMODCACHE GOCACHE"],
                         capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode != 0:
        raise SandboxError(f"`go env` failed: {out.stderr.strip()} (run `make setup`)")
    return json.loads(out.stdout)


def kernelspec() -> dict:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        raise SandboxError(f"the kernel {KERNEL_NAME!r} is not installed: run `make setup`") from None
    return {"argv": spec.argv, "env": spec.env, "display_name": spec.display_name,
            "language": spec.language, "interrupt_mode": spec.interrupt_mode}


def datasets_dir() -> pathlib.Path:
    if os.environ.get("GODL_DATA"):
        return pathlib.Path(os.environ["GODL_DATA"])
    return pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache") / "godl" / "datasets"


# --- cgroups ---------------------------------------------------------------------------------------

class Cgroups:
    """The memory and pids cgroups of one run (v2 when /sys/fs/cgroup is unified, else v1)."""

    def __init__(self, name: str, memory: int, processes: int):
        self.dirs: list[pathlib.Path] = []
        self.memory_limited = self.pids_limited = False
        base = pathlib.Path("/sys/fs/cgroup")
        if (base / "cgroup.controllers").exists():  # v2
            d = base / name
            try:
                d.mkdir()
                (d / "memory.max").write_text(str(memory))
                self.memory_limited = True
                try:
                    (d / "memory.swap.max").write_text("0")
                except OSError:
                    pass
                (d / "pids.max").write_text(str(processes))
                self.pids_limited = True
                self.dirs.append(d)
            except OSError:
                pass
            return
        for ctl, files in (("memory", {"memory.limit_in_bytes": memory}), ("pids", {"pids.max": processes})):
            d = base / ctl / name
            try:
                d.mkdir()
                for f, v in files.items():
                    (d / f).write_text(str(v))
                sw = d / "memory.memsw.limit_in_bytes"
                if ctl == "memory" and sw.exists():
                    try:
                        sw.write_text(str(memory))
                    except OSError:
                        pass
                self.dirs.append(d)
                setattr(self, "memory_limited" if ctl == "memory" else "pids_limited", True)
            except OSError:
                pass

    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs]

    def oom_kills(self) -> int:
        n = 0
        for d in self.dirs:
            for f in ("memory.events", "memory.oom_control"):
                try:
                    for line in (d / f).read_text().splitlines():
                        k, _, v = line.partition(" ")
                        if k == "oom_kill":
                            n += int(v)
                except OSError:
                    pass
        return n

    def kill_and_remove(self) -> None:
        for _ in range(50):
            alive = False
            for d in self.dirs:
                try:
                    pids = [int(p) for p in (d / "cgroup.procs").read_text().split()]
                except OSError:
                    pids = []
                for p in pids:
                    alive = True
                    try:
                        os.kill(p, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            if not alive:
                break
            time.sleep(0.1)
        for d in self.dirs:
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)


def kill_uid(uid: int) -> int:
    """SIGKILLs every process of uid (what a run could leave if it escaped its namespace)."""
    n = 0
    for p in pathlib.Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            if p.stat().st_uid == uid:
                os.kill(int(p.name), signal.SIGKILL)
                n += 1
        except (OSError, ProcessLookupError):
            pass
    return n


# --- the run, seen from outside ----------------------------------------------------------------------

def run(in_nb: pathlib.Path, out_nb: pathlib.Path, *, cell_timeout: int = 120, total_timeout: int = 1200,
        memory: int = 3 << 30, disk: int = 1 << 30, processes: int = 1024, smoke: bool = False,
        extra_env: dict | None = None) -> dict:
    """Executes in_nb in a sandbox and writes the executed notebook to out_nb. Returns what
    happened: {"seconds", "timed_out", "oom_kills", "limits": {...}, "log": the sandbox's
    own messages (the tail), "error" when no notebook came out}."""
    check_possible()
    goenv = go_env()
    spec = kernelspec()
    work = pathlib.Path(tempfile.mkdtemp(prefix="godl-grade-"))
    os.chmod(work, 0o711)  # the student's user can reach work/s (its scratch) but list nothing
    name = work.name
    cg = Cgroups(name, memory, processes)
    cfg = {
        "work": str(work), "in": str(work / "in.ipynb"), "out": str(work / "out.ipynb"),
        "uid": UID, "cell_timeout": cell_timeout, "memory": memory, "disk": disk, "processes": processes,
        "cgroup_procs": cg.procs_files(), "memory_limited": cg.memory_limited, "pids_limited": cg.pids_limited,
        "home": str(pathlib.Path.home()), "root": str(ROOT), "goenv": goenv, "spec": spec,
        "datasets": str(datasets_dir()), "smoke": smoke,
        "cache_home": os.environ.get("XDG_CACHE_HOME") or str(pathlib.Path.home() / ".cache"), "extra_env": extra_env or {},
        "path_env": os.environ.get("PATH", ""), "notebook_dir": str(in_nb.resolve().parent),
    }
    shutil.copyfile(in_nb, work / "in.ipynb")
    os.chmod(work / "in.ipynb", 0o644)
    (work / "config.json").write_text(json.dumps(cfg))
    os.chmod(work / "config.json", 0o600)
    start = time.monotonic()
    timed_out = False
    logf = open(work / "sandbox.log", "w+")
    proc = subprocess.Popen(["unshare", "--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc",
                             sys.executable, str(HERE), "_inside", str(work / "config.json")],
                            start_new_session=True, stdout=logf, stderr=subprocess.STDOUT)
    try:
        proc.wait(timeout=total_timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        cg.kill_and_remove()
        kill_uid(UID)
    result = {"seconds": round(time.monotonic() - start, 1), "timed_out": timed_out,
              "oom_kills": cg.oom_kills(), "exit": proc.returncode,
              "limits": {"memory": memory, "disk": disk, "processes": processes, "cell_timeout": cell_timeout,
                         "total_timeout": total_timeout, "cgroup_memory": cg.memory_limited,
                         "cgroup_pids": cg.pids_limited}}
    logf.seek(0)
    result["log"] = logf.read()[-4000:]
    logf.close()
    out = work / "out.ipynb"
    if out.exists():
        out_nb.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, out_nb)
    else:
        result["error"] = ("the notebook ran out of its total time (%ds)" % total_timeout if timed_out
                           else f"the sandbox ended without a notebook (exit {proc.returncode})")
    shutil.rmtree(work, ignore_errors=True)
    return result


# --- inside the namespaces (root) ------------------------------------------------------------------

def sh(*args: str) -> None:
    r = subprocess.run(list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise SandboxError(f"{' '.join(args)}: {r.stderr.strip()}")


def under(p: pathlib.Path, base: pathlib.Path) -> bool:
    try:
        p.relative_to(base)
        return True
    except ValueError:
        return False


def inside(config: str) -> int:
    cfg = json.loads(pathlib.Path(config).read_text())
    work = pathlib.Path(cfg["work"])
    uid = cfg["uid"]
    home = pathlib.Path(cfg["home"])
    sh("mount", "--make-rprivate", "/")
    sh("mount", "--bind", str(work), str(work))
    s = work / "s"
    s.mkdir()
    sh("mount", "-t", "tmpfs", "-o", f"size={cfg['disk']},mode=0755,nosuid,nodev", "tmpfs", str(s))
    shome, stmp, stage = s / "home", s / "tmp", s / "stage"
    for d in (shome, stmp):
        d.mkdir()
        os.chown(d, uid, uid)
    os.chmod(shome, 0o700)
    os.chmod(stmp, 0o1777)
    stage.mkdir(mode=0o700)

    goenv = cfg["goenv"]
    readonly = [pathlib.Path(cfg["root"]), pathlib.Path(goenv["GOMODCACHE"]), pathlib.Path(goenv["GOROOT"]),
                pathlib.Path(sys.base_prefix).resolve()]  # the Python of .venv (the client, the launcher)
    # goimports' and gopls's caches too: cold, goimports rescans the module cache for every
    # submission, slowly enough under load that GoNB compiled cells without their imports.
    cache_home = pathlib.Path(cfg["cache_home"])
    overlays = [pathlib.Path(goenv["GOCACHE"]), pathlib.Path(cfg["datasets"])] + [
        cache_home / d for d in ("goimports", "gopls") if (cache_home / d).is_dir()]
    # Stage what must stay visible under the teacher's home, then hide the home.
    staged: list[tuple[pathlib.Path, pathlib.Path, bool]] = []
    for p in readonly:
        if p.exists() and under(p, home) and not any(under(p, q) for q, _, _ in staged):
            staged.append((p, stage / str(len(staged)), False))
    for p in overlays:
        p.mkdir(parents=True, exist_ok=True)
        staged.append((p, stage / str(len(staged)), True))
    for p, t, _ in staged:
        t.mkdir()
        sh("mount", "--bind", str(p), str(t))
    if home != pathlib.Path("/"):
        sh("mount", "-t", "tmpfs", "-o", "size=1m,mode=0755,nosuid,nodev", "tmpfs", str(home))
    for i, (p, t, overlay) in enumerate(staged):
        if under(p, home):
            p.mkdir(parents=True, exist_ok=True)
        if overlay:
            # Copy-on-write: the student's user reads the teacher's cache and writes new entries
            # into the scratch (its folders are given to that user; the files stay read-only).
            up, wk = s / f"ovl{i}-upper", s / f"ovl{i}-work"
            up.mkdir()
            wk.mkdir()
            sh("mount", "-t", "overlay", "overlay", "-o", f"lowerdir={t},upperdir={up},workdir={wk}", str(p))
            for d, _, _ in os.walk(p):
                os.chown(d, uid, uid)
        else:
            sh("mount", "--bind", str(t), str(p))
    shm = pathlib.Path("/dev/shm")
    if shm.is_dir():
        sh("mount", "-t", "tmpfs", "-o", "size=64m,mode=1777,nosuid,nodev", "tmpfs", str(shm))
    # Everything else read-only.
    keep = [work, pathlib.Path("/proc"), pathlib.Path("/sys"), pathlib.Path("/dev")] + [p for p, _, o in staged if o]
    mounts = []
    for line in pathlib.Path("/proc/self/mountinfo").read_text().splitlines():
        mp = pathlib.Path(line.split()[4].replace("\\040", " "))
        if not any(under(mp, k) for k in keep):
            mounts.append(mp)
    for mp in mounts:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(mp)], capture_output=True)
    sh("ip", "link", "set", "lo", "up")

    # The kernelspec the client starts: this file's _kernel, which drops to the student's user.
    kdir = s / "jupyter" / "kernels" / KERNEL_NAME
    kdir.mkdir(parents=True)
    spec = dict(cfg["spec"])
    spec["argv"] = [sys.executable, str(HERE), "_kernel", config, "{connection_file}"]
    (kdir / "kernel.json").write_text(json.dumps(spec))
    runtime = s / "runtime"
    runtime.mkdir(mode=0o700)

    sys.path.insert(0, str(ROOT / "scripts"))
    import nbformat
    from run_notebooks import run_client
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    os.environ.update(JUPYTER_PATH=str(s / "jupyter"), JUPYTER_RUNTIME_DIR=str(runtime),
                      JUPYTER_DATA_DIR=str(s / "jupyter"), HOME=str(stage), TMPDIR=str(stage))
    nb = nbformat.read(cfg["in"], as_version=4)
    try:
        run_client(nb, kernel_name=KERNEL_NAME, timeout=cfg["cell_timeout"], allow_errors=True,
                   interrupt_on_timeout=True, startup_timeout=120,
                   error_on_timeout={"ename": "CellTimeoutError", "evalue": "",
                                     "traceback": [f"CellTimeoutError: the cell ran longer than {cfg['cell_timeout']} s "
                                                   "and was interrupted by the grader"]},
                   resources={"metadata": {"path": str(shome)}})
    except (CellTimeoutError, DeadKernelError) as e:
        nb.metadata.setdefault("godl_grading", {})["stopped"] = f"{type(e).__name__}: {str(e).splitlines()[0]}"
    except Exception as e:  # noqa: BLE001 - the notebook is written with what ran
        nb.metadata.setdefault("godl_grading", {})["stopped"] = f"{type(e).__name__}: {e}"
    tmp = pathlib.Path(cfg["out"] + ".tmp")
    nbformat.write(nb, tmp)
    os.chmod(tmp, 0o600)
    tmp.replace(cfg["out"])
    return 0


def kernel(config: str, connection_file: str) -> None:
    """Starts the real kernel as the student's user, in the run's cgroups, with its limits."""
    import resource
    cfg = json.loads(pathlib.Path(config).read_text())
    uid = cfg["uid"]
    s = pathlib.Path(cfg["work"]) / "s"
    shome, stmp = s / "home", s / "tmp"
    conn = shome / pathlib.Path(connection_file).name  # GoNB reads the kernel id from this name
    shutil.copyfile(connection_file, conn)
    os.chown(conn, uid, uid)
    os.chmod(conn, 0o600)
    models = shome / "models"
    models.mkdir(exist_ok=True)
    os.chown(models, uid, uid)
    for procs in cfg["cgroup_procs"]:
        pathlib.Path(procs).write_text(str(os.getpid()))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (cfg["disk"], cfg["disk"]))
    resource.setrlimit(resource.RLIMIT_NPROC, (cfg["processes"], cfg["processes"]))
    if not cfg["memory_limited"]:
        # No cgroup: each process may map at most the memory limit (Go reserves address space
        # lazily; the limit is generous to it, and a 20 GB allocation fails at once).
        resource.setrlimit(resource.RLIMIT_AS, (cfg["memory"] * 4, cfg["memory"] * 4))
    mem_mib = cfg["memory"] >> 20
    env = {
        "PATH": cfg["path_env"], "HOME": str(shome), "TMPDIR": str(stmp), "USER": "student",
        "LANG": "C.UTF-8", "GOCACHE": cfg["goenv"]["GOCACHE"], "GOMODCACHE": cfg["goenv"]["GOMODCACHE"],
        "GOTELEMETRY": "off", "GOMEMLIMIT": f"{mem_mib * 7 // 10}MiB",
        "GODL_CELL_MEMORY": f"{mem_mib * 8 // 10}MB", "GODL_MODELS": str(models), "GODL_DATA": cfg["datasets"],
        "JUPYTER_RUNTIME_DIR": str(shome), "GODL_SANDBOX": "1", "XDG_CACHE_HOME": cfg["cache_home"],
        # The teacher's decoded MNIST files serve; new ones (220 MB each) would fill the tmpfs.
        "GODL_DECODED_CACHE": "readonly",
    }
    env.update(cfg["spec"].get("env") or {})
    if cfg["smoke"]:
        env["DLNB_SMOKE"] = "1"
    for k, v in os.environ.items():  # the data sets' own folders, set by the teacher
        if k.startswith("GODL_") and k.endswith("_DIR"):
            env[k] = v
    env.update(cfg["extra_env"])
    argv = [a.replace("{connection_file}", str(conn)) if "{connection_file}" in a else
            (str(conn) if a == connection_file else a) for a in cfg["spec"]["argv"]]
    os.chdir(shome)
    os.execvpe("setpriv", ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
                           "--inh-caps=-all", "--bounding-set=-all", "--"] + argv, env)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "_inside":
        return inside(sys.argv[2])
    if len(sys.argv) > 1 and sys.argv[1] == "_kernel":
        kernel(sys.argv[2], sys.argv[3])
        return 1
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="execute a notebook in the sandbox")
    r.add_argument("input")
    r.add_argument("output")
    r.add_argument("--cell-timeout", type=int, default=120)
    r.add_argument("--total-timeout", type=int, default=1200)
    r.add_argument("--memory", default="3GB")
    r.add_argument("--disk", default="1GB")
    r.add_argument("--processes", type=int, default=1024, help="processes and threads (Go uses threads)")
    r.add_argument("--smoke", action="store_true", help="DLNB_SMOKE=1: the notebooks' small sizes")
    a = ap.parse_args()
    try:
        res = run(pathlib.Path(a.input), pathlib.Path(a.output), cell_timeout=a.cell_timeout,
                  total_timeout=a.total_timeout, memory=parse_bytes(a.memory), disk=parse_bytes(a.disk),
                  processes=a.processes, smoke=a.smoke)
    except SandboxError as e:
        print(f"sandbox: {e}", file=sys.stderr)
        return 2
    print(json.dumps(res, indent=1))
    return 0 if "error" not in res else 1


if __name__ == "__main__":
    sys.exit(main())
