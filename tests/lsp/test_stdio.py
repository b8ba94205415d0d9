"""The stdio transport: Content-Length framing on the event loop, bad input, and end of input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from roadmapd.server.rpc.stdio import MAX_HEADER_LINE, Framer

from .conftest import make_repo
from .test_robustness import frame, read_message, response


def message(msg_id: int, method: str, params: Any = None) -> bytes:
    return frame(
        json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}).encode()
    )


class Collect:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.errors: list[str] = []
        self.framer = Framer(self.bodies.append, self.errors.append)


def test_a_message_split_byte_by_byte() -> None:
    got = Collect()
    data = b'Content-Length: 7\r\nContent-Type: application/vscode-jsonrpc\r\n\r\n{"a":1}'
    for i in range(len(data)):
        got.framer.feed(data[i : i + 1])
        assert got.bodies == ([] if i < len(data) - 1 else [b'{"a":1}'])
    assert got.errors == []


def test_several_messages_in_one_chunk_and_one_across_chunks() -> None:
    got = Collect()
    got.framer.feed(frame(b"[1]") + frame(b"[22]") + frame(b"[333]")[:9])
    assert got.bodies == [b"[1]", b"[22]"]
    got.framer.feed(frame(b"[333]")[9:])
    assert got.bodies == [b"[1]", b"[22]", b"[333]"]


def test_bad_content_length_is_reported_and_the_next_message_read() -> None:
    got = Collect()
    got.framer.feed(b"Content-Length: twelve\r\n\r\n{}" + frame(b"[1]"))
    got.framer.feed(b"X-Other: 1\r\n\r\n" + frame(b"[2]"))
    assert got.bodies == [b"[1]", b"[2]"]
    assert got.errors == [
        "skipped a message: bad Content-Length 'twelve'",
        "skipped a message: no Content-Length header",
    ]


def test_an_endless_line_is_dropped() -> None:
    got = Collect()
    got.framer.feed(b"x" * (MAX_HEADER_LINE + 1))
    got.framer.feed(b"\r\n" + frame(b"[1]"))
    assert got.bodies == [b"[1]"]
    assert len(got.errors) == 1 and "without a line end" in got.errors[0]


def test_the_server_frames_stdin_and_exits_cleanly_at_its_end(tmp_path: Path) -> None:
    make_repo(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "roadmapd.server", "--log-level", "ERROR", "--no-engine"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        init: dict[str, Any] = {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}
        for byte in message(1, "initialize", init):
            proc.stdin.write(bytes([byte]))
            proc.stdin.flush()
        assert "result" in response(proc.stdout, 1)
        lens = {"textDocument": {"uri": (tmp_path / "ROADMAP.md").as_uri()}}
        bad = b"Content-Length: -3\r\n\r\n" + json.dumps({"id": 9}).encode()
        proc.stdin.write(bad + message(2, "textDocument/codeLens", lens) + message(3, "no/such"))
        proc.stdin.flush()
        answers: dict[int, dict[str, Any]] = {}
        while len(answers) < 2:  # in either order: the codeLens handler is async
            msg = read_message(proc.stdout)
            if msg.get("id") in (2, 3):
                answers[msg["id"]] = msg
        assert isinstance(answers[2]["result"], list)
        assert answers[3]["error"]["code"] == -32601
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
        assert "bad Content-Length '-3'" in proc.stderr.read().decode()
    finally:
        proc.kill()
        proc.wait()
