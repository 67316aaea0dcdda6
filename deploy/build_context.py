#!/usr/bin/env python3
"""What `docker build .` sends into the image, and the check that the exercises' reference
solutions are not in it (deploy/check.sh runs it; `scripts/test.sh docker`).

The Dockerfile copies the build context into /opt/godl, which the student owns and reads: every
file of the repository that .dockerignore does not drop reaches the student. This module lists
that context with Docker's own .dockerignore rules (github.com/moby/patternmatcher, as BuildKit
applies them: patterns in order, the last match wins, `!` re-includes, a pattern that matches a
folder drops what it holds, `**` spans folders) and `--check` fails when the context would hold
  - a file under solutions/, or a copy of a solution file elsewhere (same bytes);
  - or when the Dockerfile names the solutions or fetches the repository some other way (git clone).
With a Docker engine and BuildKit (`--docker`), the context is also exported for real
(`FROM scratch` + `COPY . /`, no image pulled) and searched the same way.

Usage: deploy/build_context.py --check [--docker] [--root DIR]
       deploy/build_context.py --list          (the context's files, one a line)
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

SOLUTIONS = "solutions"


@dataclasses.dataclass
class Pattern:
    text: str
    exclusion: bool  # a "!" line: re-includes what it matches
    regex: re.Pattern

    def match(self, path: str) -> bool:
        return bool(self.regex.match(path))


def compile_pattern(p: str) -> re.Pattern:
    """patternmatcher's Pattern.compile: * and ? stop at /, ** spans folders, \\ escapes."""
    out, i = "^", 0
    while i < len(p):
        ch = p[i]
        if ch == "*":
            if i + 1 < len(p) and p[i + 1] == "*":
                i += 1
                if i + 1 < len(p) and p[i + 1] == "/":
                    i += 1
                out += ".*" if i + 1 >= len(p) else "(.*/)?"
            else:
                out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch in ".+()|{}$":
            out += "\\" + ch
        elif ch == "\\":
            i += 1
            if i < len(p):
                out += re.escape(p[i])
        else:
            out += ch
        i += 1
    return re.compile(out + "$")


def read_dockerignore(text: str) -> list[Pattern]:
    """BuildKit's dockerignore.ReadAll: comments, trimming, !, path cleaning, a leading / dropped."""
    pats = []
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        exclusion = s.startswith("!")
        if exclusion:
            s = s[1:].strip()
        if s:
            s = os.path.normpath(s).replace(os.sep, "/")
            if len(s) > 1 and s.startswith("/"):
                s = s[1:]
        pats.append(Pattern(("!" if exclusion else "") + s, exclusion, compile_pattern(s)))
    return pats


def ignored(rel: str, pats: list[Pattern]) -> bool:
    """patternmatcher's MatchesOrParentMatches: each pattern against the path and its parent
    folders, in order; the last pattern that matches decides."""
    parents = rel.split("/")[:-1]
    matched = False
    for p in pats:
        m = p.match(rel)
        if not m:
            for i in range(len(parents)):
                if p.match("/".join(parents[: i + 1])):
                    m = True
                    break
        if m:
            matched = not p.exclusion
    return matched


def may_reinclude(dir_rel: str, pats: list[Pattern]) -> bool:
    """Whether a ! pattern could re-include something under an ignored folder (Docker walks it)."""
    for p in pats:
        if not p.exclusion:
            continue
        literal = re.split(r"[*?\[\\]", p.text[1:], maxsplit=1)[0]
        if literal.startswith(dir_rel + "/") or dir_rel.startswith(literal.rstrip("/")) or literal == "":
            return True
    return False


def context_files(root: pathlib.Path) -> list[str]:
    """The files (and links) `docker build root` sends, relative to root."""
    di = root / ".dockerignore"
    pats = read_dockerignore(di.read_text()) if di.exists() else []
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        keep = []
        for d in sorted(dirnames):
            rel = rel_dir + d
            if os.path.islink(os.path.join(dirpath, d)):
                filenames.append(d)
            elif not ignored(rel, pats) or may_reinclude(rel, pats):
                keep.append(d)
        dirnames[:] = keep
        for f in sorted(filenames):
            rel = rel_dir + f
            if not ignored(rel, pats):
                out.append(rel)
    return sorted(out)


