"""Batches (`batch_size` 2 or 3): consecutive committed tasks of a section share one agent
conversation; each is still checkpointed, verified and committed on its own."""

from __future__ import annotations

from typing import Any

import pytest

from roadmapd.engine import AttemptStarted, TaskStatus
from roadmapd.engine.batch import BatchCarry

from .conftest import failing, reply

SECTION = ("Plan", "Small things")


def _tasks(h: Any, *ids: str, section: tuple[str, ...] = SECTION) -> list[Any]:
    return [h.Task(i, headings=section) for i in ids]


async def _run_one_by_one(engine: Any, tasks: list[Any]) -> list[TaskStatus]:
    """As `roadmapd run` does: one engine run per task, the engine kept between them."""
    statuses = []
    for task in tasks:
        result = await engine.run([task], all_tasks=tasks)
        statuses.append(result.outcome(task.id).status)
    return statuses


async def test_three_tasks_of_a_section_run_in_one_conversation_and_commit_apart(
    harness: Any,
) -> None:
    h = harness
    engine = h.engine(batch_size=3)
    tasks = _tasks(h, "a", "b", "c", "d")
    assert await _run_one_by_one(engine, tasks) == [TaskStatus.COMMITTED] * 4
    assert [s.tasks for s in h.agent.sessions] == [["a", "b", "c"], ["d"]]
    assert [c["task_id"] for c in h.git.commits] == ["a", "b", "c", "d"]
    assert [cp.task_id for cp in h.git.checkpoints] == ["a", "b", "c", "d"]
    first, full = h.agent.sessions
    assert first.closed  # the batch was full
    assert not full.closed  # held for a fifth task, until the engine closes
    await engine.close()
    assert full.closed
    afters = {e.task_id: e.after for e in h.of_type(AttemptStarted)}
    assert afters == {"a": None, "b": "a", "c": "b", "d": None}


async def test_batch_size_one_never_shares(harness: Any) -> None:
    h = harness
    engine = h.engine()
    await _run_one_by_one(engine, _tasks(h, "a", "b"))
    assert [s.tasks for s in h.agent.sessions] == [["a"], ["b"]]
    assert all(s.closed for s in h.agent.sessions)


async def test_a_failed_task_ends_the_batch(harness: Any) -> None:
    h = harness
    engine = h.engine(batch_size=3, max_attempts=1)
    h.verifier.reports = [h.verifier.fallback, failing()]  # a passes, b fails, c passes
    statuses = await _run_one_by_one(engine, _tasks(h, "a", "b", "c"))
    assert statuses == [TaskStatus.COMMITTED, TaskStatus.FAILED, TaskStatus.COMMITTED]
    assert [s.tasks for s in h.agent.sessions] == [["a", "b"], ["c"]]
    assert h.agent.sessions[0].closed


async def test_another_section_starts_a_fresh_conversation(harness: Any) -> None:
    h = harness
    engine = h.engine(batch_size=3)
    tasks = [*_tasks(h, "a"), *_tasks(h, "b", section=("Plan", "Other"))]
    await _run_one_by_one(engine, tasks)
    assert [s.tasks for s in h.agent.sessions] == [["a"], ["b"]]
    assert h.agent.sessions[0].closed


async def test_a_batch_in_one_run_shares_too(harness: Any) -> None:
    h = harness
    engine = h.engine(batch_size=2)
    tasks = _tasks(h, "a", "b", "c")
    result = await engine.run(tasks, all_tasks=tasks)
    assert [o.status for o in result.outcomes] == [TaskStatus.COMMITTED] * 3
    assert [s.tasks for s in h.agent.sessions] == [["a", "b"], ["c"]]


async def test_a_restart_retry_opens_a_fresh_conversation(harness: Any) -> None:
    h = harness
    engine = h.engine(batch_size=3, retry="restart", max_attempts=2)
    h.verifier.reports = [h.verifier.fallback, failing()]  # b's first attempt fails
    h.agent.replies = [reply("a done"), reply("b try"), reply("b again")]
    statuses = await _run_one_by_one(engine, _tasks(h, "a", "b", "c"))
    assert statuses == [TaskStatus.COMMITTED] * 3
    # b continued a's conversation, then restarted fresh; c continues the fresh one
    assert [s.tasks for s in h.agent.sessions] == [["a", "b"], ["b", "c"]]
    assert h.agent.sessions[0].closed


async def test_a_conversation_kept_too_long_is_not_reused() -> None:
    now = [0.0]

    class Session:
        closed = False

        async def aclose(self) -> None:
            self.closed = True

    carry = BatchCarry(3, clock=lambda: now[0], max_idle_s=240)
    old = Session()
    await carry.keep(old, "a", SECTION, 1)  # type: ignore[arg-type]
    now[0] = 241.0
    assert await carry.take("b", SECTION) is None
    assert old.closed
    fresh = Session()
    await carry.keep(fresh, "b", SECTION, 1)  # type: ignore[arg-type]
    now[0] = 300.0
    held = await carry.take("c", SECTION)
    assert held is not None and held.session is fresh and held.count == 1


def test_batch_size_is_checked() -> None:
    from roadmapd.engine import EngineSettings

    with pytest.raises(ValueError, match="batch_size: expected 1, 2 or 3; got 4"):
        EngineSettings(batch_size=4)
