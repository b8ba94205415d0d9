"""The attempt loop: verify, retry with context, commit, failures, through in-test ports."""

from __future__ import annotations

from typing import Any

from roadmapd.engine import (
    AgentActivity,
    AttemptStarted,
    ChecksFinished,
    Committed,
    RunFinished,
    TaskStatus,
)


async def test_lying_agent_fails_and_retry_gets_the_problems(harness: Any) -> None:
    h = harness
    h.agent.fallback = h.reply("I ran the tests: all tests pass.")
    h.verifier.fallback = h.failing(h.problem("assert add(1, 2) == 4"))
    task = h.Task("T1")

    result = await h.engine(max_attempts=2).run([task])

    outcome = result.outcome("T1")
    assert outcome.status is TaskStatus.FAILED
    assert outcome.attempts == 2
    assert "checks failed after 2 attempt(s): pytest: 1 failed" in outcome.reason
    assert [p.message for p in outcome.problems] == ["assert add(1, 2) == 4"]
    retry = h.agent.sessions[0].received[0]
    assert "FAILED" in retry
    assert "tests/test_x.py:5:1: [pytest] assert add(1, 2) == 4" in retry
    assert "DIFF-MARKER" in retry  # the diff so far
    assert h.checkbox.calls == []
    assert h.git.commits == []
    assert h.statuses("T1") == ["queued", "running", "verifying", "running", "verifying", "failed"]
    assert h.agent.sessions[0].closed


async def test_pass_after_retry_ticks_and_commits(harness: Any) -> None:
    h = harness
    h.verifier.reports = [h.failing(), h.passing()]

    result = await h.engine().run([h.Task("T1")])

    outcome = result.outcome("T1")
    assert outcome.status is TaskStatus.COMMITTED
    assert (outcome.attempts, outcome.turns, outcome.commit) == (2, 2, "abc123")
    assert outcome.usage.output_tokens == 10
    assert h.checkbox.calls == [("T1", True)]
    assert h.git.commits == [{"task_id": "T1", "attempts": 2, "branch_mode": "current"}]
    assert [e.passed for e in h.of_type(ChecksFinished)] == [False, True]
    assert len(h.of_type(Committed)) == 1
    assert h.statuses("T1")[-2:] == ["passed", "committed"]


async def test_attempts_exhausted_keeps_last_problems(harness: Any) -> None:
    h = harness
    h.verifier.reports = [h.failing(h.problem("first")), h.failing(h.problem("second"))]
    h.verifier.fallback = h.failing(h.problem("third"))

    result = await h.engine(max_attempts=3).run([h.Task("T1")])

    outcome = result.outcome("T1")
    assert outcome.status is TaskStatus.FAILED
    assert h.verifier.calls == 3
    assert [p.message for p in outcome.problems] == ["third"]
    assert [e.attempt for e in h.of_type(AttemptStarted)] == [1, 2, 3]


async def test_continue_mode_keeps_one_session(harness: Any) -> None:
    h = harness
    h.verifier.reports = [h.failing(), h.passing()]

    await h.engine(retry="continue").run([h.Task("T1")])

    assert len(h.agent.sessions) == 1
    assert h.git.restores == []
    assert [e.mode for e in h.of_type(AttemptStarted)] == ["first", "continue"]


async def test_restart_mode_restores_and_opens_a_fresh_session(harness: Any) -> None:
    h = harness
    h.verifier.reports = [h.failing(h.problem("boom")), h.passing()]

    result = await h.engine(retry="restart").run([h.Task("T1")])

    assert result.outcome("T1").status is TaskStatus.COMMITTED
    assert len(h.git.restores) == 1
    assert h.git.restores[0] is h.git.checkpoints[0]  # the pre-task checkpoint
    first, second = h.agent.sessions
    assert first.closed and first.context is None
    assert second.started == 1 and second.received == []
    assert "boom" in second.context
    assert [e.mode for e in h.of_type(AttemptStarted)] == ["first", "restart"]


async def test_api_error_ends_the_task_at_once(harness: Any) -> None:
    h = harness
    h.agent.replies = [h.reply("", outcome="api_error", reason="529 overloaded after 3 retries")]

    result = await h.engine(max_attempts=3).run([h.Task("T1")])

    outcome = result.outcome("T1")
    assert outcome.status is TaskStatus.FAILED
    assert outcome.attempts == 1
    assert "api_error" in outcome.reason and "529 overloaded" in outcome.reason
    assert h.verifier.calls == 0


async def test_max_turns_consumes_an_attempt_and_continues(harness: Any) -> None:
    h = harness
    h.agent.replies = [h.reply("...", outcome="max_turns", reason="40 turns")]

    result = await h.engine(max_attempts=2).run([h.Task("T1")])

    assert result.outcome("T1").status is TaskStatus.COMMITTED
    retry = h.agent.sessions[0].received[0]
    assert "ended early" in retry and "40 turns" in retry


async def test_agent_stream_that_raises_fails_the_task(harness: Any) -> None:
    h = harness
    h.agent.replies = [RuntimeError("connection reset")]

    result = await h.engine().run([h.Task("T1")])

    outcome = result.outcome("T1")
    assert outcome.status is TaskStatus.FAILED
    assert "connection reset" in outcome.reason


async def test_checkpoint_failure_means_no_agent_run(harness: Any) -> None:
    h = harness
    h.git.fail_checkpoint = OSError("disk full")

    result = await h.engine().run([h.Task("T1")])

    outcome = result.outcome("T1")
    assert outcome.status is TaskStatus.FAILED
    assert outcome.reason == "checkpoint failed: disk full"
    assert h.agent.sessions == []


async def test_zero_checks_is_a_failure(harness: Any) -> None:
    h = harness
    h.verifier.fallback = h.failing().__class__(())

    result = await h.engine(max_attempts=1).run([h.Task("T1")])

    assert result.outcome("T1").status is TaskStatus.FAILED
    assert "no checks configured or detected" in result.outcome("T1").reason


async def test_commit_refused_leaves_the_task_passed_with_reason(harness: Any) -> None:
    h = harness
    h.git.refuse_commit = "nothing to commit"

    result = await h.engine().run([h.Task("T1")])

    outcome = result.outcome("T1")
    assert outcome.status is TaskStatus.PASSED
    assert outcome.reason == "not committed: nothing to commit"
    assert h.checkbox.calls == [("T1", True)]


async def test_every_agent_event_is_streamed_out(harness: Any) -> None:
    h = harness

    await h.engine().run([h.Task("T1")])

    kinds = [type(e.event).__name__ for e in h.of_type(AgentActivity)]
    assert kinds == ["TurnStarted", "TextDelta", "AgentFinished"]
    assert isinstance(h.events[-1], RunFinished)
