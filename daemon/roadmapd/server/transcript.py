"""The live side of the transcript: the model's text deltas, coalesced into lines.

What every event says is `roadmapd.transcript` (one renderer for the live transcript, "Show
Log" and `roadmapd log`); the server streams those lines as `roadmapd/transcript`, and the
model's text through `TextCoalescer`, so the editor is not sent one notification per delta.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

FLUSH_AFTER_S = 0.1


class TextCoalescer:
    """Collects a task's text deltas; emits whole lines at once and the rest after ~100 ms."""

    def __init__(self, emit: Callable[[str, int, str], None]) -> None:
        self._emit = emit
        self._buffers: dict[str, tuple[int, list[str]]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def add(self, task_id: str, attempt: int, text: str) -> None:
        held = self._buffers.get(task_id)
        if held is not None and held[0] != attempt:
            self.flush(task_id)
            held = None
        if held is None:
            held = self._buffers[task_id] = (attempt, [])
        held[1].append(text)
        if "\n" in text:
            joined = "".join(held[1])
            complete, _, rest = joined.rpartition("\n")
            held[1][:] = [rest] if rest else []
            if complete.strip():
                self._emit(task_id, attempt, complete)
        if held[1] and task_id not in self._timers:
            loop = asyncio.get_running_loop()
            self._timers[task_id] = loop.call_later(FLUSH_AFTER_S, self.flush, task_id)

    def flush(self, task_id: str) -> None:
        timer = self._timers.pop(task_id, None)
        if timer is not None:
            timer.cancel()
        held = self._buffers.pop(task_id, None)
        if held is not None and "".join(held[1]):
            self._emit(task_id, held[0], "".join(held[1]))
