"""Which toolchains the jail binds back, where the home it hides also holds the workspace.

`roadmapd demo --keep ~/try/demo` with roadmapd installed in `~/try/venv`: the folder the jail
used to bind back for the venv (`~/try`, the top folder under the home) holds the workspace, so
nothing was bound and the checks found no `python`. Now the environment itself is bound back
(`~/try/venv`, read-only), and nothing else of `~/try`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from roadmapd.containment.jail import JailSettings, _toolchain_dirs, make_sandbox


def _tool_env(folder: Path) -> Path:
    """A tool environment at `folder` (bin/ with an executable `roadmapd-test-tool`)."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True)
    tool = bin_dir / "roadmapd-test-tool"
    tool.write_text("#!/bin/sh\necho found the tool\n", encoding="utf-8")
    tool.chmod(0o755)
    return bin_dir


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def test_an_environment_next_to_the_workspace_is_bound_back_alone(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_bin = _tool_env(home / "try" / "venv")
    workspace = home / "try" / "demo"
    workspace.mkdir()
    monkeypatch.setenv("PATH", f"{env_bin}{os.pathsep}/usr/bin:/bin")
    binds = _toolchain_dirs(workspace.resolve(), ())
    assert (home / "try" / "venv").resolve() in binds
    assert (home / "try").resolve() not in binds  # the workspace's siblings stay hidden


def test_a_toolchain_elsewhere_in_the_home_is_bound_back_by_its_top_folder(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_bin = _tool_env(home / ".tools" / "envs" / "x")
    workspace = home / "code" / "project"
    workspace.mkdir(parents=True)
    monkeypatch.setenv("PATH", f"{env_bin}{os.pathsep}/usr/bin:/bin")
    assert (home / ".tools").resolve() in _toolchain_dirs(workspace.resolve(), ())


def test_an_environment_inside_the_workspace_needs_no_bind(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = home / "project"
    env_bin = _tool_env(workspace / ".venv")
    monkeypatch.setenv("PATH", f"{env_bin}{os.pathsep}/usr/bin:/bin")
    binds = _toolchain_dirs(workspace.resolve(), ())
    assert not [b for b in binds if b.is_relative_to(home.resolve())]


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_in_the_jail_the_environment_runs_and_its_neighbours_stay_hidden(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_bin = _tool_env(home / "try" / "venv")
    (home / "try" / "notes.txt").write_text("private", encoding="utf-8")
    workspace = home / "try" / "demo"
    workspace.mkdir()
    monkeypatch.setenv("PATH", f"{env_bin}{os.pathsep}{os.environ['PATH']}")
    sandbox = asyncio.run(make_sandbox(JailSettings("require")))
    assert sandbox.active, "bwrap is installed but does not work here"
    script = (
        "roadmapd-test-tool; "
        'touch "$(command -v roadmapd-test-tool)2" 2>/dev/null || echo read-only; '
        f"cat {home / 'try' / 'notes.txt'} 2>/dev/null || echo hidden; "
        "touch written-in-the-workspace"
    )
    done = subprocess.run(
        sandbox.wrap(["sh", "-c", script], workspace.resolve()),
        env=sandbox.env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.stdout.split() == ["found", "the", "tool", "read-only", "hidden"], done.stderr
    assert (workspace / "written-in-the-workspace").exists()
    assert not (env_bin / "roadmapd-test-tool2").exists()
