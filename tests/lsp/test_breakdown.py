"""`roadmapd.breakDownTask` over stdio against the fake Messages API: one request without tools,
the answer inserted as nested subtasks with workspace/applyEdit, garbage refused clearly; API
faults retried and reported as the agent's are (the same request path), the answer priced."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

from roadmapd.agent.pricing import FALLBACK, format_cost
from roadmapd.roadmap import parse
from roadmapd.testing import FakeServer
from roadmapd.testing.script import error, script, text

from .conftest import ROADMAP, make_repo, register_client_handlers, server_config

pytestmark = pytest.mark.asyncio(loop_scope="module")
KEY = "sk-test-breakdown-0123456789"
TITLES = ["Write the tokenizer", "Parse headings", "Parse tasks"]
PRICED = {"input_tokens": 1000, "output_tokens": 200, "cache_read_input_tokens": 0}
OVERLOADED = error(529, "overloaded_error", "Overloaded", retry_after=0)
ANSWERS = script(
    text('Here you go:\n```json\n["Write the tokenizer", "Parse headings", "Parse tasks"]\n```'),
    text("I think you should split it into a few parts."),
    text('["Only one"]'),
    error(400, "invalid_request_error", f"the key {KEY} is not valid here"),
    # test_faults_are_retried_and_the_answer_is_priced
    OVERLOADED,
    {**text(json.dumps(TITLES)), "usage": PRICED},
    *[OVERLOADED] * 5,
)


@pytest.fixture(scope="module")
def api() -> Iterator[FakeServer]:
    with FakeServer(ANSWERS) as server:
        yield server


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("breakdown")
    make_repo(root)
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


async def break_down(client: LanguageClient, uri: str, task_id: str) -> Any:
    params = types.ExecuteCommandParams(
        command="roadmapd.breakDownTask", arguments=[{"uri": uri, "taskId": task_id}]
    )
    return await client.workspace_execute_command_async(params)


async def test_break_down_inserts_subtasks_then_refuses_garbage(
    client: LanguageClient, repo: Path, api: FakeServer
) -> None:
    uri = (repo / "ROADMAP.md").as_uri()
    item = types.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=ROADMAP)
    client.text_document_did_open(types.DidOpenTextDocumentParams(item))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(3, 0), types.Position(3, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    # lsprotocol structures any code action that has a `command` as a Command (its union hook
    # only looks for the key), so the CodeAction's command object arrives here as a string.
    (action,) = actions or []
    assert action.title == "Break down this task"
    assert "'command': 'roadmapd.breakDownTask'" in str(action.command)
    assert "'taskId': 'T001'" in str(action.command)

    result = await break_down(client, uri, "T001")
    assert result["ok"] and result["subtasks"] == [
        "Write the tokenizer",
        "Parse headings",
        "Parse tasks",
    ]
    (applied,) = client.seen["edits"]  # type: ignore[attr-defined]
    assert applied.label == "roadmapd: break down T001"
    (change,) = applied.edit.document_changes
    assert change.text_document.version == 1
    (edit,) = change.edits
    assert edit.range.start == types.Position(6, 0)  # after T001's metadata lines
    assert edit.new_text == (
        "  - [ ] Write the tokenizer\n  - [ ] Parse headings\n  - [ ] Parse tasks\n"
    )
    lines = ROADMAP.splitlines(keepends=True)
    after = parse("".join([*lines[:6], edit.new_text, *lines[6:]]))
    assert [t.title for t in after.tasks if t.parent == "T001"] == [
        "Write the tokenizer",
        "Parse headings",
        "Parse tasks",
    ]
    (request,) = api.requests()
    body = request["body"]
    assert body["model"] == "claude-test-model" and "tools" not in body
    assert "Build the parser" in body["messages"][0]["content"]

    for reason in ("did not answer with a JSON list", "expected 2 to 7 distinct subtasks"):
        with pytest.raises(JsonRpcException, match=reason):
            await break_down(client, uri, "T001")
    assert len(client.seen["edits"]) == 1  # type: ignore[attr-defined]
    with pytest.raises(JsonRpcException, match="no task 'T404'"):
        await break_down(client, uri, "T404")
    # an API error that quotes the key reaches the editor without it
    with pytest.raises(JsonRpcException, match="the model request failed") as failed:
        await break_down(client, uri, "T001")
    assert KEY not in str(failed.value) and "[redacted]" in str(failed.value)


async def test_faults_are_retried_and_the_answer_is_priced(
    client: LanguageClient, repo: Path, api: FakeServer
) -> None:
    uri = (repo / "ROADMAP.md").as_uri()
    before = len(api.requests())
    result = await break_down(client, uri, "T001")  # 529 overloaded, then the answer
    assert result["ok"] and result["subtasks"] == TITLES
    requests = api.requests()[before:]
    assert len(requests) == 2 and requests[1]["body"] == requests[0]["body"]
    # claude-test-model has no known price: the fallback's, marked as an estimate
    cost = (1000 * FALLBACK.input + 200 * FALLBACK.output) / 1_000_000
    assert result["costUsd"] == pytest.approx(cost)
    assert result["message"].endswith(f"(undo removes them; {format_cost(cost, estimate=True)})")
    assert "~$0.0060" in result["message"]

    # the agent's retry budget (4 retries after the first try), then its reason, word for word
    with pytest.raises(JsonRpcException) as failed:
        await break_down(client, uri, "T001")
    assert len(api.requests()) == before + 2 + 5
    assert (
        "the model request failed: API unavailable (529 overloaded_error): Overloaded "
        "(after 5 attempts)" in str(failed.value)
    )
