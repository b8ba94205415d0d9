"""Nothing the language server writes carries a secret: not its answers to the editor (one door:
every message is redacted before it is written) and not its log on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

KEY = "sk-ant-log-SECRET-2718281828"


def _frame(message: dict[str, object]) -> bytes:
    body = json.dumps(message).encode()
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def _frames(data: bytes) -> list[dict[str, object]]:
    out = []
    while data:
        header, _, rest = data.partition(b"\r\n\r\n")
        length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        out.append(json.loads(rest[:length]))
        data = rest[length:]
    return out


def test_a_roadmap_that_quotes_the_key_reaches_the_editor_and_the_log_redacted(
    tmp_path: Path,
) -> None:
    uri = (tmp_path / "ROADMAP.md").as_uri()
    text = f"# Plan\n\n- [ ] Rotate {KEY} <!-- id: rot -->\n"
    doc = {"uri": uri}
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"capabilities": {}, "rootUri": tmp_path.as_uri()},
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
            },
        },
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "textDocument/documentSymbol",
            "params": {"textDocument": doc},
        },
        {"jsonrpc": "2.0", "id": 3, "method": "shutdown", "params": None},
        {"jsonrpc": "2.0", "method": "exit", "params": None},
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "roadmapd", "serve", "--log-level", "DEBUG", "--no-engine"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "ANTHROPIC_API_KEY": KEY},
        cwd=tmp_path,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"".join(_frame(m) for m in messages[:4]))
    proc.stdin.flush()
    seen = b""
    while not any(r.get("id") == 2 for r in _frames(seen)):  # wait for the symbols
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            header += proc.stdout.read(1)
        length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        seen += header + proc.stdout.read(length)
    out, err = proc.communicate(b"".join(_frame(m) for m in messages[4:]), timeout=60)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, seen + out, err)
    replies = _frames(done.stdout)  # every frame parses: the Content-Length stayed right
    symbols = json.dumps(next(r for r in replies if r.get("id") == 2))
    assert "Rotate [redacted]" in symbols, symbols
    assert KEY.encode() not in done.stdout
    assert KEY.encode() not in done.stderr
