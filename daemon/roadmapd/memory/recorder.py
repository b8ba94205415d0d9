"""`MemoryRecorder`: the engine event sink that keeps the outcome of every passed task.

It follows each task's agent activity (the text of the latest turn, the bash commands whose
result was not an error) and, when the task is committed (or passed without a commit), stores a
`MemoryEntry` with the files from the git port's `Committed` event — never from the model's
words. A failing write is logged and forgotten: memory must not fail a task.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from roadmapd.agent.events import TextDelta, ToolCall, ToolResult, TurnStarted
from roadmapd.engine.events import (
    AgentActivity,
    Committed,
    Event,
    TaskQueued,
    TaskStatusChanged,
)
from roadmapd.memory.model import (
    MAX_COMMAND_CHARS,
    MAX_COMMANDS,
    MAX_DECISION_CHARS,
    MemoryEntry,
    trim,
)
from roadmapd.memory.store import ProjectMemory
from roadmapd.statuses import TaskStatus

log = logging.getLogger("roadmapd.memory")
BASH = "bash"


@dataclass
class _Trace:
    title: str = ""
    text: list[str] = field(default_factory=list)  # of the latest turn
    calls: dict[str, str] = field(default_factory=dict)  # tool call id -> bash command
    commands: list[str] = field(default_factory=list)  # that worked, in order
    files: tuple[str, ...] = ()
    commit: str | None = None


class MemoryRecorder:
    def __init__(self, memory: ProjectMemory) -> None:
        self.memory = memory
        self._traces: dict[str, _Trace] = {}

    def __call__(self, event: Event) -> None:
        if isinstance(event, TaskQueued):
            self._traces[event.task_id] = _Trace(title=event.title)
        elif isinstance(event, AgentActivity):
            self._agent(self._traces.setdefault(event.task_id, _Trace()), event)
        elif isinstance(event, Committed):
            trace = self._traces.setdefault(event.task_id, _Trace())
            trace.files, trace.commit = event.files, event.commit
        elif isinstance(event, TaskStatusChanged):
            self._status(event)

    def _agent(self, trace: _Trace, activity: AgentActivity) -> None:
        event = activity.event
        if isinstance(event, TurnStarted):
            trace.text = []
        elif isinstance(event, TextDelta):
            trace.text.append(event.text)
        elif isinstance(event, ToolCall) and event.name == BASH:
            command = event.input.get("command")
            if isinstance(command, str) and command.strip():
                trace.calls[event.id] = command
        elif isinstance(event, ToolResult) and event.id in trace.calls:
            command = trim(trace.calls.pop(event.id), MAX_COMMAND_CHARS)
            if not event.is_error and command not in trace.commands:
                trace.commands = [*trace.commands, command][-MAX_COMMANDS:]

    def _status(self, event: TaskStatusChanged) -> None:
        committed = event.status is TaskStatus.COMMITTED
        refused = event.status is TaskStatus.PASSED and event.previous is TaskStatus.PASSED
        if not (committed or refused):
            return
        trace = self._traces.pop(event.task_id, _Trace())
        entry = MemoryEntry(
            task_id=event.task_id,
            title=trace.title,
            files=trace.files if committed else (),
            decisions=trim("".join(trace.text), MAX_DECISION_CHARS),
            commands=tuple(trace.commands),
            commit=trace.commit if committed else None,
        )
        try:
            self.memory.add(entry)
        except Exception:
            log.warning("could not store the memory of task %s", event.task_id, exc_info=True)
