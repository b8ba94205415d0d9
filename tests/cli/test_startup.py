"""The light commands start fast: `roadmapd --help`, `roadmapd tasks FILE --json` and
`roadmapd status` never import the anthropic SDK (about 1.4 s to import here), its HTTP client
or GitPython; they load when a task runs. `roadmapd status` does not even import the engine,
the agent or the checks: it reads the configuration and the state store through the light part
of the workspace (`roadmapd.workspace_base`). Held on the real command (the console script,
else `python -m roadmapd`) with `-X importtime` (PYTHONPROFILEIMPORTTIME); the times themselves
are measured by benchmarks/startup.py, never here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from roadmapd.store import StateStore

from .conftest import MakeRepo, Repo

HEAVY = ("anthropic", "httpx2", "git")


def roadmapd_command() -> list[str]:
    script = Path(sys.executable).parent / "roadmapd"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "roadmapd"]


def imported(repo: Repo, args: list[str]) -> set[str]:
    """Every module `roadmapd ARGS` imported (from its `-X importtime` output)."""
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
    return {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }


@pytest.mark.parametrize(
    "args", [["--help"], ["tasks", "ROADMAP.md", "--json"], ["status"]], ids=" ".join
)
def test_light_commands_do_not_import_the_sdk_or_gitpython(
    make_repo: MakeRepo, one_task_roadmap: str, args: list[str]
) -> None:
    packages = {m.split(".")[0] for m in imported(make_repo(one_task_roadmap), args)}
    assert "roadmapd" in packages
    assert sorted(packages & set(HEAVY)) == []


#: What a command that needs no engine (`status`, `log`, `memory`) must not import: the
#: composition root, the engine's run loop, the agent's session, the checks, the git facade
#: (finding the work tree needs only `vcs.gitproc`; the transcript of `log`, the engine's
#: events).
ENGINE = (
    "roadmapd.workspace",
    "roadmapd.engine.engine",
    "roadmapd.engine.runner",
    "roadmapd.agent.session",
    "roadmapd.verify",
    "roadmapd.vcs.workspace",
)


@pytest.mark.parametrize(
    "args", [["status"], ["status", "--json"], ["log", "sub"], ["memory"]], ids=" ".join
)
def test_reading_commands_do_not_import_the_engine(
    make_repo: MakeRepo, one_task_roadmap: str, args: list[str]
) -> None:
    repo = make_repo(one_task_roadmap)
    store = StateStore(repo.path, root=repo.state_dir)
    store.update("sub", lambda state: setattr(state, "last_run_id", "run-1"))
    with store.open_run_log("run-1") as log:
        log.append({"type": "run_started", "run_id": "run-1", "task_ids": ["sub"]})
    modules = imported(repo, args)
    assert "roadmapd.store.state" in modules
    assert sorted(m for m in modules if any(m == e or m.startswith(e + ".") for e in ENGINE)) == []
