"""The server's one door to the editor (`rpc.protocol`): a response is framed with the length of
what is written, redacted when it carries a secret, and passed through untouched otherwise."""

from __future__ import annotations

import json

import pytest

from roadmapd.server.app import create_server
from roadmapd.server.rpc.protocol import RawJson

KEY = "sk-ant-writer-SECRET-1414213562"


class Sink:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)


def _sent(result: object) -> tuple[dict[str, str], dict[str, object]]:
    protocol = create_server().protocol
    sink = Sink()
    protocol.set_writer(sink)
    protocol._send_response(7, result)
    (data,) = sink.writes
    head, _, body = data.partition(b"\r\n\r\n")
    fields = dict(line.split(": ", 1) for line in head.decode("ascii").split("\r\n"))
    assert int(fields["Content-Length"]) == len(body)
    return fields, json.loads(body)


@pytest.mark.parametrize("result", [RawJson(f'["▶ Run {KEY} – ✓"]'), [f"▶ Run {KEY} – ✓"]])
def test_a_response_that_carries_the_key_is_redacted_and_framed_anew(
    monkeypatch: pytest.MonkeyPatch, result: object
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    _, message = _sent(result)
    assert message == {"jsonrpc": "2.0", "id": 7, "result": ["▶ Run [redacted] – ✓"]}


def test_a_response_without_a_secret_is_written_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    lenses = RawJson('[{"range":{},"data":"0:0:T00001"},"✓ done"]')
    _, message = _sent(lenses)
    assert message == {"jsonrpc": "2.0", "id": 7, "result": json.loads(lenses)}
