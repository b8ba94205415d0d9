"""The one-shot completion through the real SDK and the fake Messages API: the agent's request
path (faults, retries, pricing) and its typed events, without tools."""

from __future__ import annotations

from typing import Any

import pytest

from roadmapd.agent.completion import complete
from roadmapd.agent.events import (
    AgentFinished,
    RetryScheduled,
    TextDelta,
    TurnStarted,
    UsageReport,
)
from roadmapd.agent.pricing import cost_usd
from roadmapd.testing import FakeServer
from roadmapd.testing.script import error, script, stream_error, text

USAGE = {"input_tokens": 1200, "output_tokens": 300, "cache_read_input_tokens": 0}


async def test_a_fault_is_retried_and_the_answer_priced(make_settings: Any, api_key: str) -> None:
    replies = script(stream_error(2, "partial"), {**text("three subtasks"), "usage": USAGE})
    events: list[Any] = []
    with FakeServer(replies) as server:
        answer = await complete(
            make_settings(server.url, max_tokens=512),
            system="You plan.",
            prompt=f"Break it down; never repeat {api_key}",
            api_key=api_key,
            on_event=events.append,
        )
        requests = server.requests()
    assert answer.text == "three subtasks" and not answer.failed
    assert type(events[0]) is TurnStarted and events[-1] == answer.finished
    (retry,) = [e for e in events if isinstance(e, RetryScheduled)]
    assert "overloaded_error" in retry.reason
    assert "three subtasks" in "".join(e.text for e in events if isinstance(e, TextDelta))
    (report,) = [e for e in events if isinstance(e, UsageReport)]
    priced = cost_usd(
        "claude-sonnet-4-6", input_tokens=1200, cache_write=0, cache_read=0, output_tokens=300
    )
    assert report.usage.cost_usd == pytest.approx(priced) == 0.0081
    assert answer.finished.usage == report.usage
    assert (answer.finished.outcome, answer.finished.turns) == ("end_turn", 1)
    assert len(requests) == 2 and requests[1]["body"] == requests[0]["body"]
    body = requests[0]["body"]
    assert "tools" not in body and body["max_tokens"] == 512 and body["system"] == "You plan."
    assert body["messages"][0]["content"] == "Break it down; never repeat [redacted]"


async def test_a_failure_reads_as_the_agent_loop_words_it(
    make_settings: Any, run_agent: Any, api_key: str
) -> None:
    def replies() -> dict[str, Any]:
        return script(*[error(503, "api_error", f"down ({api_key})")] * 3)

    with FakeServer(replies()) as server:
        answer = await complete(
            make_settings(server.url, max_retries=2), system="s", prompt="p", api_key=api_key
        )
    with FakeServer(replies()) as server:
        _, events = await run_agent(server.url, max_retries=2)
    agent = events[-1]
    assert isinstance(agent, AgentFinished) and agent.outcome == "api_error"
    assert answer.failed and answer.text == ""
    assert answer.finished.reason == agent.reason
    assert agent.reason == "API unavailable (503 api_error): down ([redacted]) (after 3 attempts)"


async def test_without_a_key_nothing_is_sent(
    make_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    with FakeServer(script(text("never"))) as server:
        answer = await complete(make_settings(server.url), system="s", prompt="p")
        assert server.requests() == []
    assert answer.failed and answer.finished.reason == "no API key: set ANTHROPIC_API_KEY"
