"""Running tasks from the editor, end to end over stdio: the real engine, a real temp git repo,
the fake Messages API server and real pytest checks."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from lsprotocol import types

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use
from roadmapd_protocol import (
    CMD_CANCEL_TASK,
    CMD_RETRY_TASK,
    CMD_ROLLBACK_TASK,
    CMD_ROLLBACK_UNDO,
    CMD_RUN_TASK,
    CMD_SHOW_LOG,
)

from .conftest import eventually
from .engine_session import BAD, GOOD, Editor, git, project, session

pytestmark = pytest.mark.timeout(90)
EDITOR = "str_replace_based_edit_tool"


def create(path: str, body: str) -> dict[str, object]:
    return tool_use(EDITOR, {"command": "create", "path": path, "file_text": body})


async def until_status(editor: Editor, task_id: str, *statuses: str) -> str:
    return str(
        await eventually(
            lambda: editor.status(task_id) in statuses and editor.status(task_id),
            f"{task_id} to become {' or '.join(statuses)} (now {editor.status(task_id)})",
            timeout=45,
        )
    )


async def test_a_passing_task_commits_ticks_rolls_back_and_survives_a_restart(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    project(root)
    (root / "notes.txt").write_text("my own untracked notes\n", encoding="utf-8")
    fake = script(create("calc.py", GOOD), text("Added calc.add."))
    with FakeServer(fake, delay_ms=300) as api:
        async with session(root, api.url, tmp_path / "state") as ed:
            ref = {"uri": ed.uri, "taskId": "T01"}
            assert (await ed.lenses())[2] == ["▶ Run task"]
            started = await ed.execute(CMD_RUN_TASK, ref)
            assert started["ok"] and started["taskIds"] == ["T01"]
            await until_status(ed, "T01", "running")
            running = await eventually_lenses(ed, 2, "■ Cancel")
            assert not running[0][0].startswith("✓ all")  # never "all done" while it runs
            assert await until_status(ed, "T01", "committed", "failed") == "committed"
            lenses = await ed.lenses()
            # why the pass counts: the task's test failed before it and passes now
            assert lenses[2][0].startswith("✓ passed · red→green 1 test · 2 turns"), lenses[2]
            assert lenses[2][1] == "⟲ Roll back"
            # the box: ticked in the buffer through applyEdit, and on disk (so it is committed)
            assert "- [x] T01 Add calc.add" in ed.text
            assert ed.seen["edits"] and ed.seen["edits"][-1].label == "roadmapd: tick T01"
            assert "- [x] T01" in (root / "ROADMAP.md").read_text(encoding="utf-8")
            log = git(root, "log", "--format=%B%x00", "-n", "2").split("\x00")
            assert "Roadmap-Task: T01" in log[0] and "Roadmap-Attempts: 1" in log[0]
            shown = git(root, "show", "--name-only", "--format=", "HEAD").split()
            assert sorted(shown) == ["ROADMAP.md", "calc.py"]
            # progress: one begin with the task's title, reports, one end
            kinds = [
                (type(v).__name__, getattr(v, "title", None))
                for reports in ed.client.progress_reports.values()
                for v in reports
            ]
            assert ("WorkDoneProgressBegin", "Add calc.add") in kinds
            assert kinds[-1][0] == "WorkDoneProgressEnd"
            transcript = [(t["kind"], t["text"]) for t in ed.transcript]
            assert ("text", "Added calc.add.") in transcript
            assert any(k == "tool_call" and EDITOR in t for k, t in transcript)
            assert any(k == "check" and "pytest: passed" in t for k, t in transcript)
            # showLog and the checkpoints request
            shown_log = await ed.execute(CMD_SHOW_LOG, ref)
            assert "Added calc.add." in shown_log and "[check] pytest: passed" in shown_log
            listed = await ed.client.protocol.send_request_async(
                "roadmapd/checkpoints", {"uri": ed.uri}
            )
            assert [c.taskId for c in listed.checkpoints] == ["T01"]
            assert "calc.py" in listed.checkpoints[0].files
            # a second run of a committed, ticked task is refused with the reason
            again = await ed.execute(CMD_RUN_TASK, ref)
            assert not again["ok"] and "already done" in again["message"]
            # rollback: files restored, box unticked, the untracked notes untouched
            rolled = await ed.execute(CMD_ROLLBACK_TASK, ref)
            assert rolled["ok"], rolled
            assert rolled["backupRef"]
            assert not (root / "calc.py").exists()
            assert (root / "notes.txt").read_text(encoding="utf-8") == "my own untracked notes\n"
            await eventually(lambda: "- [ ] T01" in ed.text, "the buffer to be unticked")
            assert "- [ ] T01" in (root / "ROADMAP.md").read_text(encoding="utf-8")
            await until_status(ed, "T01", "rolled_back")
            assert (await ed.lenses())[2] == ["▶ Run task", "⟲ rolled back"]
            # undo brings it all back
            undone = await ed.execute(CMD_ROLLBACK_UNDO)
            assert undone["ok"], undone
            assert (root / "calc.py").read_text(encoding="utf-8") == GOOD
            await until_status(ed, "T01", "committed")
            await eventually(lambda: "- [x] T01" in ed.text, "the buffer to be ticked again")
    # a new daemon shows the persisted status, and can roll the task back again
    async with session(root, "http://127.0.0.1:9", tmp_path / "state") as ed:
        lenses = await eventually_lenses(ed, 2, "✓ passed")
        assert lenses[2][1] == "⟲ Roll back"
        rolled = await ed.execute(CMD_ROLLBACK_TASK, {"uri": ed.uri, "taskId": "T01"})
        assert rolled["ok"], rolled
    # ... and a third one undoes that rollback: the status comes back from the store
    async with session(root, "http://127.0.0.1:9", tmp_path / "state") as ed:
        await eventually_lenses(ed, 2, "▶ Run task", "⟲ rolled back")
        undone = await ed.execute(CMD_ROLLBACK_UNDO)
        assert undone["ok"], undone
        await until_status(ed, "T01", "committed")
        await eventually_lenses(ed, 2, "✓ passed", "⟲ Roll back")
        await eventually(lambda: "- [x] T01" in ed.text, "the buffer to be ticked again")


def progress_begun(ed: Editor, earlier: set[object]) -> Callable[[], object]:
    """A check for a progress token, not in `earlier`, whose begin the client has seen."""

    def begun() -> object:
        reports = ed.client.progress_reports
        return next((t for t, r in reports.items() if t not in earlier and r), None)

    return begun


async def eventually_lenses(
    ed: Editor, line: int, prefix: str, then: str = ""
) -> dict[int, list[str]]:
    """Lenses once the first on `line` starts with `prefix` (and the second with `then`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        lenses = await ed.lenses()
        found = lenses.get(line) or []
        if found[:1] and found[0].startswith(prefix) and "".join(found[1:2]).startswith(then):
            return lenses
        if loop.time() > deadline:
            raise AssertionError(
                f"line {line} lenses: {lenses.get(line)}; wanted {prefix!r}, {then!r}"
            )
        await asyncio.sleep(0.05)


async def test_a_failed_check_shows_problems_until_the_retry_passes(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    project(root)
    fix = tool_use(
        EDITOR,
        {"command": "str_replace", "path": "calc.py", "old_str": "a - b", "new_str": "a + b"},
    )
    fake = script(create("calc.py", BAD), text("Done."), fix, text("Fixed."))
    with FakeServer(fake) as api:
        async with session(root, api.url, tmp_path / "state", open_doc=False) as ed:
            await ed.execute(CMD_RUN_TASK, {"uri": ed.uri, "taskId": "T01"})
            assert await until_status(ed, "T01", "committed", "failed") == "committed"
            test_uri = (root / "test_calc.py").as_uri()
            published = [d for uri, d in ed.diagnostics.history if uri == test_uri and d]
            assert published, ed.diagnostics.history
            problem = published[0][0]
            assert problem.source == "pytest" and problem.range.start.line == 4
            summaries = [d for uri, ds in ed.diagnostics.history if uri == ed.uri for d in ds]
            summary = next(d for d in summaries if d.code == "task-failed")
            assert summary.range.start.line == 2 and "T01 failed verification" in summary.message
            assert summary.related_information
            assert summary.related_information[0].location.uri == test_uri
            # attempt 2 was shown as such, and everything was cleared on the pass
            assert any(s["attempt"] == 2 and s["status"] == "running" for s in ed.states)
            assert list(ed.diagnostics[test_uri]) == []
            assert not [d for d in ed.diagnostics.get(ed.uri, []) if d.code == "task-failed"]
            # closed document: ticked on disk, no applyEdit
            assert not ed.seen["edits"]
            assert "- [x] T01" in (root / "ROADMAP.md").read_text(encoding="utf-8")
            assert "Roadmap-Attempts: 2" in git(root, "log", "-1", "--format=%B")


async def test_cancel_by_command_and_by_progress_and_refuse_a_second_run(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    project(root)
    slow = {**text("thinking..."), "delay_ms": 20_000}
    with FakeServer(script(slow, slow)) as api:
        async with session(root, api.url, tmp_path / "state") as ed:
            ref = {"uri": ed.uri, "taskId": "T01"}
            assert (await ed.execute(CMD_RUN_TASK, ref))["ok"]
            await until_status(ed, "T01", "running")
            # "starting" while the checkpoint is taken, then the attempt's live phase
            lenses = await eventually_lenses(ed, 2, "■ Cancel", then="attempt 1 · ")
            assert lenses[2][0] == "■ Cancel"
            await eventually(progress_begun(ed, set()), "the first progress to begin")
            second = await ed.execute(CMD_RUN_TASK, ref)
            assert not second["ok"] and "T01 is already running" in second["message"]
            cancelled = await ed.execute(CMD_CANCEL_TASK, ref)
            assert cancelled["ok"]
            await until_status(ed, "T01", "cancelled")
            lenses = await eventually_lenses(ed, 2, "↻ Retry")
            assert lenses[2][1].startswith("✗ cancelled")
            # now cancel from the editor's progress UI
            earlier = set(ed.client.progress_reports)
            assert (await ed.execute(CMD_RETRY_TASK, ref))["ok"]
            await until_status(ed, "T01", "running")
            token = await eventually(progress_begun(ed, earlier), "a second progress to begin")
            ed.client.window_work_done_progress_cancel(
                types.WorkDoneProgressCancelParams(token=token)
            )
            await until_status(ed, "T01", "cancelled")
            assert ed.status("T02") is None  # never touched


async def test_without_bubblewrap_the_editor_refuses_and_off_warns_every_run(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    project(root)
    config = (root / "roadmapd.toml").read_text(encoding="utf-8")
    (root / "roadmapd.toml").write_text(config.replace('sandbox = "off"\n', ""), encoding="utf-8")
    git(root, "commit", "-qam", "sandbox on")
    bin_dir = tmp_path / "bin-without-bwrap"
    bin_dir.mkdir()
    for tool in ("git", "sh", "bash", "prlimit"):
        if found := shutil.which(tool):
            (bin_dir / tool).symlink_to(found)
    no_bwrap = {"PATH": os.pathsep.join((str(Path(sys.executable).parent), str(bin_dir)))}
    with FakeServer(script(text("unused"))) as api:
        async with session(root, api.url, tmp_path / "state", env=no_bwrap) as ed:
            refused = await ed.execute(CMD_RUN_TASK, {"uri": ed.uri, "taskId": "T01"})
            assert not refused["ok"]
            assert "apt-get install bubblewrap" in refused["message"]
            assert 'sandbox = "off"' in refused["message"]
            assert api.requests() == []
    (root / "roadmapd.toml").write_text(config, encoding="utf-8")  # sandbox = "off" again
    git(root, "commit", "-qam", "sandbox off")
    fake = script(create("calc.py", GOOD), text("Added calc.add."))
    with FakeServer(fake) as api:
        async with session(root, api.url, tmp_path / "state2", env=no_bwrap) as ed:
            started = await ed.execute(CMD_RUN_TASK, {"uri": ed.uri, "taskId": "T01"})
            assert started["ok"] and "unsandboxed" in started["message"]
            await eventually(
                lambda: any("unsandboxed" in m.message for m in ed.client.messages),
                "the unsandboxed warning",
            )
            await eventually(  # the lens and the status bar show the phase: it says so too
                lambda: any("unsandboxed" in (s.get("phase") or "") for s in ed.states),
                "a running phase that says unsandboxed",
            )
            await until_status(ed, "T01", "committed", "failed")
