"""deploy/jupyterhub/values.yaml for Zero to JupyterHub: only settings the chart knows, per-student
limits, a persistent home where the image's user lives, idle culling, the data sets on a shared
read-only volume at the paths the datasets package reads, nbgrader (the exchange for everyone,
the formgrader and the course volume with the solutions for teachers only, hand-in and collection
run for real with the generated configuration), Go's memory and core limits, a network policy
that keeps servers off the cluster and the cloud's metadata server, and every value a teacher must
set named in the teacher's guide."""
from __future__ import annotations

import copy
import ipaddress
import json
import math
import os
import pathlib
import re
import stat
import subprocess
import sys
import types

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "jupyterhub"
VALUES_FILE = DEPLOY / "values.yaml"
VALUES = yaml.safe_load(VALUES_FILE.read_text())
GUIDE = (DEPLOY / "README.md").read_text()
VOLUME_FILE = DEPLOY / "datasets-volume.yaml"
EXCHANGE_FILE = DEPLOY / "nbgrader-exchange-volume.yaml"
COURSE_FILE = DEPLOY / "nbgrader-course-volume.yaml"
MANIFESTS = (VOLUME_FILE, EXCHANGE_FILE, COURSE_FILE)
sys.path.insert(0, str(ROOT / "deploy"))

import build_context  # noqa: E402

# Value paths of the jupyterhub chart (4.x values.schema.yaml) that this file may use. The chart
# rejects unknown keys under these (additionalProperties: false); the subtrees in FREE_FORM are
# passed through to JupyterHub, Kubernetes or hub.extraConfig as they are.
CHART_PATHS = {
    "hub.config", "hub.extraConfig", "custom",
    "proxy.https.enabled", "proxy.https.type", "proxy.https.hosts", "proxy.https.letsencrypt.contactEmail",
    "singleuser.image.name", "singleuser.image.tag", "singleuser.image.pullPolicy",
    "singleuser.uid", "singleuser.fsGid", "singleuser.cmd", "singleuser.defaultUrl", "singleuser.startTimeout",
    "singleuser.cpu.limit", "singleuser.cpu.guarantee", "singleuser.memory.limit", "singleuser.memory.guarantee",
    "singleuser.storage.type", "singleuser.storage.capacity", "singleuser.storage.homeMountPath",
    "singleuser.storage.dynamic.storageClass", "singleuser.storage.extraVolumes",
    "singleuser.storage.extraVolumeMounts", "singleuser.extraEnv", "singleuser.extraFiles",
    "singleuser.lifecycleHooks.postStart",
    "singleuser.networkPolicy.enabled", "singleuser.networkPolicy.egress",
    *(f"singleuser.networkPolicy.egressAllowRules.{k}" for k in (
        "cloudMetadataServer", "dnsPortsCloudMetadataServer", "dnsPortsKubeSystemNamespace",
        "dnsPortsPrivateIPs", "nonPrivateIPs", "privateIPs")),
    "singleuser.cloudMetadata.blockWithIptables", "singleuser.cloudMetadata.ip",
    "cull.enabled", "cull.timeout", "cull.every", "cull.users", "cull.maxAge",
    "prePuller.hook.enabled", "prePuller.continuous.enabled", "scheduling.userScheduler.enabled",
}
FREE_FORM = {"hub.config", "hub.extraConfig", "custom", "singleuser.extraEnv", "singleuser.extraFiles",
             "singleuser.lifecycleHooks.postStart"}

GODL = VALUES["custom"]["godl"]
METADATA_IP = "169.254.169.254"


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


def manifest(path: pathlib.Path, kind: str) -> dict:
    return next(d for d in yaml.safe_load_all(path.read_text()) if d["kind"] == kind)


def extra_file(mount_path: str) -> str:
    """The content singleuser.extraFiles puts at mount_path (data rendered as the chart does for .json)."""
    (f,) = [f for f in get("singleuser.extraFiles").values() if f["mountPath"] == mount_path]
    return f["stringData"] if "stringData" in f else json.dumps(f["data"])


def test_only_settings_the_chart_knows():
    unknown = sorted(set(leaf_paths(VALUES)) - CHART_PATHS)
    assert not unknown, f"not settings of the jupyterhub chart: {unknown}"
    # singleuser.extraFiles entries as the chart's schema takes them: a mountPath and one of data,
    # stringData, binaryData (data only for a file the chart can render: .json, .yaml, .yml, .toml).
    for key, f in get("singleuser.extraFiles").items():
        assert set(f) <= {"mountPath", "data", "stringData", "binaryData", "mode"}, key
        assert f["mountPath"].startswith("/"), key
        assert len({"data", "stringData", "binaryData"} & set(f)) == 1, key
        if "data" in f:
            assert pathlib.PurePath(f["mountPath"]).suffix in {".json", ".yaml", ".yml", ".toml"}, key
    # hub.extraConfig is Python that the hub runs: it must at least compile.
    for key, code in get("hub.extraConfig").items():
        compile(code, key, "exec")
    # The schema forbids allowing the metadata server while blocking it with iptables.
    assert not (get("singleuser.networkPolicy.egressAllowRules.cloudMetadataServer")
                and get("singleuser.cloudMetadata.blockWithIptables"))


class UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (PyYAML keeps the last one)."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate keys {sorted(dup)}", node.start_mark)
        return super().construct_mapping(node, deep=deep)


@pytest.mark.parametrize("path", [VALUES_FILE, *MANIFESTS], ids=lambda p: p.name)
def test_no_key_given_twice(path):
    list(yaml.load_all(path.read_text(), Loader=UniqueKeyLoader))


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


def go_memlimit(s: str) -> int:
    """Go's GOMEMLIMIT syntax (runtime/debug): a number of bytes with B, KiB, MiB, GiB or TiB."""
    m = re.fullmatch(r"(\d+)(B|KiB|MiB|GiB|TiB)?", s)
    assert m, f"GOMEMLIMIT={s!r} is not Go's syntax (e.g. 2740MiB; MB or G are not accepted)"
    return int(m.group(1)) * 1024 ** ["B", "KiB", "MiB", "GiB", "TiB"].index(m.group(2) or "B")


def kernel_cell_memory(setting: str, container: float) -> float:
    """The kernel's per-cell limit (kernel/cellmem.go, parseMemSize): a percentage of the
    container's memory, or a size in powers of 1024."""
    if setting.endswith("%"):
        return container * float(setting[:-1]) / 100
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kmgt]i?b?)?", setting.lower())
    assert m, setting
    return float(m.group(1)) * 1024 ** ("kmgt".index(m.group(2)[0]) + 1 if m.group(2) else 0)


def test_go_memory_and_cores_follow_the_limits():
    env = get("singleuser.extraEnv")
    limit = quantity(get("singleuser.memory.limit"))
    cell = kernel_cell_memory(env["GODL_CELL_MEMORY"], limit)
    gomem = go_memlimit(env["GOMEMLIMIT"])
    # The kernel runs each cell's program under GODL_CELL_MEMORY and passes a GOMEMLIMIT that is
    # already set through unchanged: the soft limit must sit under the cell's hard one, which
    # leaves room in the server's limit for the kernel, the compiler and JupyterLab.
    cellmem = (ROOT / "kernel" / "cellmem_linux.go").read_text()
    assert 'os.LookupEnv("GOMEMLIMIT"); !set' in cellmem
    assert gomem < cell < limit, (gomem, cell, limit)
    assert 0.85 <= gomem / cell <= 0.92, f"GOMEMLIMIT is {gomem / cell:.0%} of the cell's limit: ~90%"
    assert 0.6 <= cell / limit <= 0.85, f"GODL_CELL_MEMORY is {cell / limit:.0%} of memory.limit"
    assert kernel_cell_memory("3GB", 0) == 3 * 2**30 and go_memlimit("2740MiB") == 2740 * 2**20
    # One Go thread per core the server may use.
    assert int(env["GOMAXPROCS"]) == math.ceil(get("singleuser.cpu.limit")) >= 1


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
    # JupyterLab's root folder is the server's working directory: the home, not the image's WORKDIR.
    assert dockerfile_value(r"^WORKDIR (\S+)") != user_home
    assert get("hub.config.KubeSpawner.working_dir") == user_home


def test_idle_servers_are_culled():
    cull = VALUES["cull"]
    assert cull["enabled"] is True and cull["timeout"] > 0 and 0 < cull["every"] <= cull["timeout"]


def test_datasets_on_a_shared_read_only_volume_where_the_loaders_look():
    st = get("singleuser.storage")
    (vol,) = [v for v in st["extraVolumes"] if v["name"] == "course-datasets"]
    assert vol["persistentVolumeClaim"]["readOnly"] is True
    (mount,) = [m for m in st["extraVolumeMounts"] if m["name"] == "course-datasets"]
    assert mount["readOnly"] is True
    env = {k: v for k, v in get("singleuser.extraEnv").items() if re.fullmatch(r"GODL_\w+_DIR", k)}
    # Each variable is one the datasets package reads (const Env... = "GODL_..." in its source).
    consts = set(re.findall(r'Env\w+\s*=\s*"(GODL_\w+)"',
                            "".join(p.read_text() for p in (ROOT / "datasets").glob("*.go"))))
    for name, path in env.items():
        assert name in consts, f"{name} is not read by the datasets package ({sorted(consts)})"
        assert path.startswith(mount["mountPath"] + "/"), (name, path)
    assert {"GODL_CIFAR10_DIR", "GODL_GTSRB_DIR", "GODL_CHAOS_DIR"} <= set(env)
    # The claim is the one datasets-volume.yaml makes, read-only for many pods.
    pvc, pv = manifest(VOLUME_FILE, "PersistentVolumeClaim"), manifest(VOLUME_FILE, "PersistentVolume")
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


# ---- nbgrader: the exchange, students and teachers -------------------------------------------

