"""Engine events -> what the editor shows: task states (lenses, `roadmapd/taskState`), one
cancellable work-done progress per running task, check problems as diagnostics, and the
`roadmapd/transcript` stream.

`EventView` is an engine event sink (called synchronously on the loop for every event). It keeps
a small live record per task (attempt, phase, turns, tokens, cost) and pushes a wire
`TaskState` into the server's `InMemoryTaskStates` whenever something visible changed. Persisted
states (after a restart) enter through `show_persisted`.

The engine's events carry only a task id; the view's own record of which document each task
belongs to (`follow`, said by the engine adapter for every task of a document it runs) is a
dict of a few lines, used by nothing else, so it stays here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from roadmapd.agent.events import (
    AgentFinished,
    RetryScheduled,
    TextDelta,
    ToolCall,
    TurnStarted,
    Usage,
    UsageReport,
)
from roadmapd.agent.pricing import is_estimate
from roadmapd.engine import (
    AgentActivity,
    ApprovalRequested,
    AttemptStarted,
    ChecksFinished,
    ChecksStarted,
    Committed,
    Event,
    ReviewFinished,
    RolledBack,
    TaskNotRunnable,
    TaskQueued,
    TaskStatus,
    TaskStatusChanged,
    event_to_json,
)
from roadmapd.roadmap import Task
from roadmapd.secrets import redact, secret_values
from roadmapd.statuses import WORKING
from roadmapd.store import TaskRecord
from roadmapd.transcript import Kind, describe
from roadmapd_protocol import TaskState, TranscriptLine

from .notify import notify_transcript
from .task_states import InMemoryTaskStates
from .transcript import TextCoalescer

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from .background import Background
    from .diagnostics import DiagnosticsPublisher
    from .progress import ProgressReporter
    from .settings import Settings

log = logging.getLogger(__name__)


@dataclass
class _Live:
    """What the editor knows about one task while (and after) it runs in this session."""

    uri: str
    task: Task
    status: str = "pending"
    attempt: int = 0
    max_attempts: int = 0
    phase: str = ""
    turn: int = 0  # the current turn of the current attempt
    turns_done: int = 0  # turns of finished attempts
    usage_done: Usage = field(default_factory=Usage)
    usage_review: Usage = field(default_factory=Usage)  # the reviewer's, apart
    usage_now: Usage = field(default_factory=Usage)  # the current attempt so far
    problems: int = 0
    commit: str | None = None
    reason: str | None = None
    reported: str = ""  # the last progress message sent
    started_at: datetime | None = None
    duration_s: float | None = None  # of the last finished run
    unsandboxed: bool = False  # sandbox = "off": the phase says so while it runs

    def wire(self, cost_estimated: bool = False) -> TaskState:
        usage = self.usage_done + self.usage_now
        phase = f"{self.phase} · unsandboxed" if self.unsandboxed and self.phase else self.phase
        return TaskState.model_validate(
            {
                "uri": self.uri,
                "taskId": self.task.id,
                "title": self.task.title,
                "status": self.status,
                "attempt": self.attempt,
                "maxAttempts": self.max_attempts,
                "phase": phase,
                "turns": self.turns_done + self.turn,
                "inputTokens": usage.total_input_tokens,
                "outputTokens": usage.output_tokens,
                "costUsd": round(usage.cost_usd, 6),
                "costEstimated": cost_estimated,
                "reviewTokens": self.usage_review.total_input_tokens
                + self.usage_review.output_tokens,
                "reviewCostUsd": round(self.usage_review.cost_usd, 6),
                "problems": self.problems,
                "commit": self.commit,
                "reason": self.reason,
                "durationS": None if self.duration_s is None else round(self.duration_s, 1),
            }
        )

    def progress_message(self) -> str:
        usage = self.usage_done + self.usage_now
        parts = [f"attempt {self.attempt}/{self.max_attempts}" if self.attempt else self.status]
        if self.phase:
            parts.append(self.phase)
        tokens = usage.total_input_tokens + usage.output_tokens
        if tokens:
            parts.append(f"{tokens:,} tokens")
        return " · ".join(parts)


def wire_status(status: TaskStatus | str) -> str:
    value = str(status.value if isinstance(status, TaskStatus) else status)
    return "pending" if value == TaskStatus.IDLE.value else value


class EventView:
    """The engine event sink of the language server."""

    def __init__(
        self,
        client: LanguageServer,
        states: InMemoryTaskStates,
        diagnostics: DiagnosticsPublisher,
        progress: ProgressReporter,
        background: Background,
        settings: Settings,
        max_turns: int = 0,
    ) -> None:
        self._client, self._states, self._diagnostics = client, states, diagnostics
        self._progress, self._background, self._settings = progress, background, settings
        self.max_turns = max_turns
        self.unsandboxed = False  # set from the config by the engine adapter
        self._tasks: dict[str, tuple[str, Task]] = {}
        self._live: dict[str, _Live] = {}
        self._text = TextCoalescer(self._emit_text)
        self._secrets = secret_values()

    # --- the tasks shown (the engine's events carry only the task id) -----------------------

    def follow(self, uri: str, task: Task) -> None:
        """Show the events of `task` on the document `uri` (the engine adapter says so for every
        task of a document it runs)."""
        self._tasks[task.id] = (uri, task)
        live = self._live.get(task.id)
        if live is not None:
            live.uri, live.task = uri, task

    def show_persisted(self, uri: str, task: Task, stored: TaskRecord) -> None:
        """Show a state remembered from an earlier session (interrupted tasks included)."""
        self.follow(uri, task)
        live = _Live(uri, task, status=wire_status(stored.status), reason=stored.reason)
        live.attempt = stored.attempts
        live.turns_done = stored.turns
        live.usage_done = stored.usage.to_usage()
        live.usage_review = stored.review_usage.to_usage()
        live.problems = len(stored.problems)
        live.commit = stored.commit
        live.duration_s = stored.duration_s
        self._live[task.id] = live
        self._push(live)
        if live.status in ("failed", "regressed") and stored.problems:
            problems = [p.to_problem() for p in stored.problems]
            self._diagnostics.publish_check_problems(uri, task, problems)

    def restore(self, task_id: str, state: TaskState) -> None:
        """Put a previously shown state back (after a rollback was undone)."""
        live = self._live.get(task_id)
        if live is None:
            return
        live.status, live.reason, live.phase = state.status, state.reason, ""
        live.problems, live.commit = state.problems, state.commit
        self._push(live)

    # --- the sink ---------------------------------------------------------------------------

    def __call__(self, event: Event) -> None:
        task_id = getattr(event, "task_id", None)
        if not isinstance(task_id, str):
            return
        live = self._live_of(task_id)
        if live is None:
            log.warning("engine event for unknown task %s: %s", task_id, type(event).__name__)
            return
        if isinstance(event, AgentActivity):
            self._agent(live, event)
            return
        self._text.flush(task_id)
        self._transcript(live, event)
        if isinstance(event, TaskQueued):
            self._diagnostics.clear_task(live.uri, task_id)
        elif isinstance(event, TaskStatusChanged):
            self._status(live, event)
        elif isinstance(event, AttemptStarted):
            live.attempt, live.max_attempts = event.attempt, event.max_attempts
            live.phase = "agent starting"
        elif isinstance(event, ChecksStarted):
            live.phase = "verifying"
        elif isinstance(event, ChecksFinished):
            live.problems = len(event.problems)
            if event.passed:
                self._diagnostics.clear_task(live.uri, task_id)
                if live.status in WORKING:  # (not a re-verify of a done task)
                    live.phase = "committing"
            else:
                self._diagnostics.publish_check_problems(live.uri, live.task, event.problems)
        elif isinstance(event, ReviewFinished):
            live.usage_review = live.usage_review + event.usage
            if event.findings:
                live.problems = len(event.findings)
                self._diagnostics.publish_check_problems(live.uri, live.task, event.findings)
        elif isinstance(event, Committed):
            live.commit = event.commit
        elif isinstance(event, RolledBack):
            if event.done:
                self._diagnostics.clear_task(live.uri, task_id)
                live.problems, live.commit = 0, None
        elif isinstance(event, ApprovalRequested):
            lines = len(event.diff_summary.splitlines())
            self._send(
                task_id,
                live.attempt,
                "status",
                f"{task_id} waits for your approval ({lines} diff lines): ✓ Approve & commit, "
                "Show diff or ✗ Reject on its line",
            )
            return
        elif isinstance(event, TaskNotRunnable):
            self._client.window_show_message(
                types.ShowMessageParams(
                    types.MessageType.Warning, f"roadmapd: {task_id} not run: {event.reason}"
                )
            )
            return
        else:
            return
        self._push(live)

    # --- internals ---------------------------------------------------------------------------

    def _live_of(self, task_id: str) -> _Live | None:
        live = self._live.get(task_id)
        if live is None and (where := self._tasks.get(task_id)) is not None:
            live = self._live[task_id] = _Live(*where)
        if live is not None:
            live.unsandboxed = self.unsandboxed
        return live

    def _status(self, live: _Live, event: TaskStatusChanged) -> None:
        status = wire_status(event.status)
        started = status == "running" and event.previous is TaskStatus.QUEUED
        if status == "queued":
            live.attempt = live.turn = live.turns_done = live.problems = 0
            live.usage_done = live.usage_now = live.usage_review = Usage()
            live.commit, live.duration_s, live.started_at = None, None, None
        if started:
            live.started_at = event.at
        elif status not in WORKING and live.started_at is not None:
            live.duration_s = (event.at - live.started_at).total_seconds()
        live.status, live.reason = status, event.reason
        if event.attempt:
            live.attempt = event.attempt
        if status == "queued":
            live.phase = "queued"
        elif status == "verifying":
            live.phase = "verifying"
        elif status not in WORKING:
            live.phase = ""
        if started:
            live.phase = "starting"
            self._background.spawn(self._begin_progress(live), f"progress {live.task.id}")
        if status not in WORKING:
            final = f"{status}: {event.reason}" if event.reason else status
            self._progress.end(live.uri, live.task.id, final)

    async def _begin_progress(self, live: _Live) -> None:
        progress = self._progress
        await progress.begin(live.uri, live.task.id, live.task.title, live.progress_message())
        if self._live.get(live.task.id) is not live or live.status not in WORKING:
            progress.end(live.uri, live.task.id, live.status)  # it ended while we waited

    def _agent(self, live: _Live, activity: AgentActivity) -> None:
        event = activity.event
        task_id = live.task.id
        if isinstance(event, TextDelta):
            self._text.add(task_id, activity.attempt, event.text)
            return
        self._text.flush(task_id)
        self._transcript(live, activity)
        if isinstance(event, TurnStarted):
            live.turn = event.turn
            live.phase = f"agent turn {event.turn}"
        elif isinstance(event, ToolCall):
            live.phase = f"agent turn {live.turn} · {event.name}"
        elif isinstance(event, UsageReport):
            live.usage_now = event.total
        elif isinstance(event, RetryScheduled):
            live.phase = f"API retry in {event.delay_s:.0f}s"
        elif isinstance(event, AgentFinished):
            live.turns_done += event.turns
            live.usage_done = live.usage_done + event.usage
            live.turn, live.usage_now = 0, Usage()
        else:
            return
        self._push(live)

    @property
    def cost_estimated(self) -> bool:
        """The configured models have no known price: every cost shown is an estimate."""
        return is_estimate(*self._settings.config.priced_models)

    def _push(self, live: _Live) -> None:
        state = live.wire(self.cost_estimated)
        if self._states.get(live.uri, live.task.id) != state:
            self._states.update(state)
        message = live.progress_message()
        if live.status in WORKING and message != live.reported:
            live.reported = message
            percentage = None
            if self.max_turns and live.turn:
                percentage = min(99, (live.turns_done + live.turn) * 100 // self.max_turns)
            self._progress.report(live.uri, live.task.id, message, percentage)

    def _transcript(self, live: _Live, event: Event) -> None:
        doc: dict[str, Any] = event_to_json(event, secrets=self._secrets)
        attempt = getattr(event, "attempt", live.attempt)
        for kind, text in describe(doc, cost_estimated=self.cost_estimated):
            self._send(live.task.id, attempt, kind, text)

    def _emit_text(self, task_id: str, attempt: int, text: str) -> None:
        self._send(task_id, attempt, "text", redact(text, self._secrets))

    def _send(self, task_id: str, attempt: int, kind: Kind, text: str) -> None:
        line = TranscriptLine(taskId=task_id, attempt=attempt, kind=kind, text=text)
        notify_transcript(self._client, line)
