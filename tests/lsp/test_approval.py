"""The review gate and risky-command questions in the editor, end to end over stdio: the real
engine, a real temp git repo, the fake Messages API server and real pytest checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use
from roadmapd_protocol import (
    CMD_APPROVE_TASK,
    CMD_CANCEL_TASK,
    CMD_DIFF_TASK,
    CMD_REJECT_TASK,
    CMD_RUN_TASK,
)

from . import engine_session
from .conftest import eventually
from .engine_session import GOOD, Editor, git, project, session

pytestmark = pytest.mark.timeout(90)
EDITOR = "str_replace_based_edit_tool"
RISKY = "curl -sS --max-time 5 http://127.0.0.1:9/"


def gated_project(root: Path) -> None:
    """The calc project with the review gate on, committed."""
    project(root)
    config = root / "roadmapd.toml"
    config.write_text('approval = "before-commit"\n' + config.read_text("utf-8"), "utf-8")
    git(root, "commit", "-qam", "review gate")


def create_calc() -> dict[str, Any]:
    return tool_use(EDITOR, {"command": "create", "path": "calc.py", "file_text": GOOD})


async def until_status(ed: Editor, task_id: str, *statuses: str) -> str:
    return str(
        await eventually(
            lambda: ed.status(task_id) in statuses and ed.status(task_id),
            f"{task_id} to become {' or '.join(statuses)} (now {ed.status(task_id)})",
            timeout=45,
        )
    )


async def waiting_for_approval(ed: Editor, ref: dict[str, str]) -> None:
    started = await ed.execute(CMD_RUN_TASK, ref)
    assert started["ok"], started
    got = await until_status(ed, "T01", "awaiting_approval", "failed", "committed")
    assert got == "awaiting_approval"
    lenses = await ed.lenses()
    assert lenses[2] == ["✓ Approve & commit", "Show diff", "✗ Reject"]
    # the transcript line travels separately from the state notification: wait for it
    await eventually(
        lambda: any(
            "T01 waits for your approval" in t["text"]
            for t in ed.transcript
            if t["kind"] == "status"
        ),
        "the transcript line saying the task waits for approval",
    )


async def test_approve_commits_with_trailers_and_ticks_the_box(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    gated_project(root)
    with FakeServer(script(create_calc(), text("Added calc.add."))) as api:
        async with session(root, api.url, tmp_path / "state") as ed:
            ref = {"uri": ed.uri, "taskId": "T01"}
            await waiting_for_approval(ed, ref)
            # nothing is committed or ticked while it waits; the diff is there to look at
            assert git(root, "rev-list", "--count", "HEAD").strip() == "2"
            assert "- [ ] T01" in (root / "ROADMAP.md").read_text(encoding="utf-8")
            diff = await ed.execute(CMD_DIFF_TASK, ref)
            assert diff["ok"] and "calc.py" in diff["diff"] and "+    return a + b" in diff["diff"]
            assert diff["checkpointRef"].startswith("refs/roadmapd/")
            hover = await ed.client.text_document_hover_async(
                types.HoverParams(
                    types.TextDocumentIdentifier(ed.uri), types.Position(line=2, character=4)
                )
            )
            assert hover is not None and isinstance(hover.contents, types.MarkupContent)
            assert "awaiting approval" in hover.contents.value
            assert CMD_APPROVE_TASK in hover.contents.value
            approved = await ed.execute(CMD_APPROVE_TASK, ref)
            assert approved["ok"], approved
            assert await until_status(ed, "T01", "committed", "failed") == "committed"
            message = git(root, "log", "-1", "--format=%B")
            assert "Roadmap-Task: T01" in message and "Roadmap-Attempts: 1" in message
            shown = git(root, "show", "--name-only", "--format=", "HEAD").split()
            assert sorted(shown) == ["ROADMAP.md", "calc.py"]
            assert "- [x] T01" in (root / "ROADMAP.md").read_text(encoding="utf-8")
            await eventually(lambda: "- [x] T01" in ed.text, "the buffer to be ticked")
            again = await ed.execute(CMD_APPROVE_TASK, ref)
            assert not again["ok"] and "not awaiting approval" in again["message"]


async def test_reject_restores_the_files_and_commits_nothing(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    gated_project(root)
    (root / "notes.txt").write_text("my own untracked notes\n", encoding="utf-8")
    with FakeServer(script(create_calc(), text("Added calc.add."))) as api:
        async with session(root, api.url, tmp_path / "state") as ed:
            ref = {"uri": ed.uri, "taskId": "T01"}
            await waiting_for_approval(ed, ref)
            assert (root / "calc.py").exists()
            rejected = await ed.execute(CMD_REJECT_TASK, ref)
            assert rejected["ok"], rejected
            assert await until_status(ed, "T01", "rolled_back", "failed") == "rolled_back"
            assert not (root / "calc.py").exists()
            assert (root / "notes.txt").read_text(encoding="utf-8") == "my own untracked notes\n"
            assert git(root, "rev-list", "--count", "HEAD").strip() == "2"
            assert git(root, "status", "--porcelain").strip() == "?? notes.txt"
            assert "- [ ] T01" in ed.text
            reason = next(s["reason"] for s in reversed(ed.states) if s["taskId"] == "T01")
            assert "rejected" in reason and "undone" in reason
            assert (await ed.lenses())[2] == ["▶ Run task", "⟲ rolled back"]
            diff = await ed.execute(CMD_DIFF_TASK, ref)
            assert not diff["ok"] and "not awaiting approval" in diff["message"]


def bash(command: str) -> dict[str, Any]:
    return tool_use("bash", {"command": command})


async def test_a_risky_command_is_asked_about_deny_then_allow_once(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    project(root)
    other = RISKY.replace("5", "4")  # four identical calls in a row trip the loop guard
    steps = [bash(RISKY), bash(RISKY), bash(other), bash(other)]
    fake = script(*steps, create_calc(), text("Added calc.add."))
    answers = ["Deny", "Allow once", "Allow for this task"]  # the 4th is not asked
    asked: list[types.ShowMessageRequestParams] = []
    with FakeServer(fake) as api:
        async with session(root, api.url, tmp_path / "state") as ed:

            @ed.client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
            def ask(params: types.ShowMessageRequestParams) -> types.MessageActionItem:
                asked.append(params)
                return types.MessageActionItem(title=answers.pop(0))

            started = await ed.execute(CMD_RUN_TASK, {"uri": ed.uri, "taskId": "T01"})
            assert started["ok"], started
            assert await until_status(ed, "T01", "committed", "failed") == "committed"
            assert len(asked) == 3 and other in asked[2].message
            assert RISKY in asked[0].message and "T01" in asked[0].message
            assert [a.title for a in asked[0].actions or []] == [
                "Allow once",
                "Allow for this task",
                "Deny",
            ]
            results = [t["text"] for t in ed.transcript if t["kind"] == "tool_result"]
            bash_results = [r for r in results if r.startswith("bash")]
            assert len(bash_results) == 4, results
            assert "not executed: the user did not allow this command" in bash_results[0]
            for ran in bash_results[1:]:  # curl ran: nothing listens on port 9
                assert "not executed" not in ran and "[exit code 7]" in ran
            errors = [t["text"] for t in ed.transcript if t["kind"] == "error"]
            assert any("not allowed" in e and "Deny" in e for e in errors), errors


async def test_without_show_message_request_risky_commands_are_denied_and_cancel_ends_the_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    gated_project(root)

    def no_questions(name: str) -> types.ClientCapabilities:
        caps = client_capabilities(name)
        assert caps.window is not None
        caps.window.show_message = None  # a client that cannot answer questions
        return caps

    monkeypatch.setattr(engine_session, "client_capabilities", no_questions)
    fake = script(bash(RISKY), create_calc(), text("Added calc.add."))
    with FakeServer(fake) as api:
        async with session(root, api.url, tmp_path / "state") as ed:
            ref = {"uri": ed.uri, "taskId": "T01"}
            await waiting_for_approval(ed, ref)
            results = [t["text"] for t in ed.transcript if t["kind"] == "tool_result"]
            assert "not executed: the user did not allow this command" in results[0]
            errors = [t["text"] for t in ed.transcript if t["kind"] == "error"]
            assert any("cannot ask" in e and RISKY in e for e in errors), errors
            # cancelling a task that waits for approval ends the wait: cancelled, not committed
            cancelled = await ed.execute(CMD_CANCEL_TASK, ref)
            assert cancelled["ok"], cancelled
            assert await until_status(ed, "T01", "cancelled", "committed") == "cancelled"
            assert git(root, "rev-list", "--count", "HEAD").strip() == "2"
            assert (await ed.lenses())[2][0] == "↻ Retry"