def digest(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def solution_digests(root: pathlib.Path) -> dict[str, str]:
    """sha256 -> solution file (relative), for the files of solutions/."""
    sols = root / SOLUTIONS
    out = {}
    if sols.is_dir():
        for p in sorted(sols.rglob("*")):
            if p.is_file() and not p.is_symlink():
                out[digest(p)] = p.relative_to(root).as_posix()
    return out


def solutions_in(files: list[str], base: pathlib.Path, sols: dict[str, str]) -> list[str]:
    """The problems: files of the context (relative to base) that are, or copy, a solution."""
    problems = []
    for rel in files:
        if rel == SOLUTIONS or rel.startswith(SOLUTIONS + "/"):
            problems.append(f"{rel} is a reference solution")
            continue
        p = base / rel
        if p.is_file() and not p.is_symlink() and p.stat().st_size < (1 << 20):
            d = digest(p)
            if d in sols:
                problems.append(f"{rel} is a copy of the reference solution {sols[d]}")
    return problems


def dockerfile_problems(root: pathlib.Path) -> list[str]:
    """Instructions that would bring the solutions in some other way than the build context."""
    problems = []
    text = (root / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", text)
    for n, line in enumerate(joined.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        kw = s.split(None, 1)[0].upper()
        if kw in ("COPY", "ADD", "RUN") and re.search(r"\bsolutions\b", s):
            problems.append(f"Dockerfile: an instruction names the solutions: {s[:120]}")
        if kw == "RUN" and re.search(r"\bgit\s+(clone|fetch|pull)\b", s):
            problems.append(f"Dockerfile: RUN fetches a repository (with its solutions): {s[:120]}")
        if kw == "ADD" and re.search(r"(https?|git)://|\.git\b", s):
            problems.append(f"Dockerfile: ADD fetches from a URL: {s[:120]}")
    return problems


def docker_context_files(root: pathlib.Path, dest: pathlib.Path) -> list[str]:
    """Exports the real build context with BuildKit (FROM scratch, COPY . /) into dest."""
    dockerfile = "FROM scratch\nCOPY . /\n"
    cmd = ["docker", "buildx", "build", "--quiet", "--output", f"type=local,dest={dest}", "-f", "-", str(root)]
    r = subprocess.run(cmd, input=dockerfile, text=True, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stderr.strip()}")
    return sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if not p.is_dir())


def docker_available() -> bool:
    if not shutil.which("docker"):
        return False
    ok = subprocess.run(["docker", "buildx", "version"], capture_output=True).returncode == 0
    return ok and subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def check(root: pathlib.Path, use_docker: bool) -> list[str]:
    sols = solution_digests(root)
    if not sols:
        return [f"{root / SOLUTIONS} holds no solution: nothing to compare the image's files with (run from the repository)"]
    problems = dockerfile_problems(root)
    problems += solutions_in(context_files(root), root, sols)
    if use_docker:
        with tempfile.TemporaryDirectory(prefix="godl-context-") as tmp:
            files = docker_context_files(root, pathlib.Path(tmp))
            problems += ["docker build context: " + p for p in solutions_in(files, pathlib.Path(tmp), sols)]
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parents[1]))
    ap.add_argument("--list", action="store_true", help="print the build context's files")
    ap.add_argument("--check", action="store_true", help="fail if the student image would hold the solutions")
    ap.add_argument("--docker", choices=["auto", "yes", "no"], default="auto",
                    help="also export the real build context with docker buildx (default: when available)")
    args = ap.parse_args()
    root = pathlib.Path(args.root)
    if args.list:
        print("\n".join(context_files(root)))
        return 0
    if not args.check:
        ap.print_usage()
        return 2
    use_docker = args.docker == "yes" or (args.docker == "auto" and docker_available())
    problems = check(root, use_docker)
    if problems:
        print("The student image would hold the exercises' reference solutions:", file=sys.stderr)
        for p in problems:
            print("  - " + p, file=sys.stderr)
        print("Fix: keep the line `solutions` in .dockerignore (and no later `!solutions...` line), copy no "
              "solution file elsewhere in the repository, and bring none in with a Dockerfile instruction. "
              "Teachers test with the solutions from their own checkout.", file=sys.stderr)
        return 1
    how = "the context exported by docker buildx and " if use_docker else ""
    print(f"ok: {how}.dockerignore's build context holds none of the {len(solution_digests(root))} solution files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