def rwx_claim(path: pathlib.Path, name: str) -> None:
    """path makes a ReadWriteMany claim `name` bound to its own PersistentVolume."""
    pvc, pv = manifest(path, "PersistentVolumeClaim"), manifest(path, "PersistentVolume")
    assert pvc["metadata"]["name"] == name and pvc["spec"]["volumeName"] == pv["metadata"]["name"]
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"] == pv["spec"]["accessModes"]
    assert "ro" not in pv["spec"].get("mountOptions", []) and not pv["spec"]["nfs"].get("readOnly")
    assert quantity(pvc["spec"]["resources"]["requests"]["storage"]) <= quantity(pv["spec"]["capacity"]["storage"])


def test_the_nbgrader_exchange_is_one_writable_volume_mounted_for_everyone():
    ex = GODL["exchange"]
    st = get("singleuser.storage")
    (vol,) = [v for v in st["extraVolumes"] if v["name"] == ex["volume"]]
    (mount,) = [m for m in st["extraVolumeMounts"] if m["name"] == ex["volume"]]
    # In singleuser.storage, so in every server; writable (nbgrader checks that the root is).
    assert mount["mountPath"] == ex["mountPath"] == "/srv/nbgrader/exchange"
    assert not mount.get("readOnly") and not vol["persistentVolumeClaim"].get("readOnly")
    rwx_claim(EXCHANGE_FILE, vol["persistentVolumeClaim"]["claimName"])
    # The nbgrader configuration of every server puts the exchange there.
    src = extra_file("/etc/jupyter/nbgrader_config.py")
    assert re.search(r'^c\.Exchange\.root = os\.environ\.get\("GODL_EXCHANGE", "/srv/nbgrader/exchange"\)', src, re.M)


def hub_config_namespace(monkeypatch) -> dict:
    """Runs hub.extraConfig as the chart's jupyterhub_config.py does (exec, with `c` and the
    chart's z2jh module giving the values); returns the config."""
    from traitlets.config import Config

    def z2jh_get_config(key, default=None):
        try:
            return copy.deepcopy(get(key))
        except KeyError:
            return default

    monkeypatch.setitem(sys.modules, "z2jh", types.SimpleNamespace(get_config=z2jh_get_config))
    c = Config()
    for key, code in sorted(get("hub.extraConfig").items()):
        exec(compile(code, key, "exec"), {"c": c})
    return c


def chart_spawner(groups=()):
    """A stand-in for the KubeSpawner the chart configures from these values (its
    jupyterhub_config.py: home volume, singleuser.storage.extra*, extraEnv, uid, image, the
    iptables init container of cloudMetadata.blockWithIptables)."""
    st = get("singleuser.storage")
    return types.SimpleNamespace(
        user=types.SimpleNamespace(name="alice", groups=[types.SimpleNamespace(name=g) for g in groups]),
        image=f'{get("singleuser.image.name")}:{get("singleuser.image.tag")}',
        uid=get("singleuser.uid"),
        volumes=[{"name": "volume-{user_server}", "persistentVolumeClaim": {"claimName": "claim-{user_server}"}}]
        + copy.deepcopy(st["extraVolumes"]),
        volume_mounts=[{"name": "volume-{user_server}", "mountPath": st["homeMountPath"]}]
        + copy.deepcopy(st["extraVolumeMounts"]),
        environment=copy.deepcopy(get("singleuser.extraEnv")),
        init_containers=[{"name": "block-cloud-metadata", "image": "network-tools"}],
        supplemental_gids=[],
    )


def kubespawner_expand(node):
    """KubeSpawner's _expand_all: every string of volumes, mounts, env and init containers goes
    through str.format with the user's fields (a brace that is not one of them breaks the spawn)."""
    fields = dict(userid=1, unescaped_username="alice", unescaped_servername="", hubnamespace="hub",
                  username="alice", servername="", user_server="alice", safe_username="alice",
                  safe_servername="", safe_user_server="alice", escaped_username="alice",
                  escaped_servername="", escaped_user_server="alice--", pod_name="jupyter-alice",
                  pvc_name="claim-alice", namespace="hub")
    if isinstance(node, list):
        return [kubespawner_expand(x) for x in node]
    if isinstance(node, dict):
        return {k: kubespawner_expand(v) for k, v in node.items()}
    return node.format(**fields) if isinstance(node, str) else node


def spawn(hook, spawner):
    hook(spawner)
    for attr in ("volumes", "volume_mounts", "environment", "init_containers"):
        kubespawner_expand(getattr(spawner, attr))
    mounts = {m["mountPath"]: m for m in spawner.volume_mounts}
    assert len(mounts) == len(spawner.volume_mounts), "two mounts at one path"
    names = [v["name"] for v in spawner.volumes]
    assert len(set(names)) == len(names), "two volumes with one name"
    assert {m["name"] for m in spawner.volume_mounts} <= set(names)
    return mounts


