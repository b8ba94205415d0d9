"""Work-done progress, one per running task, with the client's cancel mapped to the engine port.

The engine side calls `begin` when a task starts, `report` on each phase/turn and `end` when it
finishes. A progress is only created when the client advertises `window.workDoneProgress`;
otherwise every call is a no-op. Cancelling the progress in the editor calls
`EnginePort.cancel(uri, task_id)` (as a tracked background task).
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .background import Background
from .engine_port import EngineDoor

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Progress:
    token: str
    uri: str
    task_id: str


class ProgressReporter:
    def __init__(self, server: LanguageServer, background: Background, engine: EngineDoor) -> None:
        self._server, self._background, self._engine = server, background, engine
        self._active: dict[tuple[str, str], _Progress] = {}

    def supported(self) -> bool:
        caps = self._server.client_capabilities.window
        return bool(caps is not None and caps.work_done_progress)

    def token(self, uri: str, task_id: str) -> str | None:
        entry = self._active.get((uri, task_id))
        return entry.token if entry is not None else None

    async def begin(self, uri: str, task_id: str, title: str, message: str = "") -> str | None:
        """Start a cancellable progress for the task; returns its token (None if unsupported)."""
        if not self.supported():
            return None
        self.end(uri, task_id)
        token = str(uuid.uuid4())
        progress = self._server.work_done_progress
        try:
            await progress.create_async(token)
        except Exception as exc:
            log.warning("client refused a progress for %s: %s", task_id, exc)
            return None
        entry = _Progress(token, uri, task_id)
        self._active[(uri, task_id)] = entry
        value = types.WorkDoneProgressBegin(title=title, cancellable=True, message=message or None)
        progress.begin(token, value)
        progress.tokens[token].add_done_callback(lambda fut: self._on_done(entry, fut))
        return token

    def report(self, uri: str, task_id: str, message: str, percentage: int | None = None) -> None:
        entry = self._active.get((uri, task_id))
        if entry is None:
            return
        value = types.WorkDoneProgressReport(message=message, percentage=percentage)
        self._server.work_done_progress.report(entry.token, value)

    def end(self, uri: str, task_id: str, message: str = "") -> None:
        entry = self._active.pop((uri, task_id), None)
        if entry is None:
            return
        progress = self._server.work_done_progress
        progress.end(entry.token, types.WorkDoneProgressEnd(message=message or None))
        future = progress.tokens.pop(entry.token, None)
        if future is not None and not future.done():
            future.set_result(None)

    def _on_done(self, entry: _Progress, future: Future[Any]) -> None:
        if not future.cancelled() or self._active.get((entry.uri, entry.task_id)) != entry:
            return
        log.info("client cancelled the progress of %s", entry.task_id)
        self._background.spawn(self._cancel(entry), f"cancel {entry.task_id}")

    async def _cancel(self, entry: _Progress) -> None:
        port = await self._engine.port()
        if port is None:
            log.warning("progress of %s cancelled, but no engine port is wired", entry.task_id)
            return
        await port.cancel(entry.uri, entry.task_id)
