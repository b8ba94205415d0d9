"""The code action "Convert to a task list" and `roadmapd.normalizeRoadmap` over stdio against
the fake Messages API: offered on a roadmap with few tasks, the model's task list applied as one
whole-document workspace/applyEdit at the version the model saw (undoable in the editor), an
unusable answer asked again once, then refused with a clear error and no edit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

from roadmapd.roadmap import parse
from roadmapd.testing import FakeServer
from roadmapd.testing.script import error, script, text

from .conftest import make_repo, register_client_handlers, server_config

pytestmark = pytest.mark.asyncio(loop_scope="module")
KEY = "sk-test-normalize-0123456789"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "freeform"
ORIGINAL = (FIXTURES / "table.md").read_text(encoding="utf-8")
TASKS = (FIXTURES / "table.tasks.md").read_text(encoding="utf-8")
CYCLE = TASKS.replace("  - Depends: T001, T002, T003", "  - Depends: T004")
ANSWERS = script(
    # test_convert_offered_applied_then_no_longer_offered: a self-dependency, then the list
    text(f"<roadmap>\n{CYCLE}</roadmap>"),
    text(f"<roadmap>\n{TASKS}</roadmap>"),
    # test_unusable_answers_faults_and_refusals: twice without ids, then an API error, then
    # an answer the editor refuses
    text("<roadmap>\n# Plan\n\n- [ ] Parse numbers\n\n## Release\n</roadmap>"),
    text("<roadmap>\n# Plan\n\n- [ ] Parse numbers\n\n## Release\n</roadmap>"),
    error(400, "invalid_request_error", f"the key {KEY} is not valid here"),
    text(f"<roadmap>\n{TASKS}</roadmap>"),
)


@pytest.fixture(scope="module")
def api() -> Iterator[FakeServer]:
    with FakeServer(ANSWERS) as server:
        yield server


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("normalize")
    make_repo(root, ORIGINAL)
    return root


@pytest_lsp.fixture(scope="module", config=server_config(ANTHROPIC_API_KEY=KEY))
async def client(lsp_client: LanguageClient, repo: Path, api: FakeServer) -> Any:
    lsp_client.seen = register_client_handlers(lsp_client)  # type: ignore[attr-defined]
    options = {"roadmapd": {"baseUrl": api.url, "model": "claude-test-model"}}
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=repo.as_uri(),
        initialization_options=options,
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def titles(
    client: LanguageClient, uri: str, line: int, only: list[str] | None = None
) -> dict[str, Any]:
    kinds = [types.CodeActionKind(k) for k in only] if only else None
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(line, 0), types.Position(line, 0)),
            context=types.CodeActionContext(diagnostics=[], only=kinds),
        )
    )
    return {a.title: a for a in actions or []}


async def convert(client: LanguageClient, uri: str) -> Any:
    params = types.ExecuteCommandParams(
        command="roadmapd.normalizeRoadmap", arguments=[{"uri": uri}]
    )
    return await client.workspace_execute_command_async(params)


def change(client: LanguageClient, uri: str, version: int, new_text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=new_text)],
        )
    )


async def test_convert_offered_applied_then_no_longer_offered(
    client: LanguageClient, repo: Path, api: FakeServer
) -> None:
    uri = (repo / "ROADMAP.md").as_uri()
    item = types.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=ORIGINAL)
    client.text_document_did_open(types.DidOpenTextDocumentParams(item))
    offered = await titles(client, uri, 4, ["refactor.rewrite"])
    action = offered["Convert to a task list"]
    assert "Convert to a task list" not in await titles(client, uri, 4, ["quickfix"])
    # a CodeAction with a `command` arrives as a Command here (see test_breakdown.py)
    assert "'command': 'roadmapd.normalizeRoadmap'" in str(action.command)
    assert f"'uri': '{uri}'" in str(action.command)

    result = await convert(client, uri)
    assert result["ok"] and result["taskIds"] == ["T001", "T002", "T003", "T004"]
    assert result["message"].startswith("4 tasks, 1 done (undo restores the original; ~$")
    (applied,) = client.seen["edits"]  # type: ignore[attr-defined]
    assert applied.label == "roadmapd: convert to a task list"
    (doc_edit,) = applied.edit.document_changes
    assert doc_edit.text_document.uri == uri and doc_edit.text_document.version == 1
    (edit,) = doc_edit.edits
    last = len(ORIGINAL.split("\n")) - 1  # the text ends with a newline: an empty last line
    assert edit.range == types.Range(types.Position(0, 0), types.Position(last, 0))
    assert edit.new_text == TASKS
    assert parse(edit.new_text).problems == ()
    (reports,) = client.progress_reports.values()  # shown while the model worked
    assert [r.kind for r in reports] == ["begin", "end"]
    assert reports[0].title == "roadmapd: converting ROADMAP.md to a task list"

    first, second = (r["body"] for r in api.requests())
    assert "tools" not in first and first["model"] == "claude-test-model"
    assert f"<original>\n{ORIGINAL}\n</original>" in first["messages"][0]["content"]
    assert "dependency-cycle" in second["messages"][0]["content"]

    change(client, uri, 2, edit.new_text)  # the user keeps it: a task list now
    assert "Convert to a task list" not in await titles(client, uri, 4)
    change(client, uri, 3, ORIGINAL)  # and undoes it
    assert "Convert to a task list" in await titles(client, uri, 4)


async def test_unusable_answers_faults_and_refusals(
    client: LanguageClient, repo: Path, api: FakeServer
) -> None:
    uri = (repo / "ROADMAP.md").as_uri()
    seen = client.seen  # type: ignore[attr-defined]
    edits = len(seen["edits"])
    with pytest.raises(JsonRpcException, match="still unusable after 2 answers") as failed:
        await convert(client, uri)
    assert "has no id" in str(failed.value)
    with pytest.raises(JsonRpcException, match="the model request failed") as failed:
        await convert(client, uri)
    assert KEY not in str(failed.value) and "[redacted]" in str(failed.value)
    assert len(seen["edits"]) == edits  # nothing was offered

    seen["apply"] = False
    try:
        result = await convert(client, uri)
    finally:
        seen["apply"] = True
    assert not result["ok"] and "the editor did not apply the task list" in result["message"]
    assert len(seen["edits"]) == edits + 1

    with pytest.raises(JsonRpcException, match="not a roadmap document"):
        await convert(client, (repo / "README.md").as_uri())
    with pytest.raises(JsonRpcException, match="missing field 'uri'"):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="roadmapd.normalizeRoadmap", arguments=[{}])
        )