def test_teachers_and_students_get_their_own_servers(monkeypatch):
    c = hub_config_namespace(monkeypatch)
    hook = c.KubeSpawner.pre_spawn_hook
    course, ex, home = GODL["courseId"], GODL["exchange"], get("singleuser.storage.homeMountPath")
    teacher_claim = manifest(COURSE_FILE, "PersistentVolumeClaim")["metadata"]["name"]
    rwx_claim(COURSE_FILE, teacher_claim)
    # The group "teachers" is the hub's admins (the same YAML list), and the hook reads that group.
    groups = get("hub.config.JupyterHub.load_groups")
    assert groups[GODL["teachersGroup"]]["users"] is get("hub.config.Authenticator.admin_users")

    # A teacher: the course volume inside the home (the formgrader needs the course directory
    # under JupyterLab's root folder), write access to the exchange, the teachers' group, the
    # setup init container as root, and no student configuration.
    sp = chart_spawner(groups=[GODL["teachersGroup"], "other"])
    mounts = spawn(hook, sp)
    (tvol,) = [v for v in sp.volumes if v.get("persistentVolumeClaim", {}).get("claimName") == teacher_claim]
    (tmount,) = [m for m in mounts.values() if m["name"] == tvol["name"]]
    course_dir = sp.environment["GODL_COURSE_DIR"]
    assert tmount["mountPath"].startswith(home + "/") and not tmount.get("readOnly")
    assert course_dir.startswith(tmount["mountPath"] + "/") and course_dir.startswith(get("hub.config.KubeSpawner.working_dir"))
    assert sp.environment["GODL_TEACHER_REPO"].startswith(tmount["mountPath"] + "/")
    assert not mounts[ex["mountPath"]].get("readOnly")
    assert [m for m in mounts if m.startswith(ex["mountPath"] + "/")] == []
    assert sp.environment["GODL_NBGRADER_ROLE"] == "teacher" and "JUPYTER_CONFIG_PATH" not in sp.environment
    assert sp.environment["GODL_COURSE_ID"] == course and sp.environment["GODL_EXCHANGE"] == ex["mountPath"]
    assert sp.supplemental_gids == [GODL["teachersGid"]] and GODL["teachersGid"] not in (0, get("singleuser.fsGid"))
    setup = sp.init_containers[-1]
    assert setup["name"] == "godl-teacher-setup" and setup["image"] == sp.image
    assert setup["securityContext"]["runAsUser"] == 0
    assert {m["mountPath"] for m in setup["volumeMounts"]} == {ex["mountPath"], tmount["mountPath"]}
    assert sp.init_containers[0]["name"] == "block-cloud-metadata"
    teacher_state = copy.deepcopy(vars(sp))
    # The hook starts from the chart's settings at every start: the same server again is the same.
    spawn(hook, sp)
    assert vars(sp) == teacher_state

    # The same user, out of the group: a student's server, with nothing of the teacher's left.
    sp.user.groups = []
    mounts = spawn(hook, sp)
    student = chart_spawner()
    spawn(hook, student)
    for s in (sp, student):
        assert teacher_claim not in json.dumps(s.volumes)
        assert not any(m["mountPath"].startswith(tmount["mountPath"]) for m in s.volume_mounts)
        assert [i["name"] for i in s.init_containers] == ["block-cloud-metadata"] and s.supplemental_gids == []
        assert s.environment["GODL_NBGRADER_ROLE"] == "student" and "GODL_COURSE_DIR" not in s.environment
    assert sp.volume_mounts == student.volume_mounts and sp.environment == student.environment
    # The exchange is writable (submissions go to inbound), but the released assignments and the
    # feedback are mounted read-only over it from the same volume.
    assert not mounts[ex["mountPath"]].get("readOnly")
    for folder in ("outbound", "feedback"):
        m = mounts[f'{ex["mountPath"]}/{course}/{folder}']
        assert m["readOnly"] is True and m["name"] == ex["volume"] and m["subPath"] == f"{course}/{folder}"
    assert f'{ex["mountPath"]}/{course}/inbound' not in mounts
    # The students' JupyterLab configuration folder is where extraFiles writes it.
    config_path = student.environment["JUPYTER_CONFIG_PATH"]
    assert {f["mountPath"] for f in get("singleuser.extraFiles").values() if f["mountPath"].startswith(config_path + "/")} \
        == {f"{config_path}/jupyter_server_config.json", f"{config_path}/labconfig/page_config.json"}


def test_a_course_id_that_would_break_the_paths_stops_the_hub(monkeypatch):
    monkeypatch.setitem(GODL, "courseId", "a/../b")
    with pytest.raises(ValueError, match="courseId"):
        hub_config_namespace(monkeypatch)


def load_nbgrader_config(tmp_path, monkeypatch, env: dict):
    """The configuration nbgrader reads from /etc/jupyter/nbgrader_config.py in a server with env."""
    from traitlets.config.loader import PyFileConfigLoader

    etc = tmp_path / "etc-jupyter"
    etc.mkdir(exist_ok=True)
    (etc / "nbgrader_config.py").write_text(extra_file("/etc/jupyter/nbgrader_config.py"))
    with monkeypatch.context() as m:
        for k in ("GODL_NBGRADER_ROLE", "GODL_COURSE_DIR", "GODL_TEACHER_REPO", "JUPYTERHUB_USER"):
            m.delenv(k, raising=False)
        for k, v in env.items():
            m.setenv(k, v)
        return PyFileConfigLoader("nbgrader_config.py", str(etc)).load_config()


