"""The reviewer role in the engine: pass, changes requested (findings to the next attempt),
blocked (needs_replan), and a review that gave no valid verdict."""

from __future__ import annotations

from typing import Any

from roadmapd.engine import ReviewFinished, TaskStatus

from .conftest import FakeFinding, FakeReview, FakeReviewer


async def test_a_passing_review_commits_and_says_so(harness: Any) -> None:
    h = harness
    reviewer = FakeReviewer(FakeReview("pass", "does what the task asks"))
    outcome = (await h.engine(reviewer, review="agent").run([h.Task("T1")])).outcome("T1")
    assert outcome.status is TaskStatus.COMMITTED and outcome.reason == "review ok"
    assert reviewer.seen == [("T1", h.git.diff)]
    assert [e.decision for e in h.of_type(ReviewFinished)] == ["pass"]


async def test_requested_changes_go_back_to_the_agent_as_findings(harness: Any) -> None:
    h = harness
    finding = FakeFinding("divide by zero is not handled", "calc.py", 7, "raise ValueError")
    reviewer = FakeReviewer(
        FakeReview("changes_requested", "an edge case is missing", (finding,)),
        FakeReview("pass", "fixed"),
    )
    outcome = (await h.engine(reviewer, review="agent").run([h.Task("T1")])).outcome("T1")
    assert outcome.status is TaskStatus.COMMITTED and outcome.attempts == 2
    retry = h.agent.sessions[0].received[0]
    assert "the reviewer requested changes: an edge case is missing" in retry
    assert "calc.py:7:1: divide by zero is not handled (fix: raise ValueError)" in retry
    first = h.of_type(ReviewFinished)[0]
    assert first.findings[0].source == "review" and first.findings[0].file == "calc.py"


async def test_blocked_ends_the_task_as_needs_replan(harness: Any) -> None:
    h = harness
    reviewer = FakeReviewer(FakeReview("blocked", "the task contradicts the README"))
    outcome = (await h.engine(reviewer, review="agent").run([h.Task("T1")])).outcome("T1")
    assert outcome.status is TaskStatus.NEEDS_REPLAN
    assert outcome.reason == "needs replan: the task contradicts the README"
    assert h.git.commits == []


async def test_a_review_without_a_valid_verdict_needs_attention(harness: Any) -> None:
    h = harness
    reviewer = FakeReviewer(FakeReview("error", "the reviewer gave no valid verdict twice"))
    outcome = (await h.engine(reviewer, review="agent").run([h.Task("T1")])).outcome("T1")
    assert outcome.status is TaskStatus.FAILED
    assert outcome.reason == "needs attention: the reviewer gave no valid verdict twice"


async def test_review_off_asks_no_reviewer(harness: Any) -> None:
    h = harness
    reviewer = FakeReviewer()
    outcome = (await h.engine(reviewer).run([h.Task("T1")])).outcome("T1")
    assert outcome.status is TaskStatus.COMMITTED and reviewer.seen == []
