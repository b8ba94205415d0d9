"""Commands over stdio: argument validation, the no-engine-port error, dispatch, progress."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

from roadmapd_protocol import (
    CMD_CANCEL_TASK,
    CMD_RETRY_TASK,
    CMD_ROLLBACK_TASK,
    CMD_ROLLBACK_UNDO,
    CMD_RUN_ALL,
    CMD_RUN_SECTION,
    CMD_RUN_TASK,
    CMD_SHOW_LOG,
    TASK_COMMANDS,
)

from .conftest import eventually, make_repo, register_client_handlers, server_config

pytestmark = pytest.mark.asyncio(loop_scope="module")
INVALID_PARAMS = -32602
REQUEST_FAILED = -32803


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("commands")
    make_repo(root)
    return root


@pytest_lsp.fixture(scope="module", config=server_config())
async def client(lsp_client: LanguageClient, repo: Path) -> Any:
    lsp_client.seen = register_client_handlers(lsp_client)  # type: ignore[attr-defined]
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=repo.as_uri()
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def execute(client: LanguageClient, command: str, *args: Any) -> Any:
    params = types.ExecuteCommandParams(command=command, arguments=list(args))
    return await client.workspace_execute_command_async(params)


async def error_of(client: LanguageClient, command: str, *args: Any) -> JsonRpcException:
    with pytest.raises(JsonRpcException) as info:
        await execute(client, command, *args)
    return info.value


@pytest.mark.parametrize("command", TASK_COMMANDS)
async def test_task_commands_reject_bad_arguments(
    client: LanguageClient, repo: Path, command: str
) -> None:
    doc = (repo / "ROADMAP.md").as_uri()
    missing = await error_of(client, command, {"uri": doc})
    assert missing.code == INVALID_PARAMS and "missing field 'taskId'" in missing.message
    wrong = await error_of(client, command, {"uri": doc, "taskId": 7})
    assert "field 'taskId'" in wrong.message and "string" in wrong.message
    extra = await error_of(client, command, {"uri": doc, "taskId": "T001", "bogus": 1})
    assert "unexpected field 'bogus'" in extra.message
    none = await error_of(client, command)
    assert "expected one object argument {uri, taskId" in none.message
    unknown = await error_of(client, command, {"uri": doc, "taskId": "T404"})
    assert unknown.code == INVALID_PARAMS
    assert "no task 'T404'" in unknown.message and doc in unknown.message
    elsewhere = (repo / "nope.md").as_uri()
    stray = await error_of(client, command, {"uri": elsewhere, "taskId": "T001"})
    assert "not a roadmap document" in stray.message


async def test_section_and_all_reject_bad_arguments(client: LanguageClient, repo: Path) -> None:
    doc = (repo / "ROADMAP.md").as_uri()
    empty = await error_of(client, CMD_RUN_SECTION, {"uri": doc, "headings": []})
    assert "field 'headings'" in empty.message
    absent = await error_of(client, CMD_RUN_SECTION, {"uri": doc, "headings": ["Nope"]})
    assert "no section 'Nope'" in absent.message
    not_list = await error_of(client, CMD_RUN_ALL, [doc])
    assert "expected one object argument {uri}" in not_list.message and "a list" in not_list.message
    undo = await error_of(client, CMD_ROLLBACK_UNDO, {"x": 1})
    assert "takes no arguments" in undo.message


async def test_valid_commands_without_an_engine_port(client: LanguageClient, repo: Path) -> None:
    doc = (repo / "ROADMAP.md").as_uri()
    for command, arg in [
        (CMD_RUN_TASK, {"uri": doc, "taskId": "T001"}),
        (CMD_RUN_SECTION, {"uri": doc, "headings": ["Plan", "Phase 1"]}),
        (CMD_RUN_ALL, {"uri": doc}),
        (CMD_ROLLBACK_UNDO, None),
    ]:
        err = await error_of(client, command, *([arg] if arg else []))
        assert err.code == REQUEST_FAILED
        assert err.message == f"{command}: task running is not available in this build"
    with pytest.raises(JsonRpcException) as info:
        await client.protocol.send_request_async("roadmapd/checkpoints", {})
    assert "not available in this build" in info.value.message


async def test_commands_reach_the_engine_port(client: LanguageClient, repo: Path) -> None:
    doc = (repo / "ROADMAP.md").as_uri()
    await client.protocol.send_request_async("roadmapd/debug/useRecordingEnginePort", {})
    ref = {"uri": doc, "taskId": "T001"}
    ran = await execute(client, CMD_RUN_TASK, ref)
    assert ran == {"ok": True, "message": "queued 1", "taskIds": ["T001"]}
    await execute(client, CMD_RETRY_TASK, ref)
    await execute(client, CMD_CANCEL_TASK, ref)
    await execute(client, CMD_ROLLBACK_TASK, {**ref, "force": True})
    assert await execute(client, CMD_SHOW_LOG, ref) == "log of T001"
    await execute(client, CMD_RUN_SECTION, {"uri": doc, "headings": ["Plan", "Phase 1"]})
    await execute(client, CMD_RUN_ALL, {"uri": doc})
    await execute(client, CMD_ROLLBACK_UNDO)
    listed = await client.protocol.send_request_async("roadmapd/checkpoints", {"uri": doc})
    assert listed.checkpoints[0].taskId == "T1"
    calls = await client.protocol.send_request_async("roadmapd/debug/calls", {})
    assert [list(c) for c in calls] == [
        ["run", doc, ["T001"]],
        ["retry", doc, "T001"],
        ["cancel", doc, "T001"],
        ["rollback", doc, "T001", True],
        ["show_log", doc, "T001"],
        ["run", doc, ["T001", "T003"]],  # T002 is ticked
        ["run", doc, ["T001", "T003", "T004"]],
        ["undo_rollback"],
        ["checkpoints", doc],
    ]


async def test_progress_and_client_cancel(client: LanguageClient, repo: Path) -> None:
    doc = (repo / "ROADMAP.md").as_uri()
    await client.protocol.send_request_async("roadmapd/debug/useRecordingEnginePort", {})
    ref = {"uri": doc, "taskId": "T003"}
    token = await client.protocol.send_request_async(
        "roadmapd/debug/progress", {**ref, "action": "begin"}
    )
    assert isinstance(token, str)
    await client.protocol.send_request_async(
        "roadmapd/debug/progress", {**ref, "action": "report", "message": "agent turn 2"}
    )
    reports = await eventually(lambda: len(client.progress_reports.get(token, [])) >= 2, "reports")
    assert reports
    begin, report = client.progress_reports[token][:2]
    assert begin.title == "Wire it up" and begin.cancellable is True
    assert report.message == "agent turn 2"
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))

    async def cancelled() -> bool:
        calls = await client.protocol.send_request_async("roadmapd/debug/calls", {})
        return ["cancel", doc, "T003"] in [list(c) for c in calls]

    for _ in range(100):
        if await cancelled():
            break
        await asyncio.sleep(0.05)
    assert await cancelled(), "a client cancel should reach EnginePort.cancel"
    await client.protocol.send_request_async("roadmapd/debug/progress", {**ref, "action": "end"})
    await eventually(lambda: client.progress_reports[token][-1].kind == "end", "the end report")
