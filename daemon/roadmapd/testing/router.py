"""FakeServers: one scripted fake Messages API per task, behind one URL, for parallel runs.

The fake server answers in script order, so tasks whose agents talk to it at the same time need
a script each. `FakeServers({"t1": script(...), "t2": script(...)})` starts one `FakeServer`
per task and a small router in front of them; the router sends each request to the server of
the task named in the request's first user message (the task prompt starts `Task <id>: ...`).
Requests naming no known task get a 404 with an `error` body, like the real API's shape.

with FakeServers({"a": script(text("done")), "b": script(text("done"))}, delay_ms=200) as api:
    env["ANTHROPIC_BASE_URL"] = api.url
    ...
    api.requests("a")  # what task a's agent sent
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from .harness import FakeServer

_TASK = re.compile(r"Task (\S+?):")


def task_named(body: bytes) -> str | None:
    """The task id in the first user message of a Messages API request body, if any."""
    try:
        messages = json.loads(body)["messages"]
        first = messages[0]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if isinstance(first, list):
        first = next((b.get("text", "") for b in first if isinstance(b, dict)), "")
    found = _TASK.search(first) if isinstance(first, str) else None
    return found.group(1) if found else None


class _Router(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, backends: dict[str, str]) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.backends = backends


class _Forward(BaseHTTPRequestHandler):
    server: _Router

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        backend = self.server.backends.get(task_named(body) or "")
        if backend is None:
            self._reply(404, "application/json", _not_found())
            return
        target = urlsplit(backend)
        conn = http.client.HTTPConnection(target.hostname or "", target.port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        try:
            conn.request("POST", self.path, body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
        finally:
            conn.close()
        self._reply(reply.status, reply.getheader("content-type", "application/json"), data)

    def _reply(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _not_found() -> bytes:
    error = {"type": "not_found_error", "message": "no script for the task in this request"}
    return json.dumps({"type": "error", "error": error}).encode()


class FakeServers:
    """One FakeServer per task id and a router in front; use in a `with` block."""

    def __init__(self, scripts: dict[str, dict[str, Any]], *, delay_ms: int = 0) -> None:
        self._scripts, self._delay_ms = scripts, delay_ms
        self._stack = ExitStack()
        self._servers: dict[str, FakeServer] = {}
        self._router: _Router | None = None

    @property
    def url(self) -> str:
        if self._router is None:
            raise RuntimeError("FakeServers is not running: use it in a `with` block")
        return f"http://127.0.0.1:{self._router.server_address[1]}"

    def requests(self, task_id: str) -> list[dict[str, Any]]:
        """The requests task `task_id`'s agent sent (see `FakeServer.requests`)."""
        return self._servers[task_id].requests()

    def __enter__(self) -> FakeServers:
        with ExitStack() as stack:
            for task_id, served in self._scripts.items():
                server = FakeServer(served, delay_ms=self._delay_ms)
                self._servers[task_id] = stack.enter_context(server)
            router = _Router({t: s.url for t, s in self._servers.items()})
            threading.Thread(target=router.serve_forever, daemon=True).start()
            stack.callback(router.server_close)
            stack.callback(router.shutdown)
            self._router = router
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._router = None
        self._stack.close()
