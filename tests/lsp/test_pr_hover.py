"""The hover shows a PR-mode task's branch, push result and PR as `roadmapd run` stored them."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from roadmapd.store.paths import StatePaths
from roadmapd.store.published import Published, save

from .conftest import make_repo, register_client_handlers, server_config

STATE = Path(tempfile.mkdtemp(prefix="roadmapd-pr-hover-"))
pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(60)]


def teardown_module() -> None:
    shutil.rmtree(STATE, ignore_errors=True)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("pr-hover") / "repo").parent


@pytest_lsp.fixture(scope="module", config=server_config(ROADMAPD_STATE_DIR=str(STATE)))
async def client(lsp_client: LanguageClient, repo: Path) -> Any:
    register_client_handlers(lsp_client)
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=repo.as_uri()
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def _hover(client: LanguageClient, repo: Path, line: int) -> str:
    uri = (repo / "ROADMAP.md").as_uri()
    text = (repo / "ROADMAP.md").read_text(encoding="utf-8")
    item = types.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(item))
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, 8))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


async def test_hover_shows_pr_url_and_state_or_why_not_pushed(
    client: LanguageClient, repo: Path
) -> None:
    paths = StatePaths.for_repo(repo, STATE)
    url = "https://github.com/acme/calc/pull/7"
    save(paths, Published("T001", "roadmap/T001", "abc", "origin", True, pr_url=url,
                          pr_state="OPEN"))  # fmt: skip
    save(paths, Published("T003", "roadmap/T003", "def", "origin", False, reason="no remote"))
    first = await _hover(client, repo, 3)
    assert f"- pushed: yes to origin/roadmap/T001 · PR OPEN {url}" in first, first
    third = await _hover(client, repo, 7)
    assert "- pushed: no — no remote" in third, third
    fourth = await _hover(client, repo, 11)
    assert "pushed" not in fourth, fourth
