"""The fake Messages API server: HTTP handling, the script cursor, request log and CLI.

    python -m roadmapd.testing.fake_anthropic --script SCRIPT.json [--port N]
        [--log REQUESTS.jsonl] [--delay-ms N]

Prints `http://127.0.0.1:PORT` as its first stdout line, then serves `POST /v1/messages`
(streaming and not) and `POST /v1/messages/count_tokens` until SIGTERM/SIGINT. See
docs/testing.md for the script format and the caching model.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

from roadmapd.secrets import redact_headers
from roadmapd.testing.responses import (
    Scripted,
    ScriptedError,
    ScriptedReply,
    ScriptError,
    load_script,
)
from roadmapd.testing.tokens import PromptCache, count_input_tokens, prompt_blocks
from roadmapd.testing.validation import InvalidRequest, validate
from roadmapd.testing.wire import (
    assemble,
    encode_event,
    error_body,
    new_id,
    stream_events,
    usage_for,
)

_MAX_BODY = 32 * 1024 * 1024


class FakeState:
    """What the request threads share: the script cursor, the prompt cache and the log file."""

    def __init__(self, entries: list[Scripted], log: Path | None, delay_ms: int) -> None:
        self.entries = entries
        self.delay_ms = delay_ms
        self.cache = PromptCache()
        self._next = 0
        self._lock = threading.Lock()
        self._log = log.open("a", encoding="utf-8") if log is not None else None

    def take(self) -> tuple[int, Scripted | None]:
        """The next scripted entry (and its number), or None when the script is exhausted."""
        with self._lock:
            index = self._next
            self._next += 1
        return index, self.entries[index] if index < len(self.entries) else None

    def record(self, method: str, path: str, headers: dict[str, str], body: Any) -> None:
        if self._log is None:
            return
        line = json.dumps({"method": method, "path": path, "headers": headers, "body": body})
        with self._lock:
            self._log.write(line + "\n")
            self._log.flush()

    def close(self) -> None:
        if self._log is not None:
            self._log.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, state: FakeState) -> None:
        self.state = state
        super().__init__(("127.0.0.1", port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is normal here; anything else goes to stderr."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-anthropic"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the JSONL log is the record of requests."""

    # -- plumbing -------------------------------------------------------------------------

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", self._request_id)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_error(
        self, status: int, error_type: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        self._send_json(status, error_body(error_type, message, self._request_id), headers)

    def send_response(self, code: int, message: str | None = None) -> None:
        self._responded = True
        super().send_response(code, message)

    def _read_body(self) -> tuple[Any, tuple[int, str, str] | None]:
        """The decoded JSON body, or (raw text, (status, error type, message)) when unusable."""
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            self.close_connection = True
            return None, (400, "invalid_request_error", "content-length: not a number")
        if length > _MAX_BODY:
            self.close_connection = True
            return None, (413, "request_too_large", f"Request exceeds {_MAX_BODY} bytes")
        raw = self.rfile.read(length) if length > 0 else b""
        text = raw.decode("utf-8", errors="replace")
        try:
            return json.loads(text), None
        except json.JSONDecodeError as exc:
            problem = f"request body: invalid JSON at line {exc.lineno}: {exc.msg}"
            return text, (400, "invalid_request_error", problem)

    def _authorized(self) -> bool:
        if (self.headers.get("x-api-key") or "").strip():
            return True
        bearer = self.headers.get("authorization") or ""
        return bearer.lower().startswith("bearer ") and bool(bearer[7:].strip())

    # -- routing --------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        self._request_id = new_id("req_")
        self._responded = False
        body, problem = self._read_body()
        headers = redact_headers(self.headers.items())
        self.server.state.record(method, self.path, headers, body)
        try:
            self._route(method, body, problem)
        except ConnectionError:
            raise
        except Exception as exc:  # a bug here must not look like a network fault to the client
            traceback.print_exc(file=sys.stderr)
            if self._responded:
                self._drop()
            else:
                reason = f"fake_anthropic internal error: {type(exc).__name__}: {exc}"
                self._send_error(500, "api_error", reason, {"x-should-retry": "false"})

    def _route(self, method: str, body: Any, problem: tuple[int, str, str] | None) -> None:
        path = self.path.split("?", 1)[0]
        if method != "POST" or path not in ("/v1/messages", "/v1/messages/count_tokens"):
            self._send_error(404, "not_found_error", f"Not found: {method} {path}")
        elif not self._authorized():
            self._send_error(401, "authentication_error", "x-api-key header is required")
        elif not self.headers.get("anthropic-version"):
            self._send_error(400, "invalid_request_error", "anthropic-version: header is required")
        elif problem is not None:
            self._send_error(*problem)
        else:
            counting = path.endswith("count_tokens")
            try:
                validate(body, count_tokens=counting)
            except InvalidRequest as exc:
                self._send_error(400, "invalid_request_error", str(exc))
                return
            if counting:
                self._send_json(200, {"input_tokens": count_input_tokens(body)})
            else:
                self._answer(body)

    # -- /v1/messages ---------------------------------------------------------------------

    def _answer(self, body: dict[str, Any]) -> None:
        state = self.server.state
        number, entry = state.take()
        if entry is None:
            reason = (
                f"fake_anthropic: script exhausted: request #{number + 1} arrived but the script "
                f"has only {len(state.entries)} response(s)"
            )
            self._send_error(500, "api_error", reason, {"x-should-retry": "false"})
            return
        delay = entry.delay_ms if entry.delay_ms is not None else state.delay_ms
        if delay > 0:
            time.sleep(delay / 1000)
        if isinstance(entry, ScriptedError):
            self._send_error(entry.status, entry.type, entry.message, entry.headers)
            return
        usage = usage_for(entry, state.cache.account(prompt_blocks(body)))
        message = assemble(entry, str(body["model"]), usage)
        if body.get("stream"):
            self._stream(entry, message)
        elif entry.drop_after is not None:
            self._drop()
        elif entry.stream_error is not None:
            err = entry.stream_error
            self._send_error(err.status, err.type, err.message)
        else:
            self._send_json(200, message)

    def _stream(self, entry: ScriptedReply, message: dict[str, Any]) -> None:
        events = stream_events(message)
        cut = len(events)
        if entry.stream_error is not None:
            cut = min(cut, entry.stream_error_after)
        if entry.drop_after is not None:
            cut = min(cut, entry.drop_after)
            if entry.drop_after == 0:
                self._drop()
                return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", self._request_id)
        self.end_headers()
        for name, data in events[:cut]:
            self._chunk(encode_event(name, data))
        err = entry.stream_error
        if entry.drop_after is not None and (
            err is None or entry.drop_after <= entry.stream_error_after
        ):
            self._drop()
            return
        if err is not None:
            payload = error_body(err.type, err.message, self._request_id)
            self._chunk(encode_event("error", payload))
        self.wfile.write(b"0\r\n\r\n")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def _drop(self) -> None:
        """Hang up mid-response (FIN without finishing the body or the chunked stream)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m roadmapd.testing.fake_anthropic",
        description="A scripted, wire-faithful fake of the Anthropic Messages API.",
    )
    parser.add_argument("--script", type=Path, required=True, help="SCRIPT.json")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = ephemeral)")
    parser.add_argument("--log", type=Path, help="append every request as a JSON line here")
    parser.add_argument("--delay-ms", type=int, default=0, help="latency before each answer")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port: expected 0..65535, got {args.port}")
    if args.delay_ms < 0:
        parser.error(f"--delay-ms: expected >= 0, got {args.delay_ms}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        entries = load_script(args.script)
        state = FakeState(entries, args.log, args.delay_ms)
    except ScriptError as exc:
        print(f"fake_anthropic: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"fake_anthropic: cannot open log {args.log}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        server = _Server(args.port, state)
    except OSError as exc:
        print(
            f"fake_anthropic: cannot bind 127.0.0.1:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        state.close()
        return 2

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return, so it must run on another thread
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.05)
    finally:
        server.server_close()
        state.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
