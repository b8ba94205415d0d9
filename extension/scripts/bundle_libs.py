"""Puts the roadmapd daemon and its dependencies into extension/bundled/libs for one VS Code
target, the way Microsoft's Python tools extension template does (`pip install --target`).

    python3 extension/scripts/bundle_libs.py --target linux-x64 [--python 3.11,3.12,...]

- The dependencies come from requirements-runtime.lock (exact versions with hashes), as wheels
  only, for the target's platform: `pip download --only-binary :all: --platform <tags>
  --python-version <v> --implementation cp --require-hashes --no-deps` into a wheel cache
  (extension/build/wheels/<target>; a cache that has them all is used without the network),
  then `pip install --no-index --target` from that cache (the hashes are checked again).
- Compiled wheels (pydantic-core, jiter) are per CPython version, so the cache holds them for
  every version in --python (default 3.11 to 3.15); their extension modules carry the version in
  their file name (`_pydantic_core.cpython-312-x86_64-linux-gnu.so`, `.cp312-win_amd64.pyd`), so
  all of them sit side by side in the one tree and each interpreter imports its own. Anything
  else that differed between versions would be an error.
- roadmapd itself is built from this checkout (pyproject.toml, README.md, daemon/, protocol/,
  copied to a temporary folder so the build leaves nothing in the tree) and installed with
  `--no-deps`: it is pure Python, one wheel for every target.
- Then: no console scripts (`bin/`), no bytecode caches; `roadmapd-bundle.json` says what was
  bundled (the extension's probe reads it).

Stdlib only; run it with a Python that has pip (the repo's .venv has setuptools too, so the
project builds without network; otherwise pip fetches the build backend).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EXTENSION = Path(__file__).resolve().parents[1]
REPO = EXTENSION.parent
LOCK = REPO / "requirements-runtime.lock"
OUT = EXTENSION / "bundled/libs"
CACHE = EXTENSION / "build/wheels"
MANIFEST = "roadmapd-bundle.json"
DEFAULT_PYTHONS = ("3.11", "3.12", "3.13", "3.14", "3.15")

# VS Code target -> pip platform tags (pip widens manylinux2014 to manylinux2010/1 and a macOS
# version to every older one; wheels are tagged manylinux_2_17 + manylinux2014 alike).
PLATFORMS: dict[str, tuple[str, ...]] = {
    "linux-x64": ("manylinux2014_x86_64",),
    "linux-arm64": ("manylinux2014_aarch64",),
    "linux-armhf": ("manylinux2014_armv7l",),
    "alpine-x64": ("musllinux_1_2_x86_64", "musllinux_1_1_x86_64"),
    "alpine-arm64": ("musllinux_1_2_aarch64", "musllinux_1_1_aarch64"),
    "darwin-x64": ("macosx_11_0_x86_64",),
    "darwin-arm64": ("macosx_11_0_arm64",),
    "win32-x64": ("win_amd64",),
    "win32-arm64": ("win_arm64",),
}
# The ABI part of an extension module's file name: `.cpython-311-x86_64-linux-gnu.so`,
# `.cpython-311-darwin.so`, `.cp311-win_amd64.pyd`, `.abi3.so`, or nothing (`.so`, `.pyd`).
EXTENSION_MODULE = re.compile(r"^(?P<stem>[^.]+)(?P<abi>\.[^/]*)?\.(so|pyd)$")
SKIP_PARTS = {"__pycache__"}


def say(message: str) -> None:
    print(f"bundle_libs: {message}", flush=True)


def pip(*args: str, check: bool = True) -> bool:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0 and check:
        sys.exit(f"bundle_libs: failed: {' '.join(command)}\n{proc.stdout}\n{proc.stderr}")
    return proc.returncode == 0


def platform_args(target: str, python: str) -> list[str]:
    args = ["--only-binary", ":all:", "--implementation", "cp", "--python-version", python]
    for tag in PLATFORMS[target]:
        args += ["--platform", tag]
    return args


def fetch(target: str, python: str, wheels: Path) -> str:
    """The locked wheels for one CPython version, into the target's wheel cache: from the cache
    alone when it has them all (no network), else from the index."""
    args = ["--quiet", "--require-hashes", "--no-deps", "--dest", str(wheels)]
    args += [*platform_args(target, python), "-r", str(LOCK)]
    if pip("download", "--no-index", "--find-links", str(wheels), *args, check=False):
        return "cached"
    pip("download", *args)
    return "downloaded"


def install(target: str, python: str, wheels: Path, into: Path) -> None:
    pip(
        "install",
        "--quiet",
        "--no-index",
        "--find-links",
        str(wheels),
        "--require-hashes",
        "--no-deps",
        "--no-compile",
        "--target",
        str(into),
        *platform_args(target, python),
        "-r",
        str(LOCK),
    )


def build_project(work: Path) -> Path:
    """A wheel of roadmapd from this checkout, built in a copy (nothing written in the tree)."""
    src = work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE.md", "LICENSE.txt"):
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for folder in ("daemon", "protocol"):
        shutil.copytree(REPO / folder, src / folder, ignore=ignore)
    isolation: list[str] = []
    try:
        import setuptools  # noqa: F401  (the repo's .venv has the locked build backend)

        isolation = ["--no-build-isolation"]
    except ImportError:
        pass
    dist = work / "dist"
    pip("wheel", "--quiet", "--no-deps", *isolation, "--wheel-dir", str(dist), str(src))
    (wheel,) = dist.glob("roadmapd-*.whl")
    return wheel


def files(tree: Path) -> dict[str, Path]:
    out = {}
    for path in tree.rglob("*"):
        rel = path.relative_to(tree)
        if path.is_file() and not SKIP_PARTS.intersection(rel.parts):
            out[rel.as_posix()] = path
    return out


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def merge(base: Path, other: Path, python: str) -> int:
    """Adds `other`'s extension modules to `base`; anything else must be the same or metadata."""
    have = files(base)
    added = 0
    for rel, path in sorted(files(other).items()):
        dist_info = rel.split("/", 1)[0].endswith(".dist-info")
        if rel in have:
            if not dist_info and digest(path) != digest(have[rel]):
                sys.exit(f"bundle_libs: {rel} differs between Python versions ({python})")
            continue
        if EXTENSION_MODULE.match(rel.rsplit("/", 1)[-1]) or dist_info:
            if not dist_info:
                target = base / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
                added += 1
            continue
        sys.exit(f"bundle_libs: {rel} exists only for Python {python}: not a compiled module")
    return added


