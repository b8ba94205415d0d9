"""The wire task states (`roadmapd_protocol.TaskState`) the lenses, hovers and hints show.

`TaskStates` is the read port (`get(uri, task_id)`, `generation`, `subscribe`);
`InMemoryTaskStates` is its in-memory implementation for one editor session: the event view
(`event_view.py`) calls `update(state)` on every visible change, and the subscribers (the lens
cache, the state sync to the client) hear it. Not the durable task states: those are the
store's (`store/state.py`), one JSON file per task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from roadmapd_protocol import TaskState

log = logging.getLogger(__name__)

StateListener = Callable[[TaskState], None]


class TaskStates(Protocol):
    """What the server needs to know about tasks' run states."""

    def get(self, uri: str, task_id: str) -> TaskState | None: ...

    def generation(self, uri: str) -> int:
        """A number that changes whenever any state of `uri` changes (for caches)."""
        ...

    def subscribe(self, listener: StateListener) -> None:
        """Call `listener` after every change."""
        ...


class InMemoryTaskStates:
    """The wire task states of this session keyed by (uri, task id); listeners hear every update."""

    def __init__(self) -> None:
        self._states: dict[str, dict[str, TaskState]] = {}
        self._generations: dict[str, int] = {}
        self._listeners: list[StateListener] = []

    def get(self, uri: str, task_id: str) -> TaskState | None:
        return self._states.get(uri, {}).get(task_id)

    def generation(self, uri: str) -> int:
        return self._generations.get(uri, 0)

    def subscribe(self, listener: StateListener) -> None:
        self._listeners.append(listener)

    def update(self, state: TaskState) -> None:
        """Record `state` (replacing the task's previous one) and tell the listeners."""
        self._states.setdefault(state.uri, {})[state.taskId] = state
        self._generations[state.uri] = self.generation(state.uri) + 1
        for listener in self._listeners:
            try:
                listener(state)
            except Exception:
                log.exception("task state listener failed for %s", state.taskId)

    def forget(self, uri: str, task_id: str) -> None:
        """Drop a task's state (e.g. after a rollback to pending)."""
        if self._states.get(uri, {}).pop(task_id, None) is not None:
            self._generations[uri] = self.generation(uri) + 1
