"""API faults through the real SDK: what is retried, how long it waits, how an attempt ends."""

from __future__ import annotations

import json
from typing import Any

from roadmapd.agent.events import AgentFinished, RetryScheduled
from roadmapd.testing.harness import FakeServer
from roadmapd.testing.script import drop, error, script, stream_error, text


def retries(events: list[Any]) -> list[RetryScheduled]:
    return [e for e in events if isinstance(e, RetryScheduled)]


def finished(events: list[Any]) -> AgentFinished:
    assert isinstance(events[-1], AgentFinished)
    return events[-1]


async def test_429_retry_after_is_honoured_up_to_the_cap(run_agent: Any) -> None:
    replies = script(
        error(429, "rate_limit_error", "slow down", retry_after=0.02),
        error(429, "rate_limit_error", "slow down", retry_after=30),
        text("ok"),
    )
    with FakeServer(replies) as server:
        _, events = await run_agent(server.url, retry_cap_s=0.05)
        count = len(server.requests())
    assert [r.delay_s for r in retries(events)] == [0.02, 0.05]
    assert "429 rate_limit_error" in retries(events)[0].reason
    assert finished(events).outcome == "end_turn" and count == 3


async def test_529_and_500_are_retried(run_agent: Any) -> None:
    replies = script(
        error(529, "overloaded_error", "Overloaded"),
        error(500, "api_error", "Internal error"),
        text("ok"),
    )
    with FakeServer(replies) as server:
        _, events = await run_agent(server.url)
    reasons = [r.reason for r in retries(events)]
    assert "529 overloaded_error" in reasons[0] and "500 api_error" in reasons[1]
    assert all(0 < r.delay_s <= 0.05 for r in retries(events))
    assert finished(events).outcome == "end_turn"


async def test_mid_stream_error_and_dropped_connection_retry_the_whole_request(
    run_agent: Any,
) -> None:
    replies = script(stream_error(3, "partial"), drop(3, "partial"), text("complete"))
    with FakeServer(replies) as server:
        session, events = await run_agent(server.url)
        requests = server.requests()
    reasons = [r.reason for r in retries(events)]
    assert "overloaded_error" in reasons[0]
    assert "connection" in reasons[1] or "ended early" in reasons[1]
    assert finished(events).outcome == "end_turn"
    assert len(requests) == 3 and requests[2]["body"] == requests[0]["body"]
    assert session.messages[-1]["content"] == [{"type": "text", "text": "complete"}]


async def test_retry_budget_exhausted_is_an_api_error_with_a_reason(run_agent: Any) -> None:
    with FakeServer(script(*[error(503, "api_error", "down")] * 5)) as server:
        _, events = await run_agent(server.url, max_retries=2)
        count = len(server.requests())
    done = finished(events)
    assert count == 3 and len(retries(events)) == 2
    assert done.outcome == "api_error"
    assert done.reason == "API unavailable (503 api_error): down (after 3 attempts)"


async def test_401_is_not_retried(run_agent: Any, api_key: str) -> None:
    replies = script(error(401, "authentication_error", f"invalid x-api-key {api_key}"))
    with FakeServer(replies) as server:
        _, events = await run_agent(server.url)
        count = len(server.requests())
    done = finished(events)
    assert count == 1 and retries(events) == []
    assert (done.outcome, done.reason) == (
        "api_error",
        "authentication failed: check ANTHROPIC_API_KEY",
    )
    assert api_key not in json.dumps([repr(e) for e in events])


async def test_400_is_not_retried_and_says_why(run_agent: Any) -> None:
    with FakeServer(script(error(400, "invalid_request_error", "prompt is too long"))) as server:
        _, events = await run_agent(server.url)
        count = len(server.requests())
    done = finished(events)
    assert count == 1 and done.outcome == "api_error"
    assert "prompt is too long" in done.reason and "400" in done.reason


async def test_exhausted_script_and_unreachable_server_end_cleanly(run_agent: Any) -> None:
    with FakeServer(script()) as server:
        _, events = await run_agent(server.url, max_retries=1)
    assert finished(events).outcome == "api_error"
    _, events = await run_agent("http://127.0.0.1:9", max_retries=1)
    done = finished(events)
    assert done.outcome == "api_error" and "connection" in done.reason.lower()


async def test_secret_in_an_error_message_is_redacted(run_agent: Any, api_key: str) -> None:
    replies = script(error(400, "invalid_request_error", f"bad key {api_key} in body"))
    with FakeServer(replies) as server:
        _, events = await run_agent(server.url)
    assert "[redacted]" in finished(events).reason
    assert api_key not in finished(events).reason


async def test_server_saying_do_not_retry_is_not_retried(run_agent: Any) -> None:
    # The fake server marks its "script exhausted" 500 with `x-should-retry: false`.
    with FakeServer(script()) as server:
        _, events = await run_agent(server.url)
        count = len(server.requests())
    assert retries(events) == []
    assert finished(events).outcome == "api_error"
    assert count == 1