def modules_by_stem(tree: Path) -> dict[str, list[str]]:
    """Each extension module (folder/stem) with the ABI parts of the files that provide it."""
    found: dict[str, list[str]] = {}
    for rel in files(tree):
        folder, _, name = rel.rpartition("/")
        m = EXTENSION_MODULE.match(name)
        if m:
            found.setdefault(f"{folder}/{m['stem']}", []).append(name)
    return found


def prune(tree: Path) -> None:
    shutil.rmtree(tree / "bin", ignore_errors=True)  # console scripts with this build's shebang
    for cache in list(tree.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    for pyc in tree.rglob("*.pyc"):
        pyc.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default="linux-x64", choices=sorted(PLATFORMS))
    parser.add_argument("--python", default=",".join(DEFAULT_PYTHONS), help="CPython versions")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    pythons = [v.strip() for v in args.python.split(",") if v.strip()]
    if not pythons or min(tuple(map(int, v.split("."))) for v in pythons) < (3, 11):
        sys.exit("bundle_libs: roadmapd needs Python 3.11 or newer; --python must start there")
    wheels = CACHE / args.target
    wheels.mkdir(parents=True, exist_ok=True)
    out: Path = args.out
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="roadmapd-bundle-") as tmp:
        work = Path(tmp)
        for python in pythons:
            how = fetch(args.target, python, wheels)
            say(f"{args.target}: the locked wheels for CPython {python}: {how}")
        say("building roadmapd from this checkout")
        project = build_project(work)
        say(f"installing into {out} (CPython {pythons[0]} tree)")
        install(args.target, pythons[0], wheels, out)
        pip(
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-compile",
            "--target",
            str(out),
            str(project),
        )
        for python in pythons[1:]:
            staging = work / f"cp{python}"
            install(args.target, python, wheels, staging)
            say(f"CPython {python}: {merge(out, staging, python)} compiled modules added")
    prune(out)
    modules = modules_by_stem(out)
    for module, variants in sorted(modules.items()):
        if len(variants) != len(pythons) and not any(".abi3." in v for v in variants):
            sys.exit(f"bundle_libs: {module} has {variants}, expected one per version {pythons}")
    count = len(files(out))
    size = sum(p.stat().st_size for p in files(out).values())
    manifest = {
        "target": args.target,
        "platforms": list(PLATFORMS[args.target]),
        "pythons": pythons,
        "requiresPython": ">=3.11",
        "compiledModules": sorted(modules),
        "lock": LOCK.relative_to(REPO).as_posix(),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    say(
        f"{out}: {count} files, {size / 1e6:.1f} MB, compiled: {', '.join(sorted(modules)) or 'none'}"
    )


if __name__ == "__main__":
    os.umask(0o022)
    main()
