"""Re-verify, pause and resume from the editor, end to end over stdio: the real engine, a real
temp git repo, the fake Messages API and real pytest checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use
from roadmapd_protocol import (
    CMD_PAUSE,
    CMD_RESUME_RUN,
    CMD_REVERIFY_DONE,
    CMD_RUN_ALL,
    CMD_RUN_TASK,
)

from .conftest import eventually
from .engine_session import BAD, GOOD, Editor, git, project, session
from .test_runs import eventually_lenses, until_status

pytestmark = pytest.mark.timeout(120)
EDITOR = "str_replace_based_edit_tool"
T01_LINE = 2  # "- [ ] T01 Add calc.add" in engine_session.ROADMAP
T02_LINE = 4  # "- [ ] T02 Document calc"


def create(path: str, body: str) -> dict[str, object]:
    return tool_use(EDITOR, {"command": "create", "path": path, "file_text": body})


def commit(root: Path, name: str, body: str, message: str) -> None:
    (root / name).write_text(body, encoding="utf-8")
    git(root, "add", name)
    git(root, "commit", "-q", "-m", message)


def task_line_diagnostics(ed: Editor) -> list[str]:
    return [d.message for d in ed.diagnostics.get(ed.uri, []) if d.range.start.line == T01_LINE]


async def test_a_broken_done_task_shows_regressed_and_a_fix_clears_it(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    project(root)
    with FakeServer(script(create("calc.py", GOOD), text("Added calc.add."))) as api:
        async with session(root, api.url, tmp_path / "state") as ed:
            ref = {"uri": ed.uri, "taskId": "T01"}
            assert (await ed.execute(CMD_RUN_TASK, ref))["ok"]
            assert await until_status(ed, "T01", "committed", "failed") == "committed"

            fine = await ed.execute(CMD_REVERIFY_DONE, {"uri": ed.uri})
            assert fine["ok"] and "still passing: T01" in fine["message"], fine
            assert ed.status("T01") == "committed"

            commit(root, "calc.py", BAD, "break add")
            broken = await ed.execute(CMD_REVERIFY_DONE, {"uri": ed.uri})
            assert not broken["ok"] and "regressed: T01" in broken["message"], broken
            await until_status(ed, "T01", "regressed")
            assert "test_add" in ed.reason("T01")
            lenses = await eventually_lenses(ed, T01_LINE, "⚠ regressed")
            assert lenses[T01_LINE] == ["⚠ regressed", "↻ Retry"]
            await eventually(lambda: task_line_diagnostics(ed), "a diagnostic on T01's line")
    # a new daemon shows the regression it remembers, and a passing re-verify clears it
    async with session(root, "http://127.0.0.1:9", tmp_path / "state") as ed:
        lenses = await eventually_lenses(ed, T01_LINE, "⚠ regressed")
        assert lenses[T01_LINE] == ["⚠ regressed", "↻ Retry"]
        await eventually(lambda: task_line_diagnostics(ed), "the diagnostic shown again")
        whole = types.Range(types.Position(0, 0), types.Position(10, 0))
        doc = types.TextDocumentIdentifier(uri=ed.uri)
        hints = await ed.client.text_document_inlay_hint_async(types.InlayHintParams(doc, whole))
        assert [(h.position.line, h.label) for h in hints or []] == [(T01_LINE, "⚠ regressed")]
        commit(root, "calc.py", GOOD, "fix add")
        fixed = await ed.execute(CMD_REVERIFY_DONE)  # no argument: every roadmap
        assert fixed["ok"], fixed
        await until_status(ed, "T01", "committed")
        await eventually(lambda: not task_line_diagnostics(ed), "T01's diagnostic cleared")
        await eventually_lenses(ed, T01_LINE, "✓ passed")


async def test_verify_done_on_run_re_verifies_the_done_tasks_after_an_editor_run(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    project(root)
    config = root / "roadmapd.toml"
    config.write_text('verify_done = "on-run"\n' + config.read_text(encoding="utf-8"))
    git(root, "commit", "-q", "-am", "verify done tasks after each run")
    with FakeServer(script(create("calc.py", GOOD), text("Added calc.add."))) as api:
        async with session(root, api.url, tmp_path / "state") as ed:
            assert (await ed.execute(CMD_RUN_TASK, {"uri": ed.uri, "taskId": "T01"}))["ok"]
            assert await until_status(ed, "T01", "committed", "failed") == "committed"
            said = "checks passed: re-verified at HEAD: 1 evidence test passed"
            await eventually(
                lambda: any(t["text"] == said for t in ed.transcript), "the re-verify after the run"
            )
            assert ed.status("T01") == "committed"


async def test_bad_arguments_to_the_new_commands_are_invalid_params(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    project(root)
    async with session(root, "http://127.0.0.1:9", tmp_path / "state") as ed:
        for command, args, said in (
            (CMD_REVERIFY_DONE, [{"uri": "file:///nowhere/ROADMAP.md"}], "not a roadmap"),
            (CMD_REVERIFY_DONE, [{"url": ed.uri}], "missing field 'uri'"),
            (CMD_PAUSE, [{"now": True}], "takes no arguments"),
            (CMD_RESUME_RUN, [1, 2], "takes no arguments"),
        ):
            with pytest.raises(Exception, match=said):
                await ed.execute(command, *args)
        nothing = await ed.execute(CMD_PAUSE)
        assert not nothing["ok"] and "no run under way" in nothing["message"]
        none = await ed.execute(CMD_RESUME_RUN)
        assert not none["ok"] and "no paused run" in none["message"]


async def test_pause_lets_the_task_under_way_finish_and_resume_runs_the_rest(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    project(root)
    held = {**create("calc.py", GOOD), "delay_ms": 4000}
    entries = [
        held,
        text("Added calc.add."),
        create("docs.md", "calc.add adds two numbers\n"),
        text("Documented."),
    ]
    with FakeServer(script(*entries)) as api:
        async with session(root, api.url, tmp_path / "state") as ed:
            started = await ed.execute(CMD_RUN_ALL, {"uri": ed.uri})
            assert started["ok"] and started["taskIds"] == ["T01", "T02"], started
            await eventually(lambda: api.requests(), "T01's first model request")
            paused = await ed.execute(CMD_PAUSE)
            assert paused["ok"] and paused["taskIds"] == ["T01"], paused
            assert await until_status(ed, "T01", "committed", "failed") == "committed"
            await until_status(ed, "T02", "pending")
            assert "paused" in ed.reason("T02")
            lenses = await eventually_lenses(ed, T02_LINE, "▶ Resume run")
            assert lenses[T02_LINE] == ["▶ Resume run", "▶ Run task"]
            assert len(api.requests()) == 2  # T02 never asked the model

            resumed = await ed.execute(CMD_RESUME_RUN)
            assert resumed["ok"] and resumed["taskIds"] == ["T02"], resumed
            assert await until_status(ed, "T02", "committed", "failed") == "committed"
            assert git(root, "log", "--format=%s").split("\n")[:2] == [
                "Document calc",
                "Add calc.add",
            ]
            again = await ed.execute(CMD_RESUME_RUN)
            assert not again["ok"] and "no paused run" in again["message"]
