"""The reviewer through the real SDK and the fake Messages API: a forced tool call, parsed."""

from __future__ import annotations

from typing import Any

from roadmapd.agent.review import TOOL_NAME, Reviewer, review_prompt
from roadmapd.agent.settings import AgentSettings
from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, tool_use


def _settings(url: str) -> AgentSettings:
    return AgentSettings(base_url=url, model="claude-sonnet-4-6", retry_base_s=0.01)


PROMPT = review_prompt(
    "Add subtract", ["Files: calc.py"], ["subtract(5, 3) == 2"], "+def subtract", "tests: ok"
)


async def _review(*replies: dict[str, Any]) -> tuple[Any, list[Any]]:
    with FakeServer(script(*replies)) as server:
        review = await Reviewer(_settings(server.url), api_key="sk-test-review-key").review(PROMPT)
        return review, server.requests()


async def test_the_verdict_is_a_forced_tool_call_with_criteria() -> None:
    verdict = {
        "decision": "pass",
        "reason": "subtract is there and tested",
        "criteria": [{"criterion": "subtract(5, 3) == 2", "met": True, "evidence": "test"}],
    }
    review, requests = await _review(tool_use(TOOL_NAME, verdict))
    assert review.decision == "pass" and review.reason == "subtract is there and tested"
    assert review.criteria[0].met and review.usage.output_tokens > 0
    body = requests[0]["body"]
    assert body["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert [t["name"] for t in body["tools"]] == [TOOL_NAME]
    text = body["messages"][0]["content"]
    assert "Acceptance criteria:\n- subtract(5, 3) == 2" in text and "+def subtract" in text


async def test_changes_requested_carry_findings() -> None:
    verdict = {
        "decision": "changes_requested",
        "reason": "no negative numbers",
        "findings": [{"file": "calc.py", "line": 4, "message": "untested", "fix": "add a test"}],
    }
    review, _ = await _review(tool_use(TOOL_NAME, verdict))
    assert review.decision == "changes_requested"
    assert (review.findings[0].file, review.findings[0].line) == ("calc.py", 4)


async def test_a_malformed_verdict_is_sent_back_once_then_accepted() -> None:
    bad = tool_use(TOOL_NAME, {"decision": "maybe", "reason": "unsure"})
    good = tool_use(TOOL_NAME, {"decision": "blocked", "reason": "the task is unclear"})
    review, requests = await _review(bad, good)
    assert review.decision == "blocked" and len(requests) == 2
    returned = requests[1]["body"]["messages"][-1]["content"][0]
    assert returned["type"] == "tool_result" and returned["is_error"]
    assert "invalid verdict: decision" in returned["content"]


async def test_two_malformed_verdicts_end_in_error() -> None:
    bad = tool_use(TOOL_NAME, {"reason": "no decision"})
    review, requests = await _review(bad, bad)
    assert review.decision == "error" and len(requests) == 2
    assert "no valid verdict twice" in review.reason
