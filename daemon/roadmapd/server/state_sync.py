"""Task-state notifications and lens refreshes, throttled per document.

A running task changes its state several times per agent turn (phase, tool, tokens). Sending
each change as `roadmapd/taskState` plus a `workspace/codeLens/refresh` would make the editor
re-fetch every lens of the document several times a turn. `StateSync` keeps the latest state
per task and sends, per document, at most one batch per `window` seconds: the latest state of
each task that changed, then one refresh. The first change after a quiet window goes out at
once. A change of status or attempt (queued -> running -> verifying -> passed ...) is sent at
once too, with whatever else is pending for that document, so every transition and every final
state reaches the client, in order; only intermediate phases are merged.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable

from roadmapd_protocol import TaskState

WINDOW_S = 0.1

SendState = Callable[[TaskState], None]
Refresh = Callable[[], None]


class StateSync:
    def __init__(self, send: SendState, refresh: Refresh, window: float = WINDOW_S) -> None:
        self._send = send
        self._refresh = refresh
        self._window = window
        self._pending: dict[str, dict[str, TaskState]] = {}  # uri -> task id -> latest
        self._shown: dict[tuple[str, str], tuple[str, int]] = {}  # last sent (status, attempt)
        self._last: dict[str, float] = {}  # uri -> loop time of the last batch
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def push(self, state: TaskState) -> None:
        """Record the task's latest state; send it now or with the document's next batch."""
        uri = state.uri
        self._pending.setdefault(uri, {})[state.taskId] = state
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): nothing to wait on
            self.flush(uri)
            return
        shown = self._shown.get((uri, state.taskId))
        if shown != (state.status, state.attempt):
            self.flush(uri)
        elif uri not in self._timers:
            wait = self._last.get(uri, -math.inf) + self._window - loop.time()
            if wait <= 0:
                self.flush(uri)
            else:
                self._timers[uri] = loop.call_later(wait, self.flush, uri)

    def flush(self, uri: str) -> None:
        """Send the pending states of `uri` (latest per task), then one lens refresh."""
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        states = self._pending.pop(uri, None)
        if not states:
            return
        for state in states.values():
            self._shown[(uri, state.taskId)] = (state.status, state.attempt)
            self._send(state)
        with contextlib.suppress(RuntimeError):
            self._last[uri] = asyncio.get_running_loop().time()
        self._refresh()

    def flush_all(self) -> None:
        """Send everything still pending (at shutdown)."""
        for uri in list(self._pending):
            self.flush(uri)
