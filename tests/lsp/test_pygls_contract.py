"""The private pygls members `server/rpc/protocol.py` overrides or reads, held to their shape.

pyproject.toml pins pygls to one minor version because FastProtocol leans on members pygls does
not promise to keep. When a new pygls renames or reshapes one of them, this test fails with the
member's name, before a user sees requests go unanswered.
"""

from __future__ import annotations

import inspect
import json
from importlib.metadata import version
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol

from roadmapd.server.rpc.protocol import FastProtocol

OVERRIDDEN = {
    "_send_response": ["self", "msg_id", "result", "error"],
    "_handle_response": ["self", "msg_id", "result", "error"],
    "structure_message": ["self", "data"],
    "handle_message": ["self", "message"],
}


class _Writer:
    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.chunks.append(data)

    def close(self) -> None:
        pass


def _server() -> tuple[LanguageServer, FastProtocol, _Writer]:
    server = LanguageServer("contract", "0", protocol_cls=FastProtocol)
    protocol = server.protocol
    assert isinstance(protocol, FastProtocol)
    writer = _Writer()
    protocol.set_writer(writer)
    return server, protocol, writer


def _body(chunk: bytes) -> Any:
    header, _, body = chunk.partition(b"\r\n\r\n")
    assert int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0]) == len(body)
    return json.loads(body)


def test_pygls_is_the_minor_version_the_pin_names() -> None:
    assert version("pygls").startswith("2.1."), version("pygls")


@pytest.mark.parametrize(("name", "params"), sorted(OVERRIDDEN.items()))
def test_overridden_methods_keep_their_parameters(name: str, params: list[str]) -> None:
    method = getattr(JsonRPCProtocol, name, None)
    assert method is not None, f"pygls no longer has JsonRPCProtocol.{name}"
    assert list(inspect.signature(method).parameters) == params, name
    assert getattr(LanguageServerProtocol, name) is method or name == "structure_message"


def test_private_state_fast_protocol_reads_is_there() -> None:
    _, protocol, _writer = _server()
    assert isinstance(protocol._result_types, dict)
    assert isinstance(protocol._request_futures, dict)
    assert isinstance(protocol.fm.features, dict)
    assert isinstance(protocol.fm.builtin_features, dict)
    assert types.INITIALIZE in protocol.fm.builtin_features
    assert protocol.CONTENT_TYPE == "application/vscode-jsonrpc"
    assert protocol.CHARSET == "utf-8"
    assert JsonRpcInvalidParams("x").to_response_error().code == -32602


def test_plain_results_are_written_by_hand_and_others_through_pygls() -> None:
    _, protocol, writer = _server()
    protocol._result_types[7] = object  # pygls records a type per request; we must drop it
    protocol._send_response(7, {"lenses": [1, 2]})
    assert 7 not in protocol._result_types
    assert _body(writer.chunks[-1]) == {"jsonrpc": "2.0", "id": 7, "result": {"lenses": [1, 2]}}
    protocol._send_response(8, types.Position(line=1, character=2))
    assert _body(writer.chunks[-1])["result"] == {"line": 1, "character": 2}


def test_a_request_with_bad_params_is_answered_not_dropped() -> None:
    server, protocol, writer = _server()

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: LanguageServer, params: types.HoverParams) -> None:
        return None

    bad = {"jsonrpc": "2.0", "id": 3, "method": types.TEXT_DOCUMENT_HOVER, "params": {"x": 1}}
    protocol.handle_message(protocol.structure_message(bad))
    reply = _body(writer.chunks[-1])
    assert reply["id"] == 3
    assert reply["error"]["code"] == -32602
    unknown = {"jsonrpc": "2.0", "id": 4, "method": "no/such", "params": {}}
    protocol.handle_message(protocol.structure_message(unknown))
    assert _body(writer.chunks[-1])["error"]["code"] == -32601
