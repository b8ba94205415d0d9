"""The run budget: charged turn by turn over all tasks of a run; spent stops the run."""

from __future__ import annotations

from typing import Any

from roadmapd.agent.events import AgentFinished, TurnStarted, Usage, UsageReport
from roadmapd.engine import AgentActivity, RunBudget, RunFinished, TaskNotRunnable, TaskStatus


def _turns(*costs: float) -> list[object]:
    """An agent reply of len(costs) turns, each reported with its cost, then end_turn."""
    events: list[object] = []
    total = Usage()
    for n, cost in enumerate(costs, 1):
        usage = Usage(input_tokens=100, output_tokens=10, cost_usd=cost)
        total = total + usage
        events += [TurnStarted(n), UsageReport(n, usage, total)]
    events.append(AgentFinished("end_turn", "done", len(costs), total))
    return events


async def test_spent_budget_stops_the_task_under_way_and_skips_the_rest(harness: Any) -> None:
    h = harness
    h.agent.replies = [_turns(0.3, 0.3), _turns(0.3, 0.3, 0.3)]
    t1, t2, t3 = h.Task("T1"), h.Task("T2"), h.Task("T3")

    result = await h.engine(run_budget_usd=1.0).run([t1, t2, t3])

    assert result.outcome("T1").status is TaskStatus.COMMITTED
    second = result.outcome("T2")
    assert second.status is TaskStatus.FAILED
    assert second.reason == "run budget spent: $1.2000 of $1.0000"
    assert second.turns == 2 and round(second.usage.cost_usd, 4) == 0.6  # stopped mid-reply
    stop = [
        e.event
        for e in h.of_type(AgentActivity)
        if isinstance(e.event, AgentFinished) and e.event.outcome == "budget"
    ]
    assert len(stop) == 1 and stop[0].usage.cost_usd == second.usage.cost_usd
    assert result.outcome("T3").status is TaskStatus.IDLE
    (skipped,) = h.of_type(TaskNotRunnable)
    assert (skipped.task_id, skipped.reason) == ("T3", "run budget spent: $1.2000 of $1.0000")
    assert len(h.agent.sessions) == 2 and h.verifier.calls == 1


async def test_one_budget_is_shared_by_several_runs(harness: Any) -> None:
    h = harness
    engine = h.engine()
    budget = RunBudget(0.015)
    first = await engine.run([h.Task("T1")], budget=budget)  # the fake reply costs $0.01
    second = await engine.run([h.Task("T2")], budget=budget)
    third = await engine.run([h.Task("T3")], budget=budget)

    assert first.outcome("T1").status is TaskStatus.COMMITTED
    assert second.outcome("T2").status is TaskStatus.FAILED
    assert "run budget spent" in (second.outcome("T2").reason or "")
    assert third.outcome("T3").status is TaskStatus.IDLE
    assert len(h.agent.sessions) == 2


async def test_without_a_budget_nothing_is_stopped(harness: Any) -> None:
    h = harness
    h.agent.replies = [_turns(50.0, 50.0)]
    result = await h.engine().run([h.Task("T1")])
    assert result.outcome("T1").status is TaskStatus.COMMITTED


async def test_a_run_never_continues_after_its_tasks_are_done(harness: Any) -> None:
    h = harness
    others = [h.Task(f"X{i}") for i in range(3)]
    t1 = h.Task("T1")
    engine = h.engine()

    result = await engine.run([t1], all_tasks=[t1, *others])

    assert [o.task_id for o in result.outcomes] == ["T1"]
    assert len(h.agent.sessions) == 1 and h.verifier.calls == 1
    assert isinstance(h.events[-1], RunFinished)  # nothing happens after the run finished
    assert all(engine.status(t.id) is TaskStatus.IDLE for t in others)
    assert engine.current_task_id is None
