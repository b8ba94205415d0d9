"""What a run hands back: every requested task's outcome, in run order."""

from __future__ import annotations

from dataclasses import dataclass

from roadmapd.engine.events import TaskOutcome


@dataclass(frozen=True, slots=True)
class RunResult:
    run_id: str
    outcomes: tuple[TaskOutcome, ...]
    cancelled: bool = False
    paused: tuple[str, ...] = ()  # the tasks a pause kept from starting, in run order

    def outcome(self, task_id: str) -> TaskOutcome | None:
        return next((o for o in self.outcomes if o.task_id == task_id), None)