def server_env(teacher: bool, tmp_path, monkeypatch) -> dict:
    """The environment the hook gives a server (paths moved under tmp_path)."""
    c = hub_config_namespace(monkeypatch)
    sp = chart_spawner(groups=[GODL["teachersGroup"]] if teacher else [])
    c.KubeSpawner.pre_spawn_hook(sp)
    env = {k: v for k, v in sp.environment.items() if k.startswith("GODL_") or k == "JUPYTER_CONFIG_PATH"}
    for k in ("GODL_EXCHANGE", "GODL_COURSE_DIR", "GODL_TEACHER_REPO"):
        if k in env:
            env[k] = str(tmp_path / env[k].lstrip("/"))
    env["JUPYTERHUB_USER"] = "alice" if not teacher else "prof"
    return env


def test_the_nbgrader_configuration_of_students_and_teachers(tmp_path, monkeypatch):
    pytest.importorskip("traitlets")
    course = GODL["courseId"]
    student = load_nbgrader_config(tmp_path, monkeypatch, server_env(False, tmp_path, monkeypatch))
    assert student.Exchange.root == str(tmp_path / "srv/nbgrader/exchange")
    assert student.CourseDirectory.course_id == course
    # Every server runs as the image's user: the submission is named after the hub's user.
    assert student.CourseDirectory.student_id == "alice"
    assert "groupshared" not in student.CourseDirectory and "root" not in student.CourseDirectory
    assert "go" in student.ClearSolutions.code_stub

    env = server_env(True, tmp_path, monkeypatch)
    teacher = load_nbgrader_config(tmp_path, monkeypatch, env)
    assert teacher.CourseDirectory.root == env["GODL_COURSE_DIR"]
    assert teacher.CourseDirectory.db_url == f'sqlite:///{env["GODL_COURSE_DIR"]}/gradebook.db'
    assert teacher.CourseDirectory.groupshared is True and teacher.ExchangeCollect.check_owner is False
    assert "student_id" not in teacher.CourseDirectory   # collects everybody's

    # With the course repository checked out on the teachers' volume, its grading settings load
    # first (its own __file__), and the hub's exchange and course stay; a broken one changes nothing.
    grading = pathlib.Path(env["GODL_TEACHER_REPO"]) / "grading"
    grading.mkdir(parents=True)
    (grading / "nbgrader_config.py").write_text(
        "c = get_config()\nc.Exchange.root = '/elsewhere'\nc.CourseDirectory.course_id = 'other'\n"
        "c.ClearSolutions.code_stub = {'go': '// mine'}\nc.GenerateAssignment.force = __file__\n")
    teacher = load_nbgrader_config(tmp_path, monkeypatch, env)
    assert teacher.GenerateAssignment.force == str(grading / "nbgrader_config.py")
    assert teacher.ClearSolutions.code_stub["go"] == "// mine"
    assert teacher.Exchange.root == env["GODL_EXCHANGE"] and teacher.CourseDirectory.course_id == course
    (grading / "nbgrader_config.py").write_text("import no_such_module\n")
    teacher = load_nbgrader_config(tmp_path, monkeypatch, env)
    assert teacher.Exchange.root == env["GODL_EXCHANGE"] and teacher.CourseDirectory.groupshared is True


def run_setup_script(tmp_path, env: dict) -> subprocess.CompletedProcess:
    """custom.godl.teacher.setupScript as the teacher's init container runs it."""
    return subprocess.run(["sh", "-c", GODL["teacher"]["setupScript"]], env={"PATH": os.environ["PATH"], **env},
                          capture_output=True, text=True, timeout=30)


