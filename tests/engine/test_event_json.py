"""JSON form of events: complete, typed, and never carrying the API key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from roadmapd.agent.events import AgentFinished, TextDelta, ToolCall, ToolResult, TurnStarted, Usage
from roadmapd.engine import event_to_json

TEST_KEY = "sk-ant-test-0123456789abcdef"


async def test_no_emitted_event_contains_the_api_key(
    harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    h = harness
    h.agent.replies = [
        [
            TurnStarted(1),
            TextDelta(f"my key is {TEST_KEY}"),
            ToolCall("t1", "bash", {"command": f"echo {TEST_KEY}"}),
            ToolResult("t1", "bash", f"{TEST_KEY}\n"),
            AgentFinished("end_turn", "", 1, Usage()),
        ]
    ]
    h.verifier.reports = [h.failing(h.problem(f"leaked {TEST_KEY}"))]

    await h.engine().run([h.Task("T1")])

    lines = [json.dumps(event_to_json(e)) for e in h.events]
    assert all(TEST_KEY not in line for line in lines)
    assert sum("[redacted]" in line for line in lines) >= 4
    assert {json.loads(line)["type"] for line in lines} >= {
        "RunStarted",
        "TaskQueued",
        "TaskStatusChanged",
        "CheckpointCreated",
        "AttemptStarted",
        "AgentActivity",
        "ChecksStarted",
        "ChecksFinished",
        "CheckboxUpdated",
        "Committed",
        "RunFinished",
    }


async def test_json_shape_of_checks_and_agent_events(harness: Any) -> None:
    h = harness
    h.verifier.reports = [h.failing()]

    await h.engine().run([h.Task("T1")])

    docs = [event_to_json(e, secrets=()) for e in h.events]
    checks = next(d for d in docs if d["type"] == "ChecksFinished")
    assert checks["problems"][0]["range"]["start"] == {"line": 4, "character": 0}
    assert checks["problems"][0]["severity"] == 1
    assert checks["results"][0]["problem_count"] == 1 and "problems" not in checks["results"][0]
    activity = next(d for d in docs if d["type"] == "AgentActivity")
    assert activity["event"]["type"] == "TurnStarted"
    assert docs[0]["at"].endswith("+00:00")
    finished = docs[-1]
    assert finished["outcomes"][0]["status"] == "committed"
    assert finished["outcomes"][0]["usage"]["cost_usd"] == pytest.approx(0.02)
