"""In-test port implementations for the pure engine (no network, no git, no subprocess)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import pytest

from roadmapd.agent.events import AgentEvent, AgentFinished, TextDelta, TurnStarted, Usage
from roadmapd.engine import EngineSettings, Event, TaskEngine, TaskStatus, TaskStatusChanged
from roadmapd.problems import CheckReport, CheckResult, Problem, Range

HANG = "hang"  # a reply that never ends (until cancelled)


@dataclass(frozen=True)
class FakeTask:
    id: str
    title: str = "a task"
    checked: bool = False
    depends: tuple[str, ...] = ()
    verify: tuple[str, ...] = ()
    evidence: str | None = None
    files: tuple[str, ...] = ()
    headings: tuple[str, ...] = ()


@dataclass(frozen=True)
class FakeChange:
    path: str
    before: str | None
    after: str | None
    existed: bool = True
    exists: bool = True
    binary: bool = False
    size: int = 10


@dataclass(frozen=True)
class FakeCheckpoint:
    task_id: str
    ref: str
    commit: str
    unprotected: tuple[str, ...] = ()


@dataclass(frozen=True)
class FakeCommit:
    committed: bool
    commit: str | None
    files: tuple[str, ...]
    reason: str | None


@dataclass(frozen=True)
class FakeRollback:
    done: bool
    backup_ref: str | None = "refs/roadmapd/backup/1"
    files: tuple[str, ...] = ("a.py",)
    conflicts: tuple[str, ...] = ()
    method: str = "revert-commit"
    reason: str | None = None
    task_id: str | None = None


def reply(
    text: str, outcome: str = "end_turn", reason: str = "", cost: float = 0.01
) -> list[AgentEvent]:
    return [
        TurnStarted(1),
        TextDelta(text),
        AgentFinished(outcome, reason, 1, Usage(input_tokens=10, output_tokens=5, cost_usd=cost)),  # type: ignore[arg-type]
    ]


class FakeSession:
    def __init__(self, agent: FakeAgent, context: str | None) -> None:
        self.agent = agent
        self.context = context
        self.received: list[str] = []
        self.tasks: list[str] = []  # the tasks this conversation ran (more than one: a batch)
        self.started = 0
        self.closed = False
        self.saw_cancel = False

    def start(self) -> AsyncIterator[AgentEvent]:
        self.started += 1
        return self._stream()

    def send(self, message: str) -> AsyncIterator[AgentEvent]:
        self.received.append(message)
        return self._stream()

    async def _stream(self) -> AsyncIterator[AgentEvent]:
        script = self.agent.replies.pop(0) if self.agent.replies else self.agent.fallback
        self.agent.streaming.set()
        if script == HANG:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.saw_cancel = True
                raise
        if isinstance(script, BaseException):
            raise script
        for event in script:
            yield event

    async def aclose(self) -> None:
        self.closed = True


class FakeAgent:
    def __init__(self) -> None:
        self.replies: list[object] = []
        self.fallback: object = reply("done")
        self.sessions: list[FakeSession] = []
        self.streaming = asyncio.Event()

    async def open(
        self, task: FakeTask, *, context: str | None, after: object = None
    ) -> FakeSession:
        if isinstance(after, FakeSession):
            after.tasks.append(task.id)
            return after
        session = FakeSession(self, context)
        session.tasks.append(task.id)
        self.sessions.append(session)
        return session


def problem(msg: str = "assert 1 == 2", file: str = "tests/test_x.py", line: int = 4) -> Problem:
    return Problem(msg, Range.of_line(line), source="pytest", file=file)


def failing(*problems: Problem) -> CheckReport:
    probs = problems or (problem(),)
    return CheckReport(
        (CheckResult("pytest", "pytest -q", False, 1, 0.1, probs, summary="1 failed"),)
    )


def passing() -> CheckReport:
    return CheckReport((CheckResult("pytest", "pytest -q", True, 0, 0.1, summary="3 passed"),))


class FakeVerifier:
    def __init__(self) -> None:
        self.reports: list[CheckReport] = []
        self.fallback = passing()
        self.calls = 0
        self.at_baseline = CheckReport(results=())  # no tests at the checkpoint: no evidence
        self.at_checkpoint = CheckReport(results=())
        self.evidence_runs: list[list[str]] = []

    async def verify(self, task: FakeTask) -> CheckReport:
        self.calls += 1
        return self.reports.pop(0) if self.reports else self.fallback

    async def baseline(self, task: FakeTask) -> CheckReport:
        return self.at_baseline

    async def tests_at_checkpoint(
        self, task: FakeTask, checkpoint: object, files: list[str]
    ) -> CheckReport:
        self.evidence_runs.append(list(files))
        return self.at_checkpoint


class FakeGit:
    def __init__(self) -> None:
        self.checkpoints: list[FakeCheckpoint] = []
        self.restores: list[FakeCheckpoint] = []
        self.commits: list[dict[str, object]] = []
        self.rollbacks: list[tuple[str, bool, tuple[str, ...]]] = []
        self.rolled_back: list[str] = []  # what undo_rollback would restore, newest last
        self.refuse_commit: str | None = None
        self.fail_checkpoint: Exception | None = None
        self.diff = "diff --git a/x.py b/x.py\n+DIFF-MARKER\n"
        # what each attempt changed, oldest first; the last one repeats
        self.attempt_changes: list[tuple[FakeChange, ...]] = [
            (FakeChange("x.py", "old\n", "new\n"),)
        ]

    async def checkpoint(self, task_id: str, title: str = "") -> FakeCheckpoint:
        if self.fail_checkpoint:
            raise self.fail_checkpoint
        cp = FakeCheckpoint(task_id, f"refs/roadmapd/checkpoints/{task_id}/1", "c0ffee")
        self.checkpoints.append(cp)
        return cp

    async def diff_since(self, cp: FakeCheckpoint, max_chars: int = 20_000) -> str:
        return self.diff[:max_chars]

    async def changes(self, cp: FakeCheckpoint) -> tuple[FakeChange, ...]:
        if len(self.attempt_changes) > 1:
            return self.attempt_changes.pop(0)
        return self.attempt_changes[0]

    async def restore(self, cp: FakeCheckpoint) -> FakeRollback:
        self.restores.append(cp)
        return FakeRollback(True, method="files-restored")

    async def commit_task(
        self, cp: FakeCheckpoint, *, title: str, task_id: str, attempts: int, branch_mode: str
    ) -> FakeCommit:
        self.commits.append({"task_id": task_id, "attempts": attempts, "branch_mode": branch_mode})
        if self.refuse_commit:
            return FakeCommit(False, None, (), self.refuse_commit)
        return FakeCommit(True, "abc123", ("x.py",), None)

    async def rollback(
        self, task_id: str, *, force: bool = False, dependants: Sequence[str] = ()
    ) -> FakeRollback:
        self.rollbacks.append((task_id, force, tuple(dependants)))
        self.rolled_back.append(task_id)
        return FakeRollback(True)

    async def undo_rollback(self) -> FakeRollback:
        if not self.rolled_back:
            return FakeRollback(False, None, (), method="refused", reason="nothing to undo")
        return FakeRollback(True, "refs/roadmapd/safety/1", task_id=self.rolled_back.pop())


class FakeCheckbox:
    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    async def set_checked(self, task: FakeTask, checked: bool) -> None:
        self.calls.append((task.id, checked))


@dataclass
class Harness:
    agent: FakeAgent = field(default_factory=FakeAgent)
    verifier: FakeVerifier = field(default_factory=FakeVerifier)
    git: FakeGit = field(default_factory=FakeGit)
    checkbox: FakeCheckbox = field(default_factory=FakeCheckbox)
    events: list[Event] = field(default_factory=list)
    persisted: dict[str, TaskStatus] = field(default_factory=dict)
    before_rollback: dict[str, TaskStatus] = field(default_factory=dict)  # persisted history

    def engine(
        self, reviewer: object = None, **settings: object
    ) -> TaskEngine[FakeTask, FakeCheckpoint]:
        return TaskEngine(
            agent=self.agent,
            verifier=self.verifier,
            git=self.git,
            checkbox=self.checkbox,
            sink=self.events.append,
            settings=EngineSettings(**settings),  # type: ignore[arg-type]
            lookup=self.persisted.get,
            history=self.before_rollback.get,
            reviewer=reviewer,  # type: ignore[arg-type]
        )

    HANG = HANG
    Task = FakeTask
    Change = FakeChange
    reply = staticmethod(reply)
    problem = staticmethod(problem)
    failing = staticmethod(failing)
    passing = staticmethod(passing)

    def statuses(self, task_id: str) -> list[str]:
        return [
            e.status.value
            for e in self.events
            if isinstance(e, TaskStatusChanged) and e.task_id == task_id
        ]

    def of_type(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def harness() -> Harness:
    return Harness()


@dataclass(frozen=True)
class FakeFinding:
    message: str
    file: str | None = None
    line: int | None = None
    fix: str = ""


@dataclass(frozen=True)
class FakeReview:
    decision: str
    reason: str
    findings: tuple[FakeFinding, ...] = ()
    criteria: tuple[object, ...] = ()
    usage: Usage = field(default_factory=Usage)


class FakeReviewer:
    def __init__(self, *reviews: FakeReview) -> None:
        self.reviews = list(reviews)
        self.seen: list[tuple[str, str]] = []

    async def review(self, task: FakeTask, diff: str, report: CheckReport) -> FakeReview:
        self.seen.append((task.id, diff))
        return self.reviews.pop(0)
