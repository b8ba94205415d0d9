"""Parallel runs on a real repository: worktree lanes, real checks, integration in order.

The model is replaced at the engine's agent port by a scripted writer (it edits files in the
lane it is given); everything else — worktrees, checkpoints, checks, commits, integration,
the checkbox tick — is the product's own code on a real git repository.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from roadmapd.agent.events import AgentEvent, AgentFinished, TurnStarted, Usage
from roadmapd.engine import TaskEngine, TaskStatus
from roadmapd.roadmap import parse
from roadmapd.workspace import CheckRunner, DiskCheckbox, Workspace, engine_settings
from roadmapd.workspace_lanes import WorkspaceLanes

ROADMAP = "# Plan\n\n- [ ] Task A <!-- id: A -->\n- [ ] Task B <!-- id: B -->\n"
CONFIG = 'max_parallel = 2\n\n[[checks]]\nname = "ok"\nrun = "python -c pass"\n'


class Writer:
    """An agent port whose 'model' writes `plan[task id]` = (path, text) into its lane."""

    def __init__(self, root: Path, plan: dict[str, tuple[str, str]]) -> None:
        self.root, self.plan = root, plan

    async def open(self, task: Any, *, context: str | None, after: Any = None) -> Writer:
        self.task_id = task.id
        return self

    def start(self) -> AsyncIterator[AgentEvent]:
        return self._stream()

    def send(self, message: str) -> AsyncIterator[AgentEvent]:
        return self._stream()

    async def _stream(self) -> AsyncIterator[AgentEvent]:
        yield TurnStarted(1)
        await asyncio.sleep(0.05)
        rel, text = self.plan[self.task_id]
        (self.root / rel).write_text(text, encoding="utf-8")
        yield AgentFinished("end_turn", "done", 1, Usage())

    async def aclose(self) -> None:
        return None


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in {
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "ROADMAPD_STATE_DIR": str(tmp_path / "state"),
    }.items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "ROADMAP.md").write_text(ROADMAP)
    (root / "roadmapd.toml").write_text(CONFIG)
    (root / "calc.py").write_text("x = 1\ny = 2\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "initial")
    return root


def _run(root: Path, plan: dict[str, tuple[str, str]]) -> tuple[Any, Workspace]:
    """Run the tasks named in `plan` (in parallel lanes) to their end."""
    ws = Workspace.open(root)
    roadmap = root / "ROADMAP.md"
    engine: TaskEngine[Any, Any] = TaskEngine(
        agent=Writer(root, plan),
        verifier=CheckRunner(ws.root, ws.config),
        git=ws.git,
        checkbox=DiskCheckbox(roadmap),
        sink=ws.recorder,
        settings=engine_settings(ws.config),
        lanes=WorkspaceLanes(
            ws.git,
            ws.store.paths.worktrees_dir,
            DiskCheckbox(roadmap),
            lambda lane_root: Writer(lane_root, plan),
            lambda lane_root: CheckRunner(lane_root, ws.config),
        ),
    )
    tasks = parse(roadmap.read_text()).tasks
    result = asyncio.run(engine.run([t for t in tasks if t.id in plan], all_tasks=tasks))
    ws.close()
    return result, ws


def test_two_tasks_on_different_files_both_land(repo: Path) -> None:
    result, ws = _run(repo, {"A": ("a.py", "A = 1\n"), "B": ("b.py", "B = 2\n")})
    assert [o.status for o in result.outcomes] == [TaskStatus.COMMITTED] * 2, result
    assert _git(repo, "log", "--format=%s").splitlines() == ["Task B", "Task A", "initial"]
    assert "- [x] Task A" in (repo / "ROADMAP.md").read_text()
    assert "- [x] Task B" in (repo / "ROADMAP.md").read_text()
    assert (repo / "a.py").read_text() == "A = 1\n" and (repo / "b.py").read_text() == "B = 2\n"
    assert _git(repo, "status", "--porcelain") == ""
    assert _git(repo, "branch", "--list", "roadmapd/*") == ""
    assert not any(ws.store.paths.worktrees_dir.glob("*"))


def test_two_tasks_on_the_same_lines_one_lands_one_needs_attention(repo: Path) -> None:
    result, _ = _run(
        repo, {"A": ("calc.py", "x = 10\ny = 2\n"), "B": ("calc.py", "x = 20\ny = 2\n")}
    )
    assert result.outcome("A").status is TaskStatus.COMMITTED
    second = result.outcome("B")
    assert second.status is TaskStatus.PASSED
    assert "needs attention" in (second.reason or "") and "roadmapd/B" in (second.reason or "")
    assert _git(repo, "log", "--format=%s").splitlines() == ["Task A", "initial"]
    assert (repo / "calc.py").read_text() == "x = 10\ny = 2\n"
    assert "- [ ] Task B" in (repo / "ROADMAP.md").read_text()
    assert _git(repo, "show", "roadmapd/B:calc.py") == "x = 20\ny = 2\n"
    assert _git(repo, "status", "--porcelain") == ""


def test_uncommitted_roadmap_edits_stay_and_both_ticks_land(repo: Path) -> None:
    """The user added a task to ROADMAP.md without committing it: both tasks still land, each
    commit holds only its own tick, and the file on disk keeps the user's line plus both ticks."""
    mine = ROADMAP + "- [ ] Task C, not committed yet <!-- id: C -->\n"
    (repo / "ROADMAP.md").write_text(mine)

    result, _ = _run(repo, {"A": ("a.py", "A = 1\n"), "B": ("b.py", "B = 2\n")})

    assert [o.status for o in result.outcomes] == [TaskStatus.COMMITTED] * 2, result
    on_disk = (repo / "ROADMAP.md").read_text()
    assert on_disk == mine.replace("- [ ] Task A", "- [x] Task A").replace(
        "- [ ] Task B", "- [x] Task B"
    )
    assert _git(repo, "show", "HEAD~1:ROADMAP.md") == ROADMAP.replace(
        "- [ ] Task A", "- [x] Task A"
    )
    assert _git(repo, "show", "HEAD:ROADMAP.md") == ROADMAP.replace("[ ]", "[x]")
    assert _git(repo, "status", "--porcelain") == " M ROADMAP.md\n"


def test_a_task_that_landed_from_a_lane_rolls_back_and_undoes(repo: Path) -> None:
    """Rollback finds a lane task's integrated commit; the other task's work stays; undo."""
    _run(repo, {"A": ("a.py", "A = 1\n"), "B": ("b.py", "B = 2\n")})
    ws = Workspace.open(repo)
    roadmap = repo / "ROADMAP.md"
    engine = ws.engine(DiskCheckbox(roadmap))
    task_a = parse(roadmap.read_text()).task("A")
    assert task_a is not None

    rolled = asyncio.run(engine.rollback(task_a))

    assert rolled.done, rolled.reason
    assert not (repo / "a.py").exists() and (repo / "b.py").read_text() == "B = 2\n"
    assert "- [ ] Task A" in roadmap.read_text() and "- [x] Task B" in roadmap.read_text()
    undone = asyncio.run(engine.undo_rollback())
    assert undone.done and undone.task_id == "A"
    assert (repo / "a.py").read_text() == "A = 1\n" and "- [x] Task A" in roadmap.read_text()
    assert engine.status("A") is TaskStatus.COMMITTED
    ws.close()
