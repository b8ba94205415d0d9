"""A language-server session with the real engine: a temp git repo with a small Python project,
the fake Messages API, and a test client that behaves like an editor (it applies
`workspace/applyEdit` to its open buffer and sends didChange, and it records every
notification the tests look at)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities, make_test_lsp_client

from roadmapd.store import ENV_STATE_DIR
from roadmapd_protocol import NOTIFY_TASK_STATE, NOTIFY_TRANSCRIPT

from .conftest import GIT_ENV, make_repo, register_client_handlers

ROADMAP = """\
# Plan

- [ ] T01 Add calc.add
  - files: calc.py
- [ ] T02 Document calc
  - depends: T01
"""

TEST_CALC = """\
from calc import add


def test_add():
    assert add(2, 3) == 5
"""

GOOD = "def add(a, b):\n    return a + b\n"
BAD = "def add(a, b):\n    return a - b\n"


def project(root: Path) -> Path:
    """The repo: a failing test, a checks config, a roadmap; one initial commit."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "test_calc.py").write_text(TEST_CALC, encoding="utf-8")
    (root / ".gitignore").write_text("__pycache__/\n.pytest_cache/\n", encoding="utf-8")
    python = sys.executable
    (root / "roadmapd.toml").write_text(
        'max_attempts = 2\nsandbox = "off"\n[[checks]]\nname = "pytest"\n'
        f'run = "{python} -m pytest -q -p no:cacheprovider test_calc.py"\nparser = "pytest"\n',
        encoding="utf-8",
    )
    return make_repo(root, ROADMAP)


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=env
    )
    return done.stdout


class RecordingDict(dict[str, Any]):
    """`client.diagnostics`, keeping every publish (the default handler only keeps the last)."""

    def __init__(self) -> None:
        super().__init__()
        self.history: list[tuple[str, list[types.Diagnostic]]] = []

    def __setitem__(self, key: str, value: Any) -> None:
        self.history.append((key, list(value)))
        super().__setitem__(key, value)


@dataclass
class Editor:
    """The client side: one open roadmap buffer and what the server told us."""

    client: LanguageClient
    root: Path
    uri: str
    text: str
    version: int = 1
    seen: dict[str, Any] = field(default_factory=dict)
    states: list[dict[str, Any]] = field(default_factory=list)
    transcript: list[dict[str, Any]] = field(default_factory=list)

    @property
    def diagnostics(self) -> RecordingDict:
        found = self.client.diagnostics
        assert isinstance(found, RecordingDict)
        return found

    def status(self, task_id: str) -> str | None:
        found = [s["status"] for s in self.states if s["taskId"] == task_id]
        return found[-1] if found else None

    def reason(self, task_id: str) -> str:
        found = [s.get("reason") or "" for s in self.states if s["taskId"] == task_id]
        return found[-1] if found else ""

    async def execute(self, command: str, *args: Any) -> Any:
        params = types.ExecuteCommandParams(command=command, arguments=list(args))
        return await self.client.workspace_execute_command_async(params)

    async def lenses(self) -> dict[int, list[str]]:
        params = types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=self.uri))
        out: dict[int, list[str]] = {}
        for lens in await self.client.text_document_code_lens_async(params) or []:
            assert lens.command is not None
            out.setdefault(lens.range.start.line, []).append(lens.command.title)
        return out

    def apply(self, params: types.ApplyWorkspaceEditParams) -> bool:
        """Apply a server edit to the buffer like an editor: check the version, didChange."""
        for change in params.edit.document_changes or []:
            assert isinstance(change, types.TextDocumentEdit)
            if change.text_document.uri != self.uri:
                return False
            if change.text_document.version not in (None, self.version):
                return False
            lines = self.text.splitlines(keepends=True)
            for edit in change.edits:
                assert isinstance(edit, types.TextEdit)
                start, end = edit.range.start, edit.range.end
                assert start.line == end.line
                line = lines[start.line]
                lines[start.line] = line[: start.character] + edit.new_text + line[end.character :]
            self.text = "".join(lines)
            self.version += 1
            self.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(
                        uri=self.uri, version=self.version
                    ),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=self.text)],
                )
            )
        return True


@asynccontextmanager
async def session(
    root: Path,
    api_url: str,
    state_dir: Path,
    *,
    open_doc: bool = True,
    env: dict[str, str] | None = None,
) -> AsyncIterator[Editor]:
    """Start `python -m roadmapd.server` (engine on) against `root`; shut it down after."""
    client = make_test_lsp_client()
    client.diagnostics = RecordingDict()
    path = root / "ROADMAP.md"
    editor = Editor(client, root, path.as_uri(), path.read_text(encoding="utf-8"))
    editor.seen = register_client_handlers(client)
    apply_feature = client.protocol.fm.features[types.WORKSPACE_APPLY_EDIT]

    def on_apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        apply_feature(params)  # the shared handler records it
        return types.ApplyWorkspaceEditResult(applied=editor.apply(params))

    client.protocol.fm.features[types.WORKSPACE_APPLY_EDIT] = on_apply

    @client.feature(NOTIFY_TASK_STATE)
    def task_state(params: Any) -> None:
        editor.states.append(dict(params._asdict()))

    @client.feature(NOTIFY_TRANSCRIPT)
    def transcript(params: Any) -> None:
        editor.transcript.append(dict(params._asdict()))

    server_env = {
        **os.environ,
        **GIT_ENV,
        "ROADMAPD_TEST_HOOKS": "1",
        "ANTHROPIC_BASE_URL": api_url,
        "ANTHROPIC_API_KEY": "sk-test-key-0123456789",
        ENV_STATE_DIR: str(state_dir),
        **(env or {}),
    }
    await client.start_io(
        sys.executable,
        "-m",
        "roadmapd.server",
        "--log-level",
        "WARNING",
        env=server_env,
        cwd=root,
    )
    try:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri()
            )
        )
        if open_doc:
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    types.TextDocumentItem(editor.uri, "markdown", editor.version, editor.text)
                )
            )
        yield editor
        await client.shutdown_session()
    finally:
        server = client._server
        if server is not None and server.returncode is None:
            server.kill()  # the test failed before a clean shutdown
        await client.stop()