def test_the_exchange_layout_lets_students_submit_but_not_read_each_other(tmp_path):
    exchange, teaching, course = tmp_path / "exchange", tmp_path / "teaching", GODL["courseId"]
    exchange.mkdir()
    env = {"EXCHANGE": str(exchange), "TEACHING": str(teaching), "COURSE_ID": course,
           "TEACHERS_GID": str(GODL["teachersGid"]), "TEACHER_UID": str(get("singleuser.uid"))}
    r = run_setup_script(tmp_path, env)
    assert r.returncode == 0, r.stderr   # never keeps the teacher's server from starting
    c = exchange / course
    if os.geteuid() != 0:
        # Without root (like NFS with root_squash) it says what to do.
        assert "run the guide's commands" in r.stdout and "the exchange's folders" in GUIDE.lower()
        return
    assert "ready" in r.stdout, r.stdout + r.stderr
    want = {exchange: (0, 0, 0o1777), c: (0, GODL["teachersGid"], 0o2775),
            c / "outbound": (0, GODL["teachersGid"], 0o2775), c / "feedback": (0, GODL["teachersGid"], 0o2775),
            c / "inbound": (0, GODL["teachersGid"], 0o2773)}
    for path, (uid, gid, mode) in want.items():
        st = path.stat()
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (uid, gid, mode), path
    # What that means for nbgrader and for a student (the image's user, not the folders' owner nor
    # in their group): the root is o+rwx (nbgrader's check); inbound takes submissions (o+wx) but
    # does not list them (no o+r), so a student cannot find another's (random-named) submission;
    # the teachers' group lists and reads them.
    assert stat.S_IMODE(exchange.stat().st_mode) & 0o777 == 0o777
    inbound = stat.S_IMODE((c / "inbound").stat().st_mode)
    assert inbound & 0o007 == 0o003 and inbound & 0o050 == 0o050
    assert teaching.stat().st_uid == get("singleuser.uid") and (teaching / "course").stat().st_uid == get("singleuser.uid")
    # Again on the next start: nothing changes, nothing fails.
    assert "ready" in run_setup_script(tmp_path, env).stdout
    # The layout the manifest documents is the one the script makes.
    doc = EXCHANGE_FILE.read_text()
    for path, (uid, gid, mode) in want.items():
        name = "./" if path == exchange else f"<course>/{path.relative_to(c)}/".replace("./", "")
        owner = "root:root" if gid == 0 else f"root:{gid}"
        assert re.search(rf"^#\s+{re.escape(name)}\s+{owner}\s+{mode:o}\b", doc, re.M), (name, owner, oct(mode))


def test_hand_in_and_collection_run_for_real(tmp_path, monkeypatch):
    """A teacher releases, a student fetches and submits, the teacher collects: nbgrader's own
    exchange code with the configuration and environment these values give each server."""
    pytest.importorskip("nbgrader")
    import nbformat
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeFactory

    monkeypatch.setenv("PATH", str(pathlib.Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])  # alembic
    course = GODL["courseId"]
    t_env, s_env = server_env(True, tmp_path, monkeypatch), server_env(False, tmp_path, monkeypatch)
    exchange = pathlib.Path(s_env["GODL_EXCHANGE"])
    for folder in ("inbound", "outbound", "feedback"):
        (exchange / course / folder).mkdir(parents=True, exist_ok=True)
    course_dir = pathlib.Path(t_env["GODL_COURSE_DIR"])
    (course_dir / "release" / "ps1").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x := 1")]),
                   str(course_dir / "release" / "ps1" / "ps1.ipynb"))
    teacher = load_nbgrader_config(tmp_path, monkeypatch, t_env)
    student = load_nbgrader_config(tmp_path, monkeypatch, s_env)

    def run(step, config):
        cd = CourseDirectory(config=config)
        cd.assignment_id = "ps1"
        getattr(ExchangeFactory(config=config), step)(
            coursedir=cd, authenticator=Authenticator(config=config), config=config).start()

    home = tmp_path / "home" / "student"
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(home)   # the server's working directory
    run("ReleaseAssignment", teacher)
    assert (exchange / course / "outbound" / "ps1" / "ps1.ipynb").is_file()
    run("FetchAssignment", student)
    fetched = home / course / "ps1" / "ps1.ipynb"   # path_includes_course
    assert fetched.is_file()
    run("Submit", student)
    (submission,) = os.listdir(exchange / course / "inbound")
    assert re.fullmatch(r"alice\+ps1\+[^+]+\+[\w-]{12}", submission)   # the hub's name, a random suffix
    run("Collect", teacher)
    assert (course_dir / "submitted" / "alice" / "ps1" / "ps1.ipynb").is_file()


def installed_nbgrader_lab_plugins() -> set[str]:
    nbgrader = pytest.importorskip("nbgrader")
    static = pathlib.Path(nbgrader.__file__).parent / "labextension" / "static"
    # The plugins' ids, as string literals of the bundle (assignment-list, formgrader, menu, ...).
    return set(re.findall(r'"(@jupyter/nbgrader:[\w-]+)"', "".join(p.read_text() for p in static.glob("*.js"))))


TEACHER_PLUGINS = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list"}
TEACHER_SERVER_EXTENSIONS = {"nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"}


def student_config_dir(tmp_path) -> pathlib.Path:
    """The students' JUPYTER_CONFIG_PATH folder, written from extraFiles."""
    folder = GODL["student"]["env"]["JUPYTER_CONFIG_PATH"]
    out = tmp_path / "student-config"
    for f in get("singleuser.extraFiles").values():
        if f["mountPath"].startswith(folder + "/"):
            p = out / f["mountPath"].removeprefix(folder + "/")
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(extra_file(f["mountPath"]))
    return out


