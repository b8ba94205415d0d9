"""The built .vsix packages (`make vsix [TARGET=...]` -> extension/roadmapd-<target>-*.vsix).

Each holds nothing but the bundle, the bundled daemon and the assets; its bundled compiled
modules are the target's, one per CPython version the bundle names; and the linux-x64 package's
daemon imports and answers `--help` on every CPython >= 3.11 this machine has, isolated from
everything but the bundled libs. `make test` builds linux-x64 (its package must be there); the
other targets are checked when they were built (`make vsix TARGET=...`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXTENSION = REPO / "extension"
TARGETS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "win32-x64"]
LIBS = "extension/bundled/libs/"
ALLOWED = [
    r"extension\.vsixmanifest",
    r"\[Content_Types\]\.xml",
    r"extension/package\.json",
    r"extension/out/extension\.js",
    r"extension/readme\.md",
    r"extension/changelog\.md",
    r"extension/LICENSE\.txt",
    r"extension/media/icon\.png",
    r"extension/media/roadmap\.svg",  # the Roadmap view container's icon
    r"extension/media/walkthrough/[\w-]+\.md",
    r"extension/media/screenshots/[\w-]+\.png",
    re.escape(LIBS) + r".+",
]
# What a compiled module's file name says about its platform.
PLATFORM_SUFFIX = {
    "linux-x64": r"\.cpython-3\d+-x86_64-linux-gnu\.so",
    "linux-arm64": r"\.cpython-3\d+-aarch64-linux-gnu\.so",
    "darwin-x64": r"\.cpython-3\d+-darwin\.so",
    "darwin-arm64": r"\.cpython-3\d+-darwin\.so",
    "win32-x64": r"\.cp3\d+-win_amd64\.pyd",
}


def package(target: str) -> Path:
    found = sorted(EXTENSION.glob(f"roadmapd-{target}-*.vsix"), key=lambda p: p.stat().st_mtime)
    assert found, f"no {target} package: make vsix TARGET={target}"
    return found[-1]


def built_targets() -> list[str]:
    """linux-x64 (make test builds it) and every other target whose package is here."""
    return ["linux-x64"] + [t for t in TARGETS[1:] if any(EXTENSION.glob(f"roadmapd-{t}-*.vsix"))]


@pytest.mark.parametrize("target", built_targets())
def test_the_package_holds_only_the_bundle_the_daemon_and_the_assets(target: str) -> None:
    with zipfile.ZipFile(package(target)) as vsix:
        names = vsix.namelist()
        manifest = vsix.read("extension.vsixmanifest").decode()
        bundle = json.loads(vsix.read(LIBS + "roadmapd-bundle.json"))
    stray = [n for n in names if not any(re.fullmatch(p, n) for p in ALLOWED)]
    assert stray == []
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith(LIBS + "bin/")]
    for required in (
        "extension/out/extension.js",
        "extension/media/icon.png",
        LIBS + "roadmapd/__main__.py",
    ):
        assert required in names
    assert f'TargetPlatform="{target}"' in manifest
    assert bundle["target"] == target
    compiled = [n for n in names if re.search(r"\.(so|pyd)$", n)]
    assert compiled, "pydantic-core and jiter are compiled"
    assert all(re.search(PLATFORM_SUFFIX[target] + "$", n) for n in compiled), compiled
    for module in bundle["compiledModules"]:
        variants = [n for n in compiled if n.startswith(LIBS + module + ".")]
        assert len(variants) == len(bundle["pythons"]), (module, variants)


def interpreters() -> list[str]:
    """Every CPython >= 3.11 found here: this one, the system's, pyenv's."""
    found = {sys.executable}
    for name in ("python3", "python3.11", "python3.12", "python3.13", "python3.14", "python3.15"):
        exe = shutil.which(name)
        if exe:
            found.add(exe)
    found |= {str(p) for p in Path("/usr/bin").glob("python3.1[1-9]")}
    found |= {str(p) for p in (Path.home() / ".pyenv/versions").glob("3.1[1-9].*/bin/python3")}
    usable = []
    for exe in sorted(found):
        ok = subprocess.run(
            [exe, "-c", "import sys; sys.exit(sys.version_info < (3, 11))"], capture_output=True
        )
        if ok.returncode == 0:
            usable.append(exe)
    return usable


@pytest.mark.timeout(300)
def test_the_linux_x64_daemon_runs_on_every_python_here(tmp_path: Path) -> None:
    with zipfile.ZipFile(package("linux-x64")) as vsix:
        vsix.extractall(tmp_path, [n for n in vsix.namelist() if n.startswith(LIBS)])
    libs = tmp_path / LIBS
    bundle = json.loads((libs / "roadmapd-bundle.json").read_text())
    ran = {}
    for exe in interpreters():
        # What the extension runs, with --help for serve: isolated, the bundled libs first.
        boot = (
            f"import sys, runpy; sys.path.insert(0, {str(libs)!r}); "
            "import roadmapd, pydantic_core, jiter, anthropic, pygls, git; "
            "assert roadmapd.__file__.startswith(sys.path[0]), roadmapd.__file__; "
            "assert pydantic_core.__file__.startswith(sys.path[0]), pydantic_core.__file__; "
            "runpy.run_module('roadmapd', run_name='__main__', alter_sys=True)"
        )
        proc = subprocess.run(
            [exe, "-I", "-c", boot, "--help"], capture_output=True, text=True, timeout=120
        )
        version = subprocess.run(
            [exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        ran[exe] = version
        assert version in bundle["pythons"], f"{exe} is Python {version}: not bundled"
        assert proc.returncode == 0, f"{exe}: {proc.stderr[-2000:]}"
        assert "serve" in proc.stdout
    assert ran, "no Python >= 3.11 here"
