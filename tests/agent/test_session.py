"""The agent loop end to end: the real SDK over HTTP against the fake Messages API server."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
from pathlib import Path
from typing import Any

import pytest

from roadmapd.agent.events import (
    AgentFinished,
    RetryScheduled,
    TextDelta,
    ToolCall,
    ToolResult,
    TurnStarted,
    UsageReport,
)
from roadmapd.agent.session import AgentSession
from roadmapd.testing.harness import FakeServer
from roadmapd.testing.script import script, text, tool_use

EDIT = "str_replace_based_edit_tool"


def results(events: list[Any]) -> list[ToolResult]:
    return [e for e in events if isinstance(e, ToolResult)]


def finished(events: list[Any]) -> AgentFinished:
    assert isinstance(events[-1], AgentFinished)
    assert sum(isinstance(e, AgentFinished) for e in events) == 1
    return events[-1]


def _plain(message: dict[str, Any]) -> dict[str, Any]:
    """`message` without cache_control marks, to compare history across requests."""
    blocks = [{k: v for k, v in b.items() if k != "cache_control"} for b in message["content"]]
    return {**message, "content": blocks}


def breakpoints(body: dict[str, Any]) -> int:
    blocks = [*body["tools"], *body["system"]]
    for message in body["messages"]:
        blocks.extend(message["content"])
    return sum("cache_control" in b for b in blocks)


async def test_multi_turn_tool_use_changes_files_and_sends_full_history(
    workspace: Path, run_agent: Any, api_key: str
) -> None:
    replies = script(
        tool_use(
            EDIT,
            {
                "command": "create",
                "path": "calc.py",
                "file_text": "def add(a, b):\n    return a - b\n",
            },
            text="Creating",
        ),
        tool_use(
            EDIT,
            {"command": "str_replace", "path": "calc.py", "old_str": "a - b", "new_str": "a + b"},
        ),
        tool_use(EDIT, {"command": "view", "path": "calc.py"}),
        tool_use("bash", {"command": "python3 -c 'import calc; print(calc.add(2, 3))'"}),
        text("Done: add() adds."),
    )
    with FakeServer(replies) as server:
        session, events = await run_agent(server.url, "Fix add()")
        requests = server.requests()
    done = finished(events)
    assert (done.outcome, done.turns) == ("end_turn", 5)
    assert (workspace / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"
    outputs = [r.output for r in results(events)]
    assert "     2\t    return a + b" in outputs[2] and outputs[3] == "5\n"
    assert (
        "".join(e.text for e in events if isinstance(e, TextDelta)) == "CreatingDone: add() adds."
    )
    assert [e.turn for e in events if isinstance(e, TurnStarted)] == [1, 2, 3, 4, 5]

    assert len(requests) == 5
    for n, request in enumerate(requests):
        body = request["body"]
        assert body["system"][0]["text"] == session.system
        assert [t["name"] for t in body["tools"]] == [EDIT, "bash"]
        assert len(body["messages"]) == 1 + 2 * n  # the whole history, every time
        assert body["messages"][0]["content"][0]["text"] == "Fix add()"
        assert 3 <= breakpoints(body) <= 4
        assert "cache_control" in body["messages"][-1]["content"][-1]
    for before, after in itertools.pairwise(requests):
        earlier = [_plain(m) for m in before["body"]["messages"]]
        assert [_plain(m) for m in after["body"]["messages"][: len(earlier)]] == earlier
    assert session.messages[-1]["role"] == "assistant"
    usage = [e for e in events if isinstance(e, UsageReport)]
    later = usage[1:]
    read = sum(u.usage.cache_read_input_tokens for u in later)
    assert read / sum(u.usage.total_input_tokens for u in later) > 0.8
    assert done.usage.cost_usd == pytest.approx(sum(u.usage.cost_usd for u in usage))
    assert done.usage.cost_usd > 0
    everything = json.dumps([repr(e) for e in events]) + json.dumps(requests)
    assert api_key not in everything


async def test_send_again_continues_the_same_conversation(
    workspace: Path, make_settings: Any, api_key: str
) -> None:
    with FakeServer(script(text("first"), text("second"))) as server:
        session = AgentSession(workspace, make_settings(server.url), api_key=api_key)
        first = [e async for e in session.send("one")]
        second = [e async for e in session.send("checks failed: fix them")]
        await session.aclose()
        requests = server.requests()
    assert finished(first).outcome == finished(second).outcome == "end_turn"
    assert [m["role"] for m in requests[1]["body"]["messages"]] == ["user", "assistant", "user"]
    assert requests[1]["body"]["messages"][2]["content"][0]["text"] == "checks failed: fix them"


async def test_malformed_and_unknown_tool_calls_come_back_as_errors(
    workspace: Path, run_agent: Any
) -> None:
    replies = script(
        tool_use(EDIT, {"command": "create", "path": "x.py"}),
        tool_use(
            EDIT, {"command": "insert", "path": "README.md", "insert_line": "one", "new_str": "x"}
        ),
        tool_use("web_search", {"query": "answers"}),
        text("giving up"),
    )
    with FakeServer(replies) as server:
        _, events = await run_agent(server.url)
        requests = server.requests()
    errors = results(events)
    assert all(r.is_error for r in errors)
    assert "missing required field 'file_text'" in errors[0].output
    assert "must be an integer" in errors[1].output
    assert "unknown tool 'web_search'" in errors[2].output
    last = requests[-1]["body"]["messages"][-1]["content"][0]
    assert last["type"] == "tool_result" and last["is_error"] is True
    assert finished(events).outcome == "end_turn"


async def test_identical_tool_call_repeated_ends_as_stuck(workspace: Path, run_agent: Any) -> None:
    same = tool_use("bash", {"command": "echo again"})
    with FakeServer(script(*[same] * 6)) as server:
        session, events = await run_agent(server.url, stuck_repeats=3)
        count = len(server.requests())
    done = finished(events)
    assert done.outcome == "stuck" and "3 times" in done.reason
    assert count == 3
    assert [r.is_error for r in results(events)] == [False, False, True]
    assert session.messages[-1]["content"][0]["type"] == "tool_result"


async def test_max_turns_stops_the_attempt(workspace: Path, run_agent: Any) -> None:
    calls = [tool_use("bash", {"command": f"echo {n}"}) for n in range(5)]
    with FakeServer(script(*calls)) as server:
        _, events = await run_agent(server.url, max_turns=2)
        count = len(server.requests())
    done = finished(events)
    assert (done.outcome, done.turns, count) == ("max_turns", 2, 2)


async def test_budget_stops_before_the_next_request(workspace: Path, run_agent: Any) -> None:
    calls = [tool_use("bash", {"command": f"echo {n}"}) for n in range(5)]
    with FakeServer(script(*calls)) as server:
        _, events = await run_agent(server.url, budget_usd=0.000001)
        count = len(server.requests())
    done = finished(events)
    assert done.outcome == "budget" and done.turns == 1 and count == 1
    assert "budget spent" in done.reason and done.usage.cost_usd >= 0.000001


async def test_max_tokens_text_is_continued(workspace: Path, run_agent: Any) -> None:
    with FakeServer(script(text("Half of", stop="max_tokens"), text(" it."))) as server:
        _, events = await run_agent(server.url)
        requests = server.requests()
    assert finished(events).outcome == "end_turn"
    follow_up = requests[1]["body"]["messages"][-1]["content"][0]["text"]
    assert "max_tokens" in follow_up and "Continue" in follow_up


async def test_max_tokens_on_a_tool_call_answers_it_with_an_error(
    workspace: Path, run_agent: Any
) -> None:
    cut = tool_use(EDIT, {"command": "create", "path": "half.py", "file_text": "def f("})
    cut["stop_reason"] = "max_tokens"
    with FakeServer(script(cut, text("ok"))) as server:
        _, events = await run_agent(server.url)
        requests = server.requests()
    assert not (workspace / "half.py").exists()
    answer = requests[1]["body"]["messages"][-1]["content"][0]
    assert answer["type"] == "tool_result" and answer["is_error"] is True
    assert "cut off by the max_tokens limit" in answer["content"]
    assert finished(events).outcome == "end_turn"


async def test_repeated_max_tokens_stops(workspace: Path, run_agent: Any) -> None:
    with FakeServer(script(*[text("more", stop="max_tokens")] * 4)) as server:
        _, events = await run_agent(server.url, max_tokens_continuations=2)
    assert finished(events).outcome == "max_tokens"


async def test_bash_env_does_not_show_secrets(
    workspace: Path, run_agent: Any, monkeypatch: pytest.MonkeyPatch, api_key: str
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", api_key)
    monkeypatch.setenv("FOO_TOKEN", "foo-token-value")
    with FakeServer(script(tool_use("bash", {"command": "env; printenv"}), text("ok"))) as server:
        _, events = await run_agent(server.url)
    output = results(events)[0].output
    assert "PATH=" in output
    assert api_key not in output and "foo-token-value" not in output


async def test_cancelling_during_a_tool_leaves_no_process_and_a_valid_history(
    workspace: Path, make_settings: Any, api_key: str
) -> None:
    marker = f"sleep 1000.{os.getpid()}"  # this run's own: suites may run side by side
    replies = script(tool_use("bash", {"command": marker}), text("resumed"))
    with FakeServer(replies) as server:
        session = AgentSession(workspace, make_settings(server.url), api_key=api_key)
        seen: list[Any] = []

        async def consume() -> None:
            async for event in session.send("go"):
                seen.append(event)

        task = asyncio.create_task(consume())
        for _ in range(200):
            await asyncio.sleep(0.02)
            if any(isinstance(e, ToolCall) for e in seen) and _running(marker):
                break
        assert _running(marker), "the tool never started"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # the jail's processes die with it (PR_SET_PDEATHSIG): asynchronously, so allow a moment
        for _ in range(100):
            if not _running(marker):
                break
            await asyncio.sleep(0.05)
        assert not _running(marker)
        again = [e async for e in session.send("continue")]
        await session.aclose()
        requests = server.requests()
    assert finished(again).outcome == "end_turn"
    content = requests[1]["body"]["messages"][-1]["content"]
    assert content[0]["type"] == "tool_result" and content[0]["is_error"] is True
    assert content[1]["text"] == "continue"


def _running(marker: str) -> bool:
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes().replace(b"\0", b" "):
                return True
        except OSError:
            continue
    return False


async def test_no_api_key_is_a_clear_api_error(
    workspace: Path, make_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    session = AgentSession(workspace, make_settings("http://127.0.0.1:9"))
    events = [e async for e in session.send("x")]
    done = finished(events)
    assert len(events) == 1 and done.outcome == "api_error"
    assert done.reason == "no API key: set ANTHROPIC_API_KEY"
    assert not any(isinstance(e, RetryScheduled) for e in events)