def test_students_jupyterlab_has_no_teachers_panels(tmp_path, monkeypatch):
    plugins = installed_nbgrader_lab_plugins()
    assert TEACHER_PLUGINS < plugins, "nbgrader's plugin names changed"
    jls_config = pytest.importorskip("jupyterlab_server.config")
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(student_config_dir(tmp_path)))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    labextensions = [str(pathlib.Path(sys.prefix) / "share" / "jupyter" / "labextensions")]
    # The page configuration JupyterLab hands to the browser: the list of disabled plugins.
    disabled = set(jls_config.get_page_config(labextensions)["disabledExtensions"])
    assert TEACHER_PLUGINS <= disabled
    # A student keeps the assignment list, validation and the nbgrader menu.
    assert not disabled & (plugins - TEACHER_PLUGINS)
    monkeypatch.delenv("JUPYTER_CONFIG_PATH")
    assert not set(jls_config.get_page_config(labextensions)["disabledExtensions"]) & plugins


def test_students_server_runs_no_formgrader(tmp_path):
    """jupyter_server's own start-up, with the students' configuration folder first in the path."""
    pytest.importorskip("nbgrader")
    probe = ("import json\nfrom jupyter_server.serverapp import ServerApp\napp = ServerApp()\n"
             "app.initialize(argv=['--ServerApp.root_dir=.'], find_extensions=True, new_httpserver=False)\n"
             "print(json.dumps({n: e.enabled for n, e in app.extension_manager.extensions.items()}))\n")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTER_CONFIG_PATH": str(student_config_dir(tmp_path))}
    r = subprocess.run([sys.executable, "-c", probe], cwd=home, env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    enabled = json.loads(r.stdout.strip().splitlines()[-1])
    assert not any(enabled.get(e) for e in TEACHER_SERVER_EXTENSIONS), enabled
    assert enabled["nbgrader.server_extensions.assignment_list"] and enabled["nbgrader.server_extensions.validate_assignment"]
    # A teacher's server has no such folder: the wheel's own settings enable them all.
    wheel = json.loads((pathlib.Path(sys.prefix) / "etc/jupyter/jupyter_server_config.d/nbgrader.json").read_text())
    assert all(wheel["ServerApp"]["jpserver_extensions"][e] for e in TEACHER_SERVER_EXTENSIONS)


def test_the_solutions_stay_out_of_students_reach():
    # The student image: .dockerignore drops solutions/ (deploy/build_context.py --check, run by
    # deploy/check.sh and test_solutions_not_in_image.py, checks the whole context).
    rules = build_context.read_dockerignore((ROOT / ".dockerignore").read_text())
    assert build_context.ignored("solutions/01-perceptron-mlp/a.gocell", rules)
    # A student's server copies the image's notebooks only, and mounts no teachers' volume: the
    # solutions live in the checkout on the teachers' volume (custom.godl.teacher).
    command = " ".join(get("singleuser.lifecycleHooks.postStart")["exec"]["command"])
    assert "solutions" not in command
    claims = {v["persistentVolumeClaim"]["claimName"] for v in get("singleuser.storage.extraVolumes")}
    assert manifest(COURSE_FILE, "PersistentVolumeClaim")["metadata"]["name"] not in claims
    assert {v["name"] for v in GODL["teacher"]["volumes"]} == {m["name"] for m in GODL["teacher"]["volumeMounts"]}
    assert "solutions/" in COURSE_FILE.read_text() and "solutions/" in GUIDE and ".dockerignore" in GUIDE


# ---- network -----------------------------------------------------------------------------------

PRIVATE = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


CHART_DEFAULT_ALLOW = {"cloudMetadataServer": False, "dnsPortsCloudMetadataServer": True,
                       "dnsPortsKubeSystemNamespace": True, "dnsPortsPrivateIPs": True,
                       "nonPrivateIPs": True, "privateIPs": False}   # singleuser's, chart 4.x


def singleuser_egress_rules(netpol: dict) -> list[dict]:
    """The egress rules of the chart's singleuser NetworkPolicy (templates/singleuser/netpol.yaml
    and the jupyterhub.networkPolicy.renderEgressRules helper of chart 4.x), for IP destinations."""
    ip = get("singleuser.cloudMetadata.ip")
    allow = {**CHART_DEFAULT_ALLOW, **netpol.get("egressAllowRules", {})}
    dns = [{"protocol": p, "port": 53} for p in ("UDP", "TCP")]
    rules = []
    if allow["dnsPortsCloudMetadataServer"] or allow["dnsPortsKubeSystemNamespace"] or allow["dnsPortsPrivateIPs"]:
        to = ([{"ipBlock": {"cidr": f"{ip}/32"}}] if allow["dnsPortsCloudMetadataServer"] else []) \
            + ([{"ipBlock": {"cidr": c}} for c in PRIVATE] if allow["dnsPortsPrivateIPs"] else [])
        rules.append({"ports": dns, "to": to})   # kube-system pods: not an IP block
    if allow["nonPrivateIPs"]:
        rules.append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [*PRIVATE, f"{ip}/32"]}}]})
    if allow["privateIPs"]:
        rules.append({"to": [{"ipBlock": {"cidr": c}} for c in PRIVATE]})
    if allow["cloudMetadataServer"]:
        rules.append({"to": [{"ipBlock": {"cidr": f"{ip}/32"}}]})
    return rules + list(netpol.get("egress", []))


