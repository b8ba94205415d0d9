"""Parallel lanes from the editor, end to end over stdio: `max_parallel = 2`, a run of two
independent tasks, each agent on its own scripted fake API server, real worktrees, real checks,
integration onto the user's branch whose roadmap has an uncommitted edit of the user's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from roadmapd.testing.router import FakeServers
from roadmapd.testing.script import script, text, tool_use
from roadmapd_protocol import CMD_ROLLBACK_TASK, CMD_RUN_ALL, CMD_RUN_TASK

from .conftest import eventually, make_repo
from .engine_session import Editor, git, session

pytestmark = pytest.mark.timeout(120)
EDITOR = "str_replace_based_edit_tool"
ROADMAP = """\
# Plan

- [ ] T01 Add module a
  - Files: a.py
- [ ] T02 Add module b
  - Files: b.py
"""
MINE = "- [x] T03 Written by hand, not committed yet\n"


def writes(path: str, body: str) -> dict[str, object]:
    return script(
        tool_use(EDITOR, {"command": "create", "path": path, "file_text": body}),
        text(f"Added {path}."),
    )


def overlapped(ed: Editor, a: str, b: str) -> bool:
    """Whether, in the order the editor was told, `a` and `b` were running at the same time."""
    now: dict[str, str] = {}
    for state in ed.states:
        now[state["taskId"]] = state["status"]
        if now.get(a) in ("running", "verifying") and now.get(b) in ("running", "verifying"):
            return True
    return False


def parallel_project(root: Path) -> None:
    root.mkdir()
    (root / "roadmapd.toml").write_text(
        f'max_parallel = 2\nsandbox = "off"\n[[checks]]\nname = "compiles"\n'
        f'run = "{sys.executable} -m compileall -q ."\n',
        encoding="utf-8",
    )
    (root / ".gitignore").write_text("__pycache__/\n", encoding="utf-8")
    make_repo(root, ROADMAP)


async def until_committed(ed: Editor, *task_ids: str) -> None:
    for task_id in task_ids:
        await eventually(
            lambda t=task_id: ed.status(t) == "committed",  # type: ignore[misc]
            f"{task_id} to be committed (now {ed.status(task_id)})",
            timeout=90,
        )


async def test_a_run_of_two_independent_tasks_works_in_two_lanes(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    parallel_project(root)
    (root / "ROADMAP.md").write_text(ROADMAP + MINE, encoding="utf-8")  # saved, not committed
    scripts = {"T01": writes("a.py", "A = 1\n"), "T02": writes("b.py", "B = 2\n")}
    with FakeServers(scripts, delay_ms=400) as api:
        async with session(root, api.url, tmp_path / "state") as ed:
            started = await ed.execute(CMD_RUN_ALL, {"uri": ed.uri})
            assert started["ok"] and started["taskIds"] == ["T01", "T02"], started
            assert "up to 2 at a time" in started["message"]
            await until_committed(ed, "T01", "T02")
            assert overlapped(ed, "T01", "T02"), [(s["taskId"], s["status"]) for s in ed.states]
            # both ticks in the buffer and on disk, the user's own line kept in both
            await eventually(lambda: "- [x] T02" in ed.text, "the buffer to show both ticks")
            expected = (ROADMAP + MINE).replace("[ ]", "[x]")
            assert ed.text == expected
            assert (root / "ROADMAP.md").read_text(encoding="utf-8") == expected
            lenses = await ed.lenses()
            assert lenses[2][0].startswith("✓ passed") and lenses[4][0].startswith("✓ passed")
            progress_titles = [
                getattr(v, "title", None)
                for reports in ed.client.progress_reports.values()
                for v in reports
            ]
            assert "Add module a" in progress_titles and "Add module b" in progress_titles
    # one commit per task, in roadmap order; each holds its tick but never the user's line
    subjects = git(root, "log", "--format=%s", "-n", "3").splitlines()
    assert subjects[:2] == ["Add module b", "Add module a"]
    assert git(root, "show", "HEAD:ROADMAP.md") == ROADMAP.replace("[ ]", "[x]")
    assert git(root, "show", "--name-only", "--format=", "HEAD~1").split() == ["ROADMAP.md", "a.py"]
    assert git(root, "status", "--porcelain").splitlines() == [" M ROADMAP.md"]
    assert api.requests("T01") and api.requests("T02")
    assert git(root, "branch", "--list", "roadmapd/*") == ""


async def test_tasks_started_one_by_one_work_side_by_side(tmp_path: Path) -> None:
    """Two clicks on two lenses: the second task does not queue behind the first."""
    root = tmp_path / "repo"
    parallel_project(root)
    scripts = {"T01": writes("a.py", "A = 1\n"), "T02": writes("b.py", "B = 2\n")}
    with FakeServers(scripts, delay_ms=400) as api:
        async with session(root, api.url, tmp_path / "state") as ed:
            first = await ed.execute(CMD_RUN_TASK, {"uri": ed.uri, "taskId": "T01"})
            second = await ed.execute(CMD_RUN_TASK, {"uri": ed.uri, "taskId": "T02"})
            assert first["ok"] and first["message"].startswith("started"), first
            assert second["ok"] and second["message"].startswith("started"), second
            await until_committed(ed, "T01", "T02")
            assert overlapped(ed, "T01", "T02"), [(s["taskId"], s["status"]) for s in ed.states]
            await eventually(lambda: "- [x] T02" in ed.text, "the buffer to show both ticks")
    assert git(root, "log", "--format=%s", "-n", "2").splitlines() == [
        "Add module b",
        "Add module a",
    ]
    assert git(root, "status", "--porcelain") == ""


async def test_a_conflicting_lane_needs_attention_and_rolls_back_without_touching_the_tree(
    tmp_path: Path,
) -> None:
    """Both agents create shared.py differently: T01 lands, T02 stays on its branch and says
    so on its line; rolling T02 back removes its lane and leaves the working tree alone."""
    root = tmp_path / "repo"
    parallel_project(root)
    scripts = {"T01": writes("shared.py", "X = 1\n"), "T02": writes("shared.py", "X = 2\n")}
    with FakeServers(scripts, delay_ms=300) as api:
        async with session(root, api.url, tmp_path / "state") as ed:
            started = await ed.execute(CMD_RUN_ALL, {"uri": ed.uri})
            assert started["ok"], started
            await until_committed(ed, "T01")
            await eventually(
                lambda: "needs attention" in ed.reason("T02"), "T02 to end passed, not committed"
            )
            assert ed.status("T02") == "passed"
            lenses = await ed.lenses()
            assert lenses[4][0].startswith("⚠ not committed: needs attention"), lenses[4]
            assert lenses[4][1:] == ["↻ Retry", "⟲ Roll back"]
            assert git(root, "rev-parse", "roadmapd/T02").strip()
            (root / "notes.txt").write_text("mine\n", encoding="utf-8")
            rolled = await ed.execute(CMD_ROLLBACK_TASK, {"uri": ed.uri, "taskId": "T02"})
            assert rolled["ok"] and rolled["method"] == "lane-removed", rolled
            assert (root / "shared.py").read_text(encoding="utf-8") == "X = 1\n"
            assert (root / "notes.txt").read_text(encoding="utf-8") == "mine\n"
            assert git(root, "branch", "--list", "roadmapd/*") == ""
            assert git(root, "status", "--porcelain").splitlines() == ["?? notes.txt"]
