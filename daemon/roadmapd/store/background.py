"""`BackgroundSinks`: the disk-writing event sinks, run in order on one worker thread.

The state store takes the repository's `flock` and fsyncs every state write; on the daemon's
event loop a slow disk, or another roadmapd process holding the lock, would freeze the
language server. The engine's sink instead hands each event to one worker thread, which
calls the writing sinks in the order the events came (one queue for every engine of the
workspace). Until a status change is on disk, `status_of` answers it from memory, so nothing
reads a status older than the engine's. `close()` writes what is queued before it returns.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence

from roadmapd.engine.events import Event, EventSink, TaskStatusChanged
from roadmapd.statuses import TaskStatus

log = logging.getLogger("roadmapd.store")
StatusLookup = Callable[[str], TaskStatus | None]


class BackgroundSinks:
    def __init__(self, fallback: StatusLookup) -> None:
        self._fallback = fallback
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._guard = threading.Lock()
        self._unwritten: dict[str, tuple[int, TaskStatus]] = {}  # task id -> (job number, status)
        self._number = 0
        self._thread: threading.Thread | None = None
        self._closed = False

    def sink(self, targets: Sequence[EventSink]) -> EventSink:
        """An event sink that queues each event for `targets` (called on the worker)."""
        chosen = tuple(targets)

        def submit(event: Event) -> None:
            self._submit(chosen, event)

        return submit

    def status_of(self, task_id: str) -> TaskStatus | None:
        """The latest status of the task: queued for the disk, else the persisted one."""
        with self._guard:
            unwritten = self._unwritten.get(task_id)
        return unwritten[1] if unwritten is not None else self._fallback(task_id)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued event is written; False if `timeout` ran out first."""
        done = threading.Event()
        with self._guard:
            if self._thread is None or self._closed:
                return True
            self._queue.put(done.set)
        return done.wait(timeout)

    def close(self, timeout: float | None = 30.0) -> None:
        """Write what is queued (waiting at most `timeout`), then stop the worker."""
        with self._guard:
            self._closed, thread = True, self._thread
            if thread is None:
                return
            self._queue.put(None)
        thread.join(timeout)
        if thread.is_alive():
            log.warning(
                "the task state writer did not finish within %s s (is another process holding "
                "the state lock?); unwritten events are still in the run's memory only",
                timeout,
            )

    def _submit(self, targets: Sequence[EventSink], event: Event) -> None:
        with self._guard:
            if self._closed:
                log.warning("event %s after the state writer closed: dropped", type(event).__name__)
                return
            self._number += 1
            if isinstance(event, TaskStatusChanged):
                self._unwritten[event.task_id] = (self._number, event.status)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="roadmapd state writer", daemon=True
                )
                self._thread.start()
            number = self._number
            self._queue.put(lambda: self._deliver(targets, event, number))

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            job()

    def _deliver(self, targets: Sequence[EventSink], event: Event, number: int) -> None:
        for target in targets:
            try:
                target(event)
            except Exception:
                log.exception("the event sink failed on %s", type(event).__name__)
        if isinstance(event, TaskStatusChanged):
            with self._guard:
                if self._unwritten.get(event.task_id, (None,))[0] == number:
                    del self._unwritten[event.task_id]