def egress_allowed(addr: str, port: int, protocol: str = "TCP", netpol: dict | None = None) -> bool:
    a = ipaddress.ip_address(addr)
    for rule in singleuser_egress_rules(get("singleuser.networkPolicy") if netpol is None else netpol):
        ports = rule.get("ports")   # none: every port and protocol
        if ports and not any(p.get("protocol", "TCP") == protocol and p.get("port", port) == port for p in ports):
            continue
        blocks = [t["ipBlock"] for t in rule.get("to", []) if "ipBlock" in t]
        if "to" not in rule or any(a in ipaddress.ip_network(b["cidr"])
                                   and not any(a in ipaddress.ip_network(e) for e in b.get("except", []))
                                   for b in blocks):
            return True
    return False


def test_the_network_policy_keeps_servers_off_the_cluster_and_the_metadata_server():
    assert get("singleuser.networkPolicy.enabled") is True
    # The cloud's metadata server: nothing at all, and an iptables rule in each pod as well.
    for port, proto in ((80, "TCP"), (443, "TCP"), (53, "UDP"), (53, "TCP")):
        assert not egress_allowed(METADATA_IP, port, proto), (port, proto)
    assert get("singleuser.cloudMetadata.blockWithIptables") is True and get("singleuser.cloudMetadata.ip") == METADATA_IP
    # The cluster's services, nodes and other pods (private, carrier-grade NAT and link-local
    # ranges): no port but DNS.
    for addr in ("10.96.0.1", "10.244.3.7", "172.20.0.10", "192.168.1.10", "100.64.0.5", "169.254.20.10"):
        for port in (80, 443, 2049, 5432, 6443, 10250):
            assert not egress_allowed(addr, port), (addr, port)
    assert egress_allowed("10.96.0.10", 53, "UDP") and egress_allowed("10.96.0.10", 53, "TCP")
    # The internet: HTTPS only (data sets' sources, the Go module proxy).
    assert egress_allowed("151.101.64.223", 443)
    for port, proto in ((80, "TCP"), (22, "TCP"), (25, "TCP"), (443, "UDP"), (6667, "TCP")):
        assert not egress_allowed("151.101.64.223", port, proto), (port, proto)
    # The model of the chart's rules, on the chart's defaults: every public port, DNS anywhere
    # private and on the metadata server, which is otherwise closed, and no private address.
    default = {"egressAllowRules": {}}
    assert egress_allowed("8.8.8.8", 22, netpol=default) and egress_allowed("8.8.8.8", 443, "UDP", netpol=default)
    assert egress_allowed(METADATA_IP, 53, "UDP", netpol=default) and not egress_allowed(METADATA_IP, 80, netpol=default)
    assert not egress_allowed("10.0.0.1", 443, netpol=default) and egress_allowed("10.0.0.1", 53, "UDP", netpol=default)


# ---- the teacher's guide -----------------------------------------------------------------------

def teacher_paths(path: pathlib.Path) -> list[str]:
    """Dotted paths of the YAML keys whose line is marked `# TEACHER` (block scalars skipped)."""
    stack: list[tuple[int, str]] = []
    found = []
    block = None   # the indentation of the key whose `|` block is being skipped
    for line in path.read_text().splitlines():
        indent = len(line) - len(line.lstrip())
        if block is not None:
            if not line.strip() or indent > block:
                continue
            block = None
        m = re.match(r"^(\s*)(?:- )?([A-Za-z_][\w.-]*):", line)
        if not m or line.lstrip().startswith("#"):
            continue
        indent = len(m.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, m.group(2)))
        if re.search(r":\s*[|>][-+]?\s*(#.*)?$", line):
            block = indent
        if "# TEACHER" in line:
            found.append(".".join(k for _, k in stack))
    return found


def test_the_guide_names_every_value_a_teacher_must_set():
    must = teacher_paths(VALUES_FILE)
    assert len(must) >= 10, must
    assert {"singleuser.image.name", "proxy.https.hosts", "custom.godl.courseId",
            "singleuser.extraEnv.GOMEMLIMIT", "hub.config.Authenticator.admin_users"} <= set(must)
    for path in must:
        assert f"`{path}`" in GUIDE, f"the teacher's guide does not name {path}"
    want_rows = {(p, None) for p in must}
    for manifest_file in MANIFESTS:
        volume_must = teacher_paths(manifest_file)
        assert volume_must == ["spec.nfs.server", "spec.nfs.path"], (manifest_file.name, volume_must)
        for path in volume_must:
            assert f"`{path}` ({manifest_file.name})" in GUIDE, (path, manifest_file.name)
        want_rows |= {(p, manifest_file.name) for p in volume_must}
    # Every row of the guide's table is such a value: no stale rows.
    rows = re.findall(r"^\| `([\w.]+)`(?: \(([\w.-]+)\))? \|", GUIDE, re.M)
    assert sorted((p, f or None) for p, f in rows) == sorted(want_rows)
