"""Resolvable lenses: a big roadmap's task lenses go out without titles to clients that resolve,
and `codeLens/resolve` fills in exactly what the whole lens would have shown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.workspace import TextDocument
from pytest_lsp import LanguageClient, client_capabilities

from roadmapd.server.documents import Documents, Parsed
from roadmapd.server.lens_cache import DocumentLenses, LensCache
from roadmapd.server.lens_resolve import (
    RESOLVE_FROM_TASKS,
    lens_data,
    lens_ref,
    resolves_lenses,
)
from roadmapd.server.task_states import InMemoryTaskStates
from roadmapd_protocol import CMD_RUN_TASK, TaskState

from .conftest import make_repo, register_client_handlers, server_config

N_TASKS = RESOLVE_FROM_TASKS + 50


def big_roadmap(n: int = N_TASKS) -> str:
    lines = ["# Roadmap", ""]
    for i in range(1, n + 1):
        if i % 40 == 1:
            lines += [f"## Phase {i // 40 + 1}", ""]
        lines.append(f"- [{'x' if i % 3 == 0 else ' '}] T{i:05d} Feature {i}")
        if i % 4 == 0:
            lines.append(f"  - depends: T{i - 1:05d}")
    lines.append('- [ ] A task with an "odd" id <!-- id: q"1\\ -->')
    return "\n".join(lines) + "\n"


def state(uri: str, task_id: str, status: str, **extra: Any) -> TaskState:
    return TaskState.model_validate(
        {"uri": uri, "taskId": task_id, "title": task_id, "status": status, **extra}
    )


def open_doc(root: Path, text: str) -> tuple[Documents, dict[str, TextDocument], str]:
    uri = (root / "ROADMAP.md").as_uri()
    buffers = {uri: TextDocument(uri, text, version=1)}
    documents = Documents(lambda: buffers)
    documents.configure(root, ["ROADMAP.md"])
    return documents, buffers, uri


def current(documents: Documents, uri: str) -> Parsed:
    parsed = documents.get(uri)
    assert parsed is not None
    return parsed


def resolved(cache: LensCache, payload: str) -> list[Any]:
    """The payload with every lens resolved like a client would (data dropped)."""
    out = []
    for lens in json.loads(payload):
        if "command" not in lens:
            doc_ref, task_id, index = lens_data(lens["data"])
            command = cache.command(doc_ref, task_id, lens["range"]["start"]["line"], index)
            assert command is not None, lens
            lens = {"range": lens["range"], "command": command}
        out.append(lens)
    return out


def check(cache: LensCache, parsed: Parsed, states: InMemoryTaskStates) -> list[Any]:
    """The resolvable payload, resolved, equals the whole lenses built from scratch."""
    light = cache.lenses(parsed, resolvable=True)
    whole = json.loads(DocumentLenses(parsed, states, {}).payload())
    assert resolved(cache, light) == whole
    return [lens for lens in json.loads(light) if "command" not in lens]


def test_resolved_lenses_equal_whole_lenses_through_states_and_edits(tmp_path: Path) -> None:
    documents, buffers, uri = open_doc(tmp_path, big_roadmap())
    states = InMemoryTaskStates()
    cache = LensCache(states)
    parsed = current(documents, uri)
    bare = check(cache, parsed, states)
    assert len(bare) == len(parsed.roadmap.tasks)  # one lens per task without state
    assert lens_data(bare[0]["data"])[1:] == ("T00001", 0)
    states.update(state(uri, "T00001", "running", attempt=1, phase="agent turn 2"))
    states.update(state(uri, "T00002", "failed", attempt=2, problems=3))
    states.update(state(uri, "T00004", "interrupted", reason="daemon stopped"))
    states.update(state(uri, "T00005", "committed", turns=4, costUsd=0.031))
    bare = check(cache, parsed, states)
    shown = [lens_data(lens["data"])[1:] for lens in bare[:3]]
    assert shown == [("T00001", 0), ("T00001", 1), ("T00002", 0)]
    line = bare[0]["range"]["start"]["line"]
    command = cache.command(lens_data(bare[0]["data"])[0], "T00001", line, 0)
    assert command is not None and command["title"] == "■ Cancel"
    text = buffers[uri].source.replace("Feature 1\n", "Feature One\n", 1)  # a one-word edit
    buffers[uri] = TextDocument(uri, text.replace("- [ ] T00007", "- [x] T00007"), version=2)
    check(cache, current(documents, uri), states)
    text = buffers[uri].source.replace("## Phase 2\n", "## Phase 2\n\nNotes.\n", 1)  # lines move
    buffers[uri] = TextDocument(uri, text, version=3)
    check(cache, current(documents, uri), states)


def test_resolvable_payload_is_smaller(tmp_path: Path) -> None:
    documents, _, uri = open_doc(tmp_path, big_roadmap())
    parsed = current(documents, uri)
    states = InMemoryTaskStates()
    light = LensCache(states).lenses(parsed, resolvable=True)
    whole = LensCache(states).lenses(parsed)
    assert len(json.loads(light)) == len(json.loads(whole))
    assert len(light) < 0.7 * len(whole)


def test_small_documents_and_other_clients_get_whole_lenses(tmp_path: Path) -> None:
    documents, _, uri = open_doc(tmp_path, big_roadmap(RESOLVE_FROM_TASKS - 10))
    cache = LensCache(InMemoryTaskStates())
    assert all("command" in lens for lens in json.loads(cache.lenses(current(documents, uri))))
    small = cache.lenses(current(documents, uri), resolvable=True)
    assert all("command" in lens for lens in json.loads(small))


def test_stale_lenses_resolve_to_nothing(tmp_path: Path) -> None:
    documents, _, uri = open_doc(tmp_path, big_roadmap())
    cache = LensCache(InMemoryTaskStates())
    bare = [lens for lens in json.loads(cache.lenses(current(documents, uri), resolvable=True))]
    doc_ref = next(lens_data(lens["data"])[0] for lens in bare if "data" in lens)
    assert cache.command(doc_ref, "T00001", 4, 0) is not None
    assert cache.command(doc_ref, "NO-SUCH-TASK", 4, 0) is None
    assert cache.command(doc_ref, "T00001", 4, 5) is None  # that lens is gone
    assert cache.command(doc_ref + 1, "T00001", 4, 0) is None  # an unknown document


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("visual-studio-code", True),
        ("neovim@v0.11", True),
        ("neovim@v0.7", False),
        ("emacs", False),
    ],
)
def test_which_clients_resolve(preset: str, expected: bool) -> None:
    assert resolves_lenses(client_capabilities(preset)) is expected


@pytest.mark.parametrize("data", [None, [0, "T1", 0], "", "0:T1", "x:0:T1", "0:0:", "²:0:T1", 7])
def test_malformed_data_is_invalid_params(data: Any) -> None:
    with pytest.raises(JsonRpcInvalidParams, match="document number:index:task id"):
        lens_data(data)


def test_data_round_trips_any_task_id() -> None:
    for task_id in ["T1", 'q"1\\', "a:b:c", "ünï\ncode"]:
        assert lens_data(json.loads(json.dumps(lens_ref(3, 2, task_id)))) == (3, task_id, 2)


# --- over the wire ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("resolve")
    make_repo(root, big_roadmap())
    return root


async def start(client: LanguageClient, repo: Path, preset: str) -> None:
    client.seen = register_client_handlers(client)  # type: ignore[attr-defined]
    params = types.InitializeParams(
        capabilities=client_capabilities(preset), root_uri=repo.as_uri()
    )
    await client.initialize_session(params)


@pytest_lsp.fixture(scope="module", config=server_config())
async def vscode(lsp_client: LanguageClient, repo: Path) -> Any:
    await start(lsp_client, repo, "visual-studio-code")
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(scope="module", config=server_config())
async def nvim(lsp_client: LanguageClient, repo: Path) -> Any:
    await start(lsp_client, repo, "neovim@v0.7")
    yield
    await lsp_client.shutdown_session()


def lens_params(repo: Path) -> types.CodeLensParams:
    uri = (repo / "ROADMAP.md").as_uri()
    return types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))


@pytest.mark.asyncio(loop_scope="module")
async def test_vscode_resolves_the_lenses_it_shows(vscode: LanguageClient, repo: Path) -> None:
    lenses = await vscode.text_document_code_lens_async(lens_params(repo)) or []
    assert lenses[0].command is not None and lenses[0].command.title.startswith("▶ Run all")
    bare = [lens for lens in lenses if lens.command is None]
    assert len(bare) == N_TASKS + 1
    first = await vscode.code_lens_resolve_async(bare[0])
    assert first.command is not None and first.command.title == "▶ Run task"
    assert first.command.command == CMD_RUN_TASK
    arguments = list(first.command.arguments or [])
    assert arguments == [{"uri": (repo / "ROADMAP.md").as_uri(), "taskId": "T00001"}]
    assert first.range == bare[0].range
    odd = await vscode.code_lens_resolve_async(bare[-1])
    assert odd.command is not None and odd.command.title == "▶ Run task"
    assert next(iter(odd.command.arguments or [{}]))["taskId"] == 'q"1\\'


@pytest.mark.asyncio(loop_scope="module")
async def test_resolving_bad_data_is_an_error(vscode: LanguageClient) -> None:
    lens = types.CodeLens(range=types.Range(types.Position(0, 0), types.Position(0, 0)), data=[1])
    with pytest.raises(JsonRpcException, match="document number:index:task id"):
        await vscode.code_lens_resolve_async(lens)


@pytest.mark.asyncio(loop_scope="module")
async def test_neovim_07_gets_whole_lenses(nvim: LanguageClient, repo: Path) -> None:
    lenses = await nvim.text_document_code_lens_async(lens_params(repo)) or []
    assert len(lenses) > N_TASKS and all(lens.command is not None for lens in lenses)
