"""deploy/jupyterhub/values.yaml for Zero to JupyterHub: only settings the chart knows, per-student
limits, a persistent home where the image's user lives, idle culling, the data sets on a shared
read-only volume at the paths the datasets package reads, and every value a teacher must set
named in the teacher's guide."""
from __future__ import annotations

import pathlib
import re

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "jupyterhub"
VALUES_FILE = DEPLOY / "values.yaml"
VALUES = yaml.safe_load(VALUES_FILE.read_text())
GUIDE = (DEPLOY / "README.md").read_text()
VOLUME_FILE = DEPLOY / "datasets-volume.yaml"

# Value paths of the jupyterhub chart (4.x values.schema.yaml) that this file may use. The chart
# rejects unknown keys under these (additionalProperties: false); the subtrees in FREE_FORM are
# passed through to JupyterHub or Kubernetes as they are.
CHART_PATHS = {
    "hub.config",
    "proxy.https.enabled", "proxy.https.type", "proxy.https.hosts", "proxy.https.letsencrypt.contactEmail",
    "singleuser.image.name", "singleuser.image.tag", "singleuser.image.pullPolicy",
    "singleuser.uid", "singleuser.fsGid", "singleuser.cmd", "singleuser.defaultUrl", "singleuser.startTimeout",
    "singleuser.cpu.limit", "singleuser.cpu.guarantee", "singleuser.memory.limit", "singleuser.memory.guarantee",
    "singleuser.storage.type", "singleuser.storage.capacity", "singleuser.storage.homeMountPath",
    "singleuser.storage.dynamic.storageClass", "singleuser.storage.extraVolumes",
    "singleuser.storage.extraVolumeMounts", "singleuser.extraEnv", "singleuser.lifecycleHooks.postStart",
    "cull.enabled", "cull.timeout", "cull.every", "cull.users", "cull.maxAge",
    "prePuller.hook.enabled", "prePuller.continuous.enabled", "scheduling.userScheduler.enabled",
}
FREE_FORM = {"hub.config", "singleuser.extraEnv", "singleuser.lifecycleHooks.postStart"}


def leaf_paths(node, prefix=""):
    for k, v in node.items():
        p = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict) and p not in FREE_FORM:
            yield from leaf_paths(v, p)
        else:
            yield p


def get(path: str):
    node = VALUES
    for k in path.split("."):
        node = node[k]
    return node


def dockerfile_value(pattern: str) -> str:
    m = re.search(pattern, (ROOT / "Dockerfile").read_text(), re.M)
    assert m, pattern
    return m.group(1)


def test_only_settings_the_chart_knows():
    unknown = sorted(set(leaf_paths(VALUES)) - CHART_PATHS)
    assert not unknown, f"not settings of the jupyterhub chart: {unknown}"


