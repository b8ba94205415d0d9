"""The engine's status book: every task's status, changed only through the state table.

`transition` looks the change up in `states.TRANSITIONS` (an illegal one raises), records it and
sends it out as a `TaskStatusChanged` event; `emit` hands any event to the sink, and a failing
sink is logged, never raised (a full log disk must not leave a task half-done). Statuses this
engine has not set come from the persisted `lookup`; the status a task had before its rollback
(what undoing the rollback gives back) from memory or the persisted `history`.
"""

from __future__ import annotations

import logging

from roadmapd.engine.events import Event, EventSink, TaskStatusChanged
from roadmapd.engine.ports import StatusLookup
from roadmapd.statuses import TaskStatus, Trigger, next_status

log = logging.getLogger("roadmapd.engine")


class StatusBook:
    def __init__(
        self, sink: EventSink, lookup: StatusLookup | None, history: StatusLookup | None
    ) -> None:
        self._sink, self._lookup, self._history = sink, lookup, history
        self._statuses: dict[str, TaskStatus] = {}
        self._before_rollback: dict[str, TaskStatus] = {}

    def status(self, task_id: str) -> TaskStatus:
        """This engine's status of the task, else the persisted one (lookup), else idle."""
        known = self._statuses.get(task_id)
        if known is None and self._lookup is not None:
            known = self._lookup(task_id)
        return known or TaskStatus.IDLE

    def before_rollback(self, task_id: str) -> TaskStatus | None:
        known = self._before_rollback.get(task_id)
        if known is None and self._history is not None:
            known = self._history(task_id)
        return known

    def transition(
        self,
        run_id: str,
        task_id: str,
        trigger: Trigger,
        attempt: int,
        reason: str | None,
        before: TaskStatus | None = None,
    ) -> TaskStatus:
        previous = self.status(task_id)
        status = next_status(previous, trigger, before)
        self._statuses[task_id] = status
        if status is TaskStatus.ROLLED_BACK:
            self._before_rollback[task_id] = previous
        self.emit(
            TaskStatusChanged(
                run_id=run_id,
                task_id=task_id,
                status=status,
                previous=previous,
                attempt=attempt,
                reason=reason,
            )
        )
        return status

    def emit(self, event: Event) -> None:
        try:
            self._sink(event)
        except Exception:
            log.exception("the event sink failed on %s", type(event).__name__)
