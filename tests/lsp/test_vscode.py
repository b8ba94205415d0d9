"""Lenses, hover, symbols, diagnostics, watched files and edits against a VS Code client."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from .conftest import (
    ROADMAP,
    eventually,
    lens_command,
    make_repo,
    register_client_handlers,
    server_config,
    titles_by_line,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("vscode")
    make_repo(root)
    make_repo(root / "sub", ROADMAP, "OTHER.md")  # not a roadmap by the configured globs
    return root


@pytest_lsp.fixture(scope="module", config=server_config())
async def client(lsp_client: LanguageClient, repo: Path) -> Any:
    lsp_client.seen = register_client_handlers(lsp_client)  # type: ignore[attr-defined]
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=repo.as_uri(),
        initialization_options={"roadmapd": {"roadmaps": ["ROADMAP.md", "docs/*.md"]}},
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def uri(repo: Path, name: str = "ROADMAP.md") -> str:
    return (repo / name).as_uri()


async def lenses(client: LanguageClient, doc: str) -> list[types.CodeLens]:
    params = types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=doc))
    return await client.text_document_code_lens_async(params) or []


async def test_lenses_of_a_closed_roadmap(client: LanguageClient, repo: Path) -> None:
    found = titles_by_line(await lenses(client, uri(repo)))
    assert found[0] == ["▶ Run all pending (3)"]
    assert found[2] == ["▶ Run section (2 pending)"]
    assert found[3] == ["▶ Run task"]
    assert found[6] == ["✓ done"]
    assert found[7] == ["⏸ waits for T001"]
    assert found[10] == ["▶ Run section (1 pending)"]
    assert found[11] == ["⏸ waits for T003"]


async def test_lens_commands_carry_protocol_arguments(client: LanguageClient, repo: Path) -> None:
    found = await lenses(client, uri(repo))
    run = lens_command(found, "▶ Run task")
    assert run.command == "roadmapd.runTask"
    assert list(run.arguments or []) == [{"uri": uri(repo), "taskId": "T001"}]
    section = lens_command(found, "▶ Run section (1 pending)")
    assert list(section.arguments or []) == [{"uri": uri(repo), "headings": ["Plan", "Phase 2"]}]
    assert list(lens_command(found, "▶ Run all pending (3)").arguments or []) == [
        {"uri": uri(repo)}
    ]


async def test_no_lenses_outside_the_roadmap_globs(client: LanguageClient, repo: Path) -> None:
    assert await lenses(client, uri(repo, "sub/OTHER.md")) == []


async def test_hover_and_symbols(client: LanguageClient, repo: Path) -> None:
    doc = types.TextDocumentIdentifier(uri=uri(repo))
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc, position=types.Position(3, 8))
    )
    assert hover is not None
    text = hover.contents.value  # type: ignore[union-attr]
    assert "**T001**" in text and "`a.py`" in text and "`pytest -q`" in text
    nothing = await client.text_document_hover_async(
        types.HoverParams(text_document=doc, position=types.Position(1, 0))
    )
    assert nothing is None
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc)
    )
    assert symbols is not None
    (plan,) = symbols
    assert isinstance(plan, types.DocumentSymbol) and plan.name == "Plan"
    phases = plan.children or []
    assert [p.name for p in phases] == ["Phase 1", "Phase 2"]
    assert [t.detail for t in phases[0].children or []] == ["T001", "T002", "T003"]
    assert phases[0].range.end.line >= 7


async def test_edit_refreshes_lenses_and_diagnostics(client: LanguageClient, repo: Path) -> None:
    doc = uri(repo)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=doc, language_id="markdown", version=1, text=ROADMAP)
        )
    )
    assert titles_by_line(await lenses(client, doc))[3] == ["▶ Run task"]
    bad = ROADMAP.replace("depends: T003", "depends: T999")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=doc, version=2),
            [types.TextDocumentContentChangeWholeDocument(text=bad)],
        )
    )
    diags = await eventually(lambda: client.diagnostics.get(doc), "a roadmap diagnostic")
    assert diags[0].source == "roadmap" and "T999" in diags[0].message
    assert diags[0].range.start.line == 12
    assert titles_by_line(await lenses(client, doc))[11] == ["⏸ waits for T999"]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=doc, version=3),
            [types.TextDocumentContentChangeWholeDocument(text=ROADMAP)],
        )
    )
    await eventually(lambda: client.diagnostics.get(doc) == (), "the diagnostic to clear")
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=doc))
    )


async def test_watched_file_change_refreshes_a_closed_roadmap(
    client: LanguageClient, repo: Path
) -> None:
    seen = client.seen  # type: ignore[attr-defined]
    regs = [
        r for r in seen["registrations"] if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    ]
    assert regs, "the server should register a file watcher with VS Code"
    (docs := repo / "docs").mkdir(exist_ok=True)
    (docs / "plan.md").write_text("# P\n- [ ] X1 one\n  - depends: NOPE\n", encoding="utf-8")
    before = seen["refresh"]
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent(uri=uri(repo, "docs/plan.md"), type=types.FileChangeType.Created)]
        )
    )
    doc = uri(repo, "docs/plan.md")
    diags = await eventually(lambda: client.diagnostics.get(doc), "diagnostics of a new file")
    assert "NOPE" in diags[0].message
    await eventually(lambda: seen["refresh"] > before, "a workspace/codeLens/refresh")
    assert titles_by_line(await lenses(client, doc))[1] == ["⏸ waits for NOPE"]


async def test_task_state_changes_lenses_and_notifies(client: LanguageClient, repo: Path) -> None:
    doc = uri(repo)
    base = {"uri": doc, "taskId": "T001", "title": "Build the parser"}
    notified = asyncio.ensure_future(client.wait_for_notification("roadmapd/taskState"))
    running = {**base, "status": "running", "attempt": 2, "phase": "verifying"}
    await client.protocol.send_request_async("roadmapd/debug/setState", {"state": running})
    note = await asyncio.wait_for(notified, 10)
    assert note.taskId == "T001" and note.status == "running"  # type: ignore[attr-defined]
    assert titles_by_line(await lenses(client, doc))[3] == ["■ Cancel", "attempt 2 · verifying"]
    failed = {**base, "status": "failed", "problems": 3}
    await client.protocol.send_request_async("roadmapd/debug/setState", {"state": failed})
    assert titles_by_line(await lenses(client, doc))[3] == ["↻ Retry", "3 problems"]
    passed = {**base, "status": "committed", "turns": 4, "costUsd": 0.031}
    await client.protocol.send_request_async("roadmapd/debug/setState", {"state": passed})
    found = titles_by_line(await lenses(client, doc))
    assert found[3] == ["✓ passed · 4 turns · $0.03", "⟲ Roll back"]
    assert found[7] == ["▶ Run task"]  # T001 passed and T002 ticked: T003 is runnable now
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=doc),
            position=types.Position(line=3, character=0),
        )
    )
    assert hover is not None and "$0.0310" in hover.contents.value  # type: ignore[union-attr]


async def test_check_problems_and_summary(client: LanguageClient, repo: Path) -> None:
    doc, file_uri = uri(repo), uri(repo, "a.py")
    problems = [{"message": "assert 1 == 2", "line": 4, "source": "pytest", "file": "a.py"}]
    params = {"uri": doc, "taskId": "T003", "problems": problems}
    await client.protocol.send_request_async("roadmapd/debug/checkProblems", params)
    on_file = await eventually(lambda: client.diagnostics.get(file_uri), "file problems")
    assert on_file[0].source == "pytest" and on_file[0].range.start.line == 4
    summary = [d for d in client.diagnostics.get(doc, []) if d.code == "task-failed"]
    assert len(summary) == 1 and summary[0].range.start.line == 7
    related = summary[0].related_information or []
    assert related[0].location.uri == file_uri
    await client.protocol.send_request_async(
        "roadmapd/debug/checkProblems", {**params, "problems": []}
    )
    await eventually(lambda: client.diagnostics.get(file_uri) == (), "file problems cleared")
    assert not [d for d in client.diagnostics.get(doc, []) if d.code == "task-failed"]


async def test_tick_open_document_via_apply_edit(client: LanguageClient, repo: Path) -> None:
    doc = uri(repo)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=doc, language_id="markdown", version=7, text=ROADMAP)
        )
    )
    seen = client.seen  # type: ignore[attr-defined]
    args = {"uri": doc, "taskId": "T001", "checked": True}
    answer = await client.protocol.send_request_async("roadmapd/debug/setChecked", args)
    assert answer.applied is True and answer.where == "buffer"
    edit = seen["edits"][-1].edit.document_changes[0]
    assert edit.text_document.version == 7
    assert edit.edits[0].new_text == "x" and edit.edits[0].range.start == types.Position(
        line=3, character=3
    )
    assert (repo / "ROADMAP.md").read_text(encoding="utf-8") == ROADMAP  # disk untouched
    seen["apply"] = False
    refused = await client.protocol.send_request_async("roadmapd/debug/setChecked", args)
    assert refused.applied is False and "did not apply" in refused.message
    seen["apply"] = True
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=doc))
    )


async def test_tick_closed_document_on_disk(client: LanguageClient, repo: Path) -> None:
    path = repo / "ROADMAP.md"
    original = path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(original)
    args = {"uri": uri(repo), "taskId": "T003", "checked": True}
    answer = await client.protocol.send_request_async("roadmapd/debug/setChecked", args)
    assert answer.applied is True and answer.where == "disk"
    after = path.read_bytes()
    assert after == original.replace(b"- [ ] T003", b"- [x] T003")
    assert not list(repo.glob(".tmp-*"))
    path.write_text(ROADMAP, encoding="utf-8")


TICKS = (
    "# Plan \U0001f680\r\n"
    "- [ ] T001 caf\u00e9 \U0001f600\r\n"
    "  - [x] T002 nested\r\n"
    "> - [ ] T003 quoted\r\n"
    "1. [ ] T004 ordered\n"
)


def apply_lsp_edit(text: str, edit: types.TextEdit) -> str:
    """`text` with one single-line edit applied (columns counted in UTF-16 code units)."""
    lines = text.splitlines(keepends=True)
    start, end = edit.range.start, edit.range.end
    assert start.line == end.line
    line = lines[start.line].encode("utf-16-le")
    lines[start.line] = (
        line[: 2 * start.character].decode("utf-16-le")
        + edit.new_text
        + line[2 * end.character :].decode("utf-16-le")
    )
    return "".join(lines)


@pytest.mark.parametrize(("task_id", "checked"), [("T001", True), ("T002", False), ("T003", True)])
async def test_the_buffer_tick_and_the_disk_tick_give_the_same_text(
    client: LanguageClient, repo: Path, task_id: str, checked: bool
) -> None:
    path = repo / "TICKS.md"
    path.write_bytes(TICKS.encode("utf-8"))
    doc = path.as_uri()
    args = {"uri": doc, "taskId": task_id, "checked": checked}
    on_disk = await client.protocol.send_request_async("roadmapd/debug/setChecked", args)
    assert on_disk.applied is True and on_disk.where == "disk"
    ticked_on_disk = path.read_bytes().decode("utf-8")
    assert ticked_on_disk != TICKS and len(ticked_on_disk) == len(TICKS)

    path.write_bytes(TICKS.encode("utf-8"))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=doc, language_id="markdown", version=1, text=TICKS)
        )
    )
    seen = client.seen  # type: ignore[attr-defined]
    in_buffer = await client.protocol.send_request_async("roadmapd/debug/setChecked", args)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=doc))
    )
    path.unlink()
    assert in_buffer.applied is True and in_buffer.where == "buffer"
    [change] = seen["edits"][-1].edit.document_changes
    [edit] = change.edits
    assert apply_lsp_edit(TICKS, edit) == ticked_on_disk


async def test_a_file_that_stops_being_a_roadmap_loses_lenses_and_problems(
    client: LanguageClient, repo: Path
) -> None:
    seen = client.seen  # type: ignore[attr-defined]
    (docs := repo / "docs").mkdir(exist_ok=True)
    (docs / "plan.md").write_text("# P\n- [ ] X1 one\n  - depends: NOPE\n", encoding="utf-8")
    doc = uri(repo, "docs/plan.md")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams([types.FileEvent(doc, types.FileChangeType.Changed)])
    )
    await eventually(lambda: client.diagnostics.get(doc), "the problems of docs/plan.md")
    before = seen["refresh"]
    client.set_configuration({"roadmaps": ["ROADMAP.md"]}, section="roadmapd")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    await eventually(lambda: not client.diagnostics[doc], "its problems to be cleared")
    await eventually(lambda: seen["refresh"] > before, "a workspace/codeLens/refresh")
    assert titles_by_line(await lenses(client, doc)) == {}
    client.set_configuration({}, section="roadmapd")  # back to the initializationOptions
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    await eventually(lambda: client.diagnostics.get(doc), "its problems to come back")
    assert titles_by_line(await lenses(client, doc))[1] == ["⏸ waits for NOPE"]