def quantity(q) -> float:
    """Kubernetes memory quantity (as KubeSpawner takes it: K, M, G, T; Ki, Mi, Gi, Ti) in bytes."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]i?)?", str(q))
    assert m, q
    unit = m.group(2) or ""
    base = 1024 if unit.endswith("i") else 1000
    return float(m.group(1)) * base ** ("KMGT".index(unit[0]) + 1 if unit else 0)


def test_per_student_limits():
    cpu, mem = get("singleuser.cpu"), get("singleuser.memory")
    assert 0 < cpu["guarantee"] <= cpu["limit"]
    assert 0 < quantity(mem["guarantee"]) <= quantity(mem["limit"])
    assert quantity(mem["limit"]) >= 2e9, "the CNN notebooks need a couple of GB"
    assert quantity("4G") == 4e9 and quantity("2Gi") == 2 * 2**30


def test_persistent_home_is_the_image_users_home():
    st = get("singleuser.storage")
    assert st["type"] == "dynamic" and quantity(st["capacity"]) >= 5 * 2**30
    user_home = "/home/student"  # useradd --create-home for `student` in the Dockerfile
    assert re.search(r"useradd .*--create-home.* student\b", (ROOT / "Dockerfile").read_text())
    assert st["homeMountPath"] == user_home
    assert get("singleuser.uid") == int(dockerfile_value(r"^ARG GODL_UID=(\d+)"))
    assert get("singleuser.fsGid") == int(dockerfile_value(r"^ARG GODL_GID=(\d+)"))
    # The caches the image warms are outside the home, which the volume replaces.
    for var in ("GOPATH", "GOCACHE"):
        assert not dockerfile_value(rf"\b{var}=(\S+)").startswith(user_home), var


def test_idle_servers_are_culled():
    cull = VALUES["cull"]
    assert cull["enabled"] is True and cull["timeout"] > 0 and 0 < cull["every"] <= cull["timeout"]


def test_datasets_on_a_shared_read_only_volume_where_the_loaders_look():
    st = get("singleuser.storage")
    (vol,) = [v for v in st["extraVolumes"] if v["name"] == "course-datasets"]
    assert vol["persistentVolumeClaim"]["readOnly"] is True
    (mount,) = [m for m in st["extraVolumeMounts"] if m["name"] == "course-datasets"]
    assert mount["readOnly"] is True
    env = get("singleuser.extraEnv")
    # Each variable is one the datasets package reads (const Env... = "GODL_..." in its source).
    consts = set(re.findall(r'Env\w+\s*=\s*"(GODL_\w+)"',
                            "".join(p.read_text() for p in (ROOT / "datasets").glob("*.go"))))
    for name, path in env.items():
        assert name in consts, f"{name} is not read by the datasets package ({sorted(consts)})"
        assert path.startswith(mount["mountPath"] + "/"), (name, path)
    assert {"GODL_CIFAR10_DIR", "GODL_GTSRB_DIR", "GODL_CHAOS_DIR"} <= set(env)
    # The claim is the one datasets-volume.yaml makes, read-only for many pods.
    docs = list(yaml.safe_load_all(VOLUME_FILE.read_text()))
    pvc = next(d for d in docs if d["kind"] == "PersistentVolumeClaim")
    pv = next(d for d in docs if d["kind"] == "PersistentVolume")
    assert pvc["metadata"]["name"] == vol["persistentVolumeClaim"]["claimName"]
    assert pvc["spec"]["accessModes"] == ["ReadOnlyMany"] and pv["spec"]["accessModes"] == ["ReadOnlyMany"]
    assert pvc["spec"]["volumeName"] == pv["metadata"]["name"]
    # Every folder the environment points at is in the layout the file documents.
    for path in env.values():
        first = path.removeprefix(mount["mountPath"] + "/").split("/")[0]
        assert re.search(rf"^#\s+{re.escape(first)}/", VOLUME_FILE.read_text(), re.M), first


def test_the_image_starts_jupyterhub_singleuser_and_copies_the_course():
    assert get("singleuser.cmd") == "jupyterhub-singleuser"
    hub_version = dockerfile_value(r"^ARG JUPYTERHUB_VERSION=(\S+)")
    assert f"JupyterHub {hub_version}" in VALUES_FILE.read_text().splitlines()[0]
    assert hub_version in GUIDE
    command = " ".join(get("singleuser.lifecycleHooks.postStart")["exec"]["command"])
    assert "/opt/godl/notebooks/" in command and "cp -Rn" in command   # never overwrites
    assert "COPY --chown=student:student . /opt/godl" in (ROOT / "Dockerfile").read_text()


def teacher_paths(path: pathlib.Path) -> list[str]:
    """Dotted paths of the YAML keys whose line is marked `# TEACHER`."""
    stack: list[tuple[int, str]] = []
    found = []
    for line in path.read_text().splitlines():
        m = re.match(r"^(\s*)(?:- )?([A-Za-z_][\w.-]*):", line)
        if not m or line.lstrip().startswith("#"):
            continue
        indent = len(m.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, m.group(2)))
        if "# TEACHER" in line:
            found.append(".".join(k for _, k in stack))
    return found


def test_the_guide_names_every_value_a_teacher_must_set():
    must = teacher_paths(VALUES_FILE)
    assert len(must) >= 10, must
    assert "singleuser.image.name" in must and "proxy.https.hosts" in must
    for path in must:
        assert f"`{path}`" in GUIDE, f"the teacher's guide does not name {path}"
    volume_must = teacher_paths(VOLUME_FILE)
    assert volume_must == ["spec.nfs.server", "spec.nfs.path"], volume_must
    for path in volume_must:
        assert f"`{path}` (datasets-volume.yaml)" in GUIDE, path
    # Every row of the guide's table is such a value: no stale rows.
    rows = re.findall(r"^\| `([\w.]+)`", GUIDE, re.M)
    assert sorted(rows) == sorted(must + volume_must)
