"""The server survives malformed input, and serves a Neovim 0.7 client (no watcher, no refresh)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from .conftest import eventually, make_repo, register_client_handlers, server_config, titles_by_line


def frame(payload: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(payload) + payload


def read_message(stream: IO[bytes]) -> dict[str, Any]:
    length = 0
    while (line := stream.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    assert length, "the server closed its output"
    message: dict[str, Any] = json.loads(stream.read(length))
    return message


def response(stream: IO[bytes], msg_id: int) -> dict[str, Any]:
    while "id" not in (message := read_message(stream)) or message.get("id") != msg_id:
        pass
    return message


def test_survives_garbage_on_the_pipe(tmp_path: Path) -> None:
    make_repo(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "roadmapd.server", "--log-level", "ERROR"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        init = {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}
        send = proc.stdin.write
        send(
            frame(
                json.dumps(
                    {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init}
                ).encode()
            )
        )
        proc.stdin.flush()
        assert "result" in response(proc.stdout, 1)
        send(b"\x00\xff garbage bytes \xfe\r\n")
        send(frame(b"{not json at all"))
        send(frame(b'{"jsonrpc": "2.0", "id": 2, "method": "no/such/method"}'))
        bad_params = {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "textDocument/codeLens",
            "params": {"x": 1},
        }
        send(frame(json.dumps(bad_params).encode()))
        lens = {"textDocument": {"uri": (tmp_path / "ROADMAP.md").as_uri()}}
        good = {"jsonrpc": "2.0", "id": 4, "method": "textDocument/codeLens", "params": lens}
        send(frame(json.dumps(good).encode()))
        proc.stdin.flush()
        assert response(proc.stdout, 2)["error"]["code"] == -32601
        invalid = response(proc.stdout, 3)["error"]
        assert invalid["code"] == -32602 and "textDocument/codeLens" in invalid["message"]
        titles = [lens["command"]["title"] for lens in response(proc.stdout, 4)["result"]]
        assert "▶ Run task" in titles
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def nvim_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nvim")
    (root / "roadmapd.toml").write_text('roadmaps = ["tasks/*.md"]\n', encoding="utf-8")
    make_repo(root / "tasks", "# T\n- [ ] A1 first\n", "one.md")
    return root


@pytest_lsp.fixture(scope="module", config=server_config(ROADMAPD_POLL_INTERVAL="0.1"))
async def nvim(lsp_client: LanguageClient, nvim_repo: Path) -> Any:
    lsp_client.seen = register_client_handlers(lsp_client)  # type: ignore[attr-defined]
    params = types.InitializeParams(
        capabilities=client_capabilities("neovim@v0.7"),
        root_uri=nvim_repo.as_uri(),
        initialization_options={"maxAttempts": "many"},
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="module")
async def test_bad_settings_are_reported_and_defaults_kept(nvim: LanguageClient) -> None:
    messages = await eventually(lambda: nvim.messages, "a showMessage")
    assert messages[0].type == types.MessageType.Error
    assert "initializationOptions: max_attempts" in messages[0].message


@pytest.mark.asyncio(loop_scope="module")
async def test_poller_sees_outside_edits_of_closed_files(
    nvim: LanguageClient, nvim_repo: Path
) -> None:
    seen = nvim.seen  # type: ignore[attr-defined]
    assert seen["registrations"] == [] and seen["refresh"] == 0  # Neovim 0.7 has neither
    path = nvim_repo / "tasks" / "one.md"
    doc = path.as_uri()
    lens_params = types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=doc))
    assert titles_by_line(await nvim.text_document_code_lens_async(lens_params))[1] == [
        "▶ Run task"
    ]
    path.write_text("# T\n- [ ] A1 first\n  - depends: ZZ\n", encoding="utf-8")
    diags = await eventually(lambda: nvim.diagnostics.get(doc), "diagnostics after an outside edit")
    assert "ZZ" in diags[0].message
    assert titles_by_line(await nvim.text_document_code_lens_async(lens_params))[1] == [
        "⏸ waits for ZZ"
    ]
    new = nvim_repo / "tasks" / "two.md"
    new.write_text("- [ ] B1 x\n  - depends: QQ\n", encoding="utf-8")
    await eventually(
        lambda: nvim.diagnostics.get(new.as_uri()), "diagnostics of a new roadmap file"
    )
