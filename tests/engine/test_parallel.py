"""Parallel runs with in-test lanes: concurrency, waiting rules, commits in roadmap order."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from roadmapd.agent.events import AgentEvent, AgentFinished, TextDelta, TurnStarted, Usage
from roadmapd.engine import EngineSettings, Event, LanePorts, TaskEngine, TaskStatus
from roadmapd.problems import CheckReport, CheckResult


@dataclass(frozen=True)
class FileTask:
    id: str
    title: str = "a task"
    checked: bool = False
    depends: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    verify: tuple[str, ...] = ()
    evidence: str | None = None


@dataclass(frozen=True)
class Change:
    path: str
    before: str | None
    after: str | None
    existed: bool = False
    exists: bool = True
    binary: bool = False
    size: int = 5


@dataclass(frozen=True)
class Checkpoint:
    task_id: str
    ref: str = "refs/roadmapd/checkpoints/x/1"
    commit: str = "c0ffee"
    unprotected: tuple[str, ...] = ()


@dataclass(frozen=True)
class Commit:
    committed: bool
    commit: str | None
    files: tuple[str, ...]
    reason: str | None


class Session:
    def __init__(self, shared: Shared, task_id: str) -> None:
        self.shared, self.task_id = shared, task_id

    def start(self) -> AsyncIterator[AgentEvent]:
        return self._stream()

    def send(self, message: str) -> AsyncIterator[AgentEvent]:
        return self._stream()

    async def _stream(self) -> AsyncIterator[AgentEvent]:
        shared = self.shared
        shared.live += 1
        shared.running.add(self.task_id)
        shared.seen.append(frozenset(shared.running))
        shared.peak = max(shared.peak, shared.live)
        if shared.live >= shared.want:
            shared.together.set()
        try:
            await asyncio.wait_for(asyncio.shield(shared.together.wait()), shared.wait_s)
        except TimeoutError:
            pass
        finally:
            shared.live -= 1
            shared.running.discard(self.task_id)
        yield TurnStarted(1)
        yield TextDelta(f"did {self.task_id}")
        yield AgentFinished("end_turn", "", 1, Usage(cost_usd=0.01))

    async def aclose(self) -> None:
        return None


class Agent:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    async def open(self, task: Any, *, context: str | None, after: Any = None) -> Session:
        return Session(self.shared, task.id)


class Verifier:
    async def verify(self, task: Any) -> CheckReport:
        return CheckReport((CheckResult("t", "t", True, 0, 0.1, summary="ok"),))

    async def baseline(self, task: Any) -> CheckReport:
        return CheckReport(results=())

    async def tests_at_checkpoint(self, task: Any, cp: Any, files: Any) -> CheckReport:
        raise AssertionError("not used")


class Checkbox:
    async def set_checked(self, task: Any, checked: bool) -> None:
        return None


class Git:
    def __init__(self, shared: Shared | None) -> None:
        self.shared = shared

    async def checkpoint(self, task_id: str, title: str = "") -> Checkpoint:
        return Checkpoint(task_id)

    async def diff_since(self, cp: Checkpoint, max_chars: int = 0) -> str:
        return ""

    async def changes(self, cp: Checkpoint) -> tuple[Change, ...]:
        return (Change(f"{cp.task_id}.py", None, "work\n"),)

    async def restore(self, cp: Checkpoint) -> Any:
        raise AssertionError("not used")

    async def commit_task(self, cp: Checkpoint, **kw: Any) -> Commit:
        task_id = kw["task_id"]
        if self.shared is None:
            return Commit(True, "main", ("x",), None)
        self.shared.commits.append(task_id)
        if task_id in self.shared.refuse:
            return Commit(False, None, (), f"needs attention: conflict; branch roadmapd/{task_id}")
        return Commit(True, f"c-{task_id}", ("x",), None)

    async def rollback(self, task_id: str, **kw: Any) -> Any:
        raise AssertionError("not used")


@dataclass
class Shared:
    want: int = 2
    wait_s: float = 0.5
    live: int = 0
    peak: int = 0
    together: asyncio.Event = field(default_factory=asyncio.Event)
    commits: list[str] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    closed: list[tuple[str, bool]] = field(default_factory=list)
    running: set[str] = field(default_factory=set)
    seen: list[frozenset[str]] = field(default_factory=list)  # who ran together


class Lanes:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared
        self.opened: list[str] = []

    async def open(self, task: Any) -> LanePorts[Any]:
        self.opened.append(task.id)
        return LanePorts(Agent(self.shared), Verifier(), Git(self.shared), Checkbox())

    async def close(self, task: Any, lane: LanePorts[Any], *, integrated: bool) -> None:
        self.shared.closed.append((task.id, integrated))


def _engine(shared: Shared, events: list[Event], max_parallel: int) -> TaskEngine[Any, Any]:
    return TaskEngine(
        agent=Agent(shared),
        verifier=Verifier(),
        git=Git(None),
        checkbox=Checkbox(),
        sink=events.append,
        settings=EngineSettings(max_parallel=max_parallel),
        lanes=Lanes(shared),
    )


async def test_independent_tasks_overlap_and_commit_in_roadmap_order() -> None:
    shared, events = Shared(want=3, wait_s=5), []  # type: ignore[var-annotated]
    tasks = [FileTask("A", files=("a.py",)), FileTask("B", files=("b.py",)), FileTask("C")]
    result = await _engine(shared, events, 3).run(tasks)
    assert [o.status for o in result.outcomes] == [TaskStatus.COMMITTED] * 3
    assert shared.peak == 3  # all three agents were working at the same time
    assert shared.commits == ["A", "B", "C"]
    assert sorted(shared.closed) == [("A", True), ("B", True), ("C", True)]


async def test_dependants_and_overlapping_files_wait() -> None:
    shared, events = Shared(want=2, wait_s=0.2), []  # type: ignore[var-annotated]
    tasks = [
        FileTask("A", files=("x.py",)),
        FileTask("B", files=("x.py",)),  # same file as A: waits for A
        FileTask("C", depends=("A",)),  # depends on A
    ]
    result = await _engine(shared, events, 4).run(tasks)
    assert [o.status for o in result.outcomes] == [TaskStatus.COMMITTED] * 3
    assert not any("A" in ids and len(ids) > 1 for ids in shared.seen)  # A ran alone
    assert shared.commits == ["A", "B", "C"]


async def test_a_refused_integration_leaves_the_task_passed_with_its_branch() -> None:
    shared, events = Shared(want=2, wait_s=5), []  # type: ignore[var-annotated]
    shared.refuse = {"B"}
    result = await _engine(shared, events, 2).run([FileTask("A"), FileTask("B")])
    assert result.outcome("A").status is TaskStatus.COMMITTED
    second = result.outcome("B")
    assert second.status is TaskStatus.PASSED
    assert "needs attention" in (second.reason or "") and "roadmapd/B" in (second.reason or "")
    assert ("B", False) in shared.closed


async def test_cancel_one_lane_and_max_parallel_one_stays_serial() -> None:
    shared, events = Shared(want=3, wait_s=30), []  # type: ignore[var-annotated]
    engine = _engine(shared, events, 2)
    run = asyncio.create_task(engine.run([FileTask("A"), FileTask("B")]))
    for _ in range(500):
        if shared.live == 2:
            break
        await asyncio.sleep(0.01)
    assert engine.cancel("A") and engine.cancel("B")
    result = await asyncio.wait_for(run, 10)
    assert {o.status for o in result.outcomes} == {TaskStatus.CANCELLED}

    serial = Shared(want=2, wait_s=0.05)
    out = await _engine(serial, [], 1).run([FileTask("A"), FileTask("B")])
    assert [o.status for o in out.outcomes] == [TaskStatus.COMMITTED] * 2
    assert serial.commits == [] and serial.peak == 1  # no lanes, one at a time


async def test_runs_started_while_others_work_join_them() -> None:
    """Tasks started one run at a time (clicks in an editor) share the lanes: they overlap,
    commit in the order they were started, and cancelling one run leaves the other alone."""
    shared, events = Shared(want=2, wait_s=5), []  # type: ignore[var-annotated]
    engine = _engine(shared, events, 2)
    assert engine.parallel
    first = asyncio.create_task(engine.run([FileTask("A", files=("a.py",))]))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(engine.run([FileTask("B", files=("b.py",))]))
    done = await asyncio.wait_for(asyncio.gather(first, second), 10)
    assert [r.outcomes[0].status for r in done] == [TaskStatus.COMMITTED] * 2
    assert shared.peak == 2 and shared.commits == ["A", "B"]

    slow = Shared(want=3, wait_s=30)
    engine = _engine(slow, [], 2)
    kept = asyncio.create_task(engine.run([FileTask("C", files=("c.py",))]))
    dropped = asyncio.create_task(
        engine.run([FileTask("D", files=("d.py",)), FileTask("E", files=("c.py",))])
    )
    for _ in range(500):
        if slow.live == 2:
            break
        await asyncio.sleep(0.01)
    assert sorted(engine.running_task_ids) == ["C", "D"]  # E waits: its file is C's
    dropped.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(dropped, 10)
    assert engine.status("D") is TaskStatus.CANCELLED and engine.status("E") is TaskStatus.CANCELLED
    assert engine.running_task_ids == ["C"]
    slow.together.set()
    result = await asyncio.wait_for(kept, 10)
    assert result.outcomes[0].status is TaskStatus.COMMITTED and slow.commits == ["C"]
