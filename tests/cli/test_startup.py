"""The light commands start fast: `roadmapd --help`, `roadmapd tasks FILE --json` and
`roadmapd status` never import the anthropic SDK (about 1.4 s to import here), its HTTP client
or GitPython; they load when a task runs. Held on the real command (the console script, else
`python -m roadmapd`) with `-X importtime` (PYTHONPROFILEIMPORTTIME); the times themselves are
measured by benchmarks/startup.py, never here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import MakeRepo

HEAVY = ("anthropic", "httpx2", "git")


def roadmapd_command() -> list[str]:
    script = Path(sys.executable).parent / "roadmapd"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "roadmapd"]


def imported(importtime: str) -> set[str]:
    """The top-level packages named in `-X importtime` output."""
    return {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in importtime.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }


@pytest.mark.parametrize(
    "args", [["--help"], ["tasks", "ROADMAP.md", "--json"], ["status"]], ids=" ".join
)
def test_light_commands_do_not_import_the_sdk_or_gitpython(
    make_repo: MakeRepo, one_task_roadmap: str, args: list[str]
) -> None:
    repo = make_repo(one_task_roadmap)
    done = subprocess.run(
        [*roadmapd_command(), *args],
        cwd=repo.path,
        env={**repo.env, "PYTHONPROFILEIMPORTTIME": "1"},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    modules = imported(done.stderr)
    assert "roadmapd" in modules
    assert sorted(modules & set(HEAVY)) == []
