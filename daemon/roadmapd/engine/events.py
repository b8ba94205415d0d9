"""Typed events of a run: everything the engine does is one of these, in order.

One `EventSink` (a plain callable) receives them all; the store's recorder turns them into
the JSONL run log and the task state files, the server into LSP messages, the CLI into progress
output. `roadmapd.engine.serialize.event_to_json` gives the JSON form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from roadmapd.agent.events import AgentEvent, Usage
from roadmapd.problems import CheckResult, Problem
from roadmapd.statuses import TaskStatus


def now() -> datetime:
    """The time events are stamped with (UTC)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineEvent:
    """Base of all engine events: the run it belongs to and when it happened (UTC)."""

    run_id: str
    at: datetime = field(default_factory=now)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStarted(EngineEvent):
    task_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskQueued(EngineEvent):
    task_id: str
    title: str
    position: int  # 1-based place in this run


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskNotRunnable(EngineEvent):
    task_id: str
    reason: str
    blocked_by: tuple[str, ...] = ()  # dependency ids that are not done


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskStatusChanged(EngineEvent):
    task_id: str
    status: TaskStatus
    previous: TaskStatus
    attempt: int
    reason: str | None = None


def unprotected_summary(paths: Sequence[str], shown: int = 5) -> str:
    """The ignored paths a checkpoint left out, a few by name (a rollback cannot restore them)."""
    head = ", ".join(paths[:shown])
    more = f" and {len(paths) - shown} more" if len(paths) > shown else ""
    return f"{head}{more} (ignored; a rollback will not restore them)"


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckpointCreated(EngineEvent):
    task_id: str
    ref: str
    commit: str
    unprotected: tuple[str, ...] = ()  # ignored files and folders the checkpoint left out


@dataclass(frozen=True, slots=True, kw_only=True)
class InputNeeded(EngineEvent):
    """The agent asked a question nobody could answer during the run (headless): the task
    ends `needs_input`; `conversation` (the session's snapshot) is what an answer continues."""

    task_id: str
    question: str
    choices: tuple[str, ...]
    conversation: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptStarted(EngineEvent):
    task_id: str
    attempt: int
    max_attempts: int
    mode: Literal["first", "continue", "restart", "answer"]
    message: str | None = None  # the retry message (continue) or context (restart)
    after: str | None = None  # batch_size > 1: the task whose conversation this one continues


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentActivity(EngineEvent):
    task_id: str
    attempt: int
    event: AgentEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecksStarted(EngineEvent):
    task_id: str
    attempt: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecksFinished(EngineEvent):
    task_id: str
    attempt: int
    passed: bool
    summary: str
    problems: tuple[Problem, ...]
    results: tuple[CheckResult, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceChecked(EngineEvent):
    """The red -> green evidence of an attempt whose checks passed was weighed (from `started`
    to `at`): `passed` False means the pass lacks its evidence and the attempt is refused.
    `tests`: the tests that are the evidence (red at the checkpoint, green after; empty when
    none was needed or the pass rests on `Verify:` commands), recorded with the task: what
    `roadmapd verify` runs again at HEAD."""

    task_id: str
    attempt: int
    started: datetime
    passed: bool
    tests: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewFinished(EngineEvent):
    """The reviewer's verdict on an attempt (its tokens and cost are its own, not the agent's);
    the review ran from `started` (None in logs written before it was recorded) to `at`."""

    task_id: str
    attempt: int
    decision: str  # pass | changes_requested | blocked | error
    reason: str
    findings: tuple[Problem, ...]
    criteria: tuple[tuple[str, bool, str], ...]  # (criterion, met, evidence)
    usage: Usage
    started: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalRequested(EngineEvent):
    task_id: str
    diff_summary: str  # what the user is asked to approve (bounded)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckboxUpdated(EngineEvent):
    task_id: str
    checked: bool
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Committed(EngineEvent):
    task_id: str
    commit: str | None
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RolledBack(EngineEvent):
    """A rollback, or with `undo` the undoing of the latest one (`task_id` is then the task
    whose rollback was undone, "" when unknown, and `backup_ref` the safety ref)."""

    task_id: str
    done: bool
    method: str
    backup_ref: str | None
    files: tuple[str, ...]
    conflicts: tuple[str, ...]
    reason: str | None
    undo: bool = False


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """Where one task of a run ended, with its totals."""

    task_id: str
    status: TaskStatus
    attempts: int = 0
    reason: str | None = None
    turns: int = 0
    usage: Usage = field(default_factory=Usage)
    commit: str | None = None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RunFinished(EngineEvent):
    outcomes: tuple[TaskOutcome, ...]
    cancelled: bool = False
    paused: tuple[str, ...] = ()  # paused: the tasks it did not start (what a resume runs)


Event = (
    RunStarted
    | TaskQueued
    | TaskNotRunnable
    | TaskStatusChanged
    | CheckpointCreated
    | InputNeeded
    | AttemptStarted
    | AgentActivity
    | ChecksStarted
    | ChecksFinished
    | EvidenceChecked
    | ReviewFinished
    | ApprovalRequested
    | CheckboxUpdated
    | Committed
    | RolledBack
    | RunFinished
)

EventSink = Callable[[Event], None]
