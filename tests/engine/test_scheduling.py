"""Which tasks run, in what order, and how runs stop: deps, queueing, cancellation, rollback."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from roadmapd.engine import RolledBack, RunFinished, TaskNotRunnable, TaskStatus, TaskStatusChanged


async def test_task_with_unfinished_dependency_is_not_runnable(harness: Any) -> None:
    h = harness
    h.persisted["T1"] = TaskStatus.FAILED
    t1, t2 = h.Task("T1"), h.Task("T2", depends=("T1", "T0"))
    engine = h.engine()

    assert engine.not_runnable_reason(t2, [t1, t2]) == (
        "depends on T1 (failed), T0 (not in the roadmap)"
    )
    result = await engine.run([t2], all_tasks=[t1, t2])

    (event,) = h.of_type(TaskNotRunnable)
    assert event.blocked_by == ("T1", "T0")
    assert result.outcome("T2").reason == "depends on T1 (failed), T0 (not in the roadmap)"
    assert h.agent.sessions == []
    assert h.statuses("T2") == []  # never queued


async def test_done_dependencies_count(harness: Any) -> None:
    h = harness
    h.persisted["T0"] = TaskStatus.COMMITTED
    t1 = h.Task("T1", checked=True)
    t2 = h.Task("T2", depends=("T1", "T0"))

    result = await h.engine().run([t2], all_tasks=[t1, t2])

    assert result.outcome("T2").status is TaskStatus.COMMITTED


async def test_dependencies_run_first_and_a_failed_one_skips_its_dependants(harness: Any) -> None:
    h = harness
    h.verifier.fallback = h.failing()
    t1, t2 = h.Task("T1"), h.Task("T2", depends=("T1",))

    result = await h.engine(max_attempts=1).run([t2, t1])

    assert [o.task_id for o in result.outcomes] == ["T1", "T2"]
    assert result.outcome("T1").status is TaskStatus.FAILED
    assert result.outcome("T2").status is TaskStatus.IDLE
    assert result.outcome("T2").reason == "depends on T1 (failed)"
    assert h.statuses("T2") == ["queued", "idle"]
    assert len(h.agent.sessions) == 1


async def test_a_run_stops_when_its_tasks_are_done(harness: Any) -> None:
    h = harness
    t1, t2, t3 = h.Task("T1"), h.Task("T2"), h.Task("T3", checked=True)

    result = await h.engine().run([t1, t3], all_tasks=[t1, t2, t3])

    assert [o.status for o in result.outcomes] == [TaskStatus.COMMITTED, TaskStatus.IDLE]
    assert result.outcome("T3").reason == "already done (ticked in the roadmap)"
    assert len(h.agent.sessions) == 1
    assert h.verifier.calls == 1
    assert isinstance(h.events[-1], RunFinished)


async def test_cancel_mid_agent_propagates_into_the_stream(harness: Any) -> None:
    h = harness
    h.agent.replies = [h.HANG]
    engine = h.engine()
    run = asyncio.create_task(engine.run([h.Task("T1"), h.Task("T2")]))
    await asyncio.wait_for(h.agent.streaming.wait(), 5)

    assert engine.status("T1") is TaskStatus.RUNNING
    assert engine.cancel("T1")
    result = await asyncio.wait_for(run, 5)

    session = h.agent.sessions[0]
    assert session.saw_cancel and session.closed
    assert result.outcome("T1").status is TaskStatus.CANCELLED
    assert result.outcome("T2").status is TaskStatus.COMMITTED  # the run went on
    assert h.git.restores == [] and len(h.git.checkpoints) == 2  # checkpoint kept
    assert not engine.cancel("T1")


async def test_cancelling_the_run_cancels_current_and_queued(harness: Any) -> None:
    h = harness
    h.agent.replies = [h.HANG]
    engine = h.engine()
    run = asyncio.create_task(engine.run([h.Task("T1"), h.Task("T2")]))
    await asyncio.wait_for(h.agent.streaming.wait(), 5)

    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run

    assert h.agent.sessions[0].saw_cancel
    assert engine.status("T1") is TaskStatus.CANCELLED
    assert engine.status("T2") is TaskStatus.CANCELLED
    (finished,) = h.of_type(RunFinished)
    assert finished.cancelled


async def test_second_run_queues_behind_the_first(harness: Any) -> None:
    h = harness
    h.agent.replies = [h.HANG]
    engine = h.engine()
    first = asyncio.create_task(engine.run([h.Task("T1")]))
    await asyncio.wait_for(h.agent.streaming.wait(), 5)
    second = asyncio.create_task(engine.run([h.Task("T1"), h.Task("T2"), h.Task("T3")]))
    await asyncio.sleep(0)

    assert engine.status("T2") is TaskStatus.QUEUED
    refused = [e for e in h.of_type(TaskNotRunnable) if e.task_id == "T1"]
    assert refused[0].reason == "already queued or running"
    assert engine.cancel("T3")  # a queued task never starts
    engine.cancel("T1")
    await asyncio.wait_for(first, 5)
    result = await asyncio.wait_for(second, 5)

    assert result.outcome("T2").status is TaskStatus.COMMITTED
    assert result.outcome("T3").status is TaskStatus.CANCELLED
    assert [s.context for s in h.agent.sessions] == [None, None]  # T1 and T2 only


async def test_stale_running_status_from_another_process_is_refused(harness: Any) -> None:
    h = harness
    h.persisted["T1"] = TaskStatus.RUNNING

    result = await h.engine().run([h.Task("T1")])

    assert "another roadmapd process" in result.outcome("T1").reason
    assert h.agent.sessions == []


async def test_rollback_unticks_and_names_dependants(harness: Any) -> None:
    h = harness
    t1, t2 = h.Task("T1"), h.Task("T2", depends=("T1",))
    engine = h.engine()
    await engine.run([t1, t2])

    event = await engine.rollback(t1, all_tasks=[t1, t2])

    assert event.done and event.method == "revert-commit"
    assert h.git.rollbacks == [("T1", False, ("T2",))]
    assert engine.status("T1") is TaskStatus.ROLLED_BACK
    assert h.checkbox.calls[-1] == ("T1", False)
    again = await engine.rollback(t1)
    assert not again.done and again.reason == "nothing to roll back: the task is rolled_back"
    assert len(h.of_type(RolledBack)) == 2


async def test_undo_gives_the_task_its_status_before_the_rollback(harness: Any) -> None:
    h = harness
    t1 = h.Task("T1")
    engine = h.engine()
    await engine.run([t1])
    assert engine.status("T1") is TaskStatus.COMMITTED
    await engine.rollback(t1)

    undone = await engine.undo_rollback()

    assert undone.done and undone.undo and undone.task_id == "T1"
    assert engine.status("T1") is TaskStatus.COMMITTED
    changed = h.of_type(TaskStatusChanged)[-1]
    assert (changed.previous, changed.status) == (TaskStatus.ROLLED_BACK, TaskStatus.COMMITTED)
    assert h.of_type(RolledBack)[-1] is undone  # the event comes last
    nothing = await engine.undo_rollback()
    assert not nothing.done and nothing.reason == "nothing to undo"
    assert engine.status("T1") is TaskStatus.COMMITTED


async def test_undo_in_a_new_engine_reads_the_persisted_status_before(harness: Any) -> None:
    """The CLI undoes in a new process: the engine knows the task only from the store."""
    h = harness
    h.persisted["T1"] = TaskStatus.ROLLED_BACK
    h.before_rollback["T1"] = TaskStatus.FAILED
    h.git.rolled_back.append("T1")

    undone = await h.engine().undo_rollback()

    assert undone.done and h.of_type(TaskStatusChanged)[-1].status is TaskStatus.FAILED


async def test_undo_leaves_a_task_alone_that_ran_again_since(harness: Any) -> None:
    h = harness
    h.persisted["T1"] = TaskStatus.COMMITTED  # rolled back, then run again
    h.before_rollback["T1"] = TaskStatus.FAILED
    h.git.rolled_back.append("T1")
    engine = h.engine()

    undone = await engine.undo_rollback()

    assert undone.done and engine.status("T1") is TaskStatus.COMMITTED
    assert h.of_type(TaskStatusChanged) == []
