"""The real anthropic SDK talks to the fake server: streaming, non-streaming, count_tokens."""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic
import pytest
from anthropic.types import MessageParam

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text, tool_use

USER: list[MessageParam] = [{"role": "user", "content": "Fix the failing test"}]


def test_stream_yields_text_and_tool_use_with_parsed_input() -> None:
    entries = script(
        text("All tests pass now, nothing left to do."),
        tool_use("bash", {"command": "pytest -q", "timeout": 30}, text="Running the tests"),
    )
    with FakeServer(entries) as server:
        client = anthropic.Anthropic(base_url=server.url, api_key="test-key", max_retries=0)
        with client.messages.stream(model="claude-x", max_tokens=500, messages=USER) as stream:
            pieces = list(stream.text_stream)
            first = stream.get_final_message()
        with client.messages.stream(model="claude-x", max_tokens=500, messages=USER) as stream:
            second = stream.get_final_message()

    assert "".join(pieces) == "All tests pass now, nothing left to do."
    assert len(pieces) > 1, "text should arrive in several deltas"
    assert first.stop_reason == "end_turn"
    assert first.model == "claude-x"
    assert first.usage.input_tokens > 0 and first.usage.output_tokens > 0
    assert second.stop_reason == "tool_use"
    assert [b.type for b in second.content] == ["text", "tool_use"]
    call = second.content[1]
    assert call.type == "tool_use"
    assert call.name == "bash"
    assert call.input == {"command": "pytest -q", "timeout": 30}
    assert call.id.startswith("toolu_")


def test_raw_event_sequence_matches_the_api() -> None:
    with FakeServer(script(tool_use("edit", {"path": "a.py"}, text="hi"))) as server:
        client = anthropic.Anthropic(base_url=server.url, api_key="test-key", max_retries=0)
        with client.messages.stream(model="m", max_tokens=50, messages=USER) as stream:
            kinds = [event.type for event in stream]
    # the SDK adds its own convenience events (text, input_json); keep the wire events only
    wire = [k for k in kinds if k.startswith(("message", "content_block"))]
    assert wire[0] == "message_start"
    assert wire[-2:] == ["message_delta", "message_stop"]
    assert wire.count("content_block_start") == 2 == wire.count("content_block_stop")
    assert wire.count("content_block_delta") >= 4


def test_scripted_usage_and_ids_are_kept() -> None:
    entry = tool_use("bash", {"command": "ls"}, id="toolu_fixed")
    entry["usage"] = {"input_tokens": 1234, "output_tokens": 56}
    with FakeServer(script(entry)) as server:
        client = anthropic.Anthropic(base_url=server.url, api_key="test-key", max_retries=0)
        with client.messages.stream(model="m", max_tokens=50, messages=USER) as stream:
            message = stream.get_final_message()
    assert message.usage.input_tokens == 1234
    assert message.usage.output_tokens == 56
    assert message.content[0].type == "tool_use"
    assert message.content[0].id == "toolu_fixed"


def test_non_streaming_create_returns_the_assembled_message() -> None:
    with FakeServer(script(text("truncated", stop="max_tokens"))) as server:
        client = anthropic.Anthropic(base_url=server.url, api_key="test-key", max_retries=0)
        message = client.messages.create(model="m", max_tokens=5, messages=USER)
    assert message.stop_reason == "max_tokens"
    assert message.content[0].type == "text"
    assert message.content[0].text == "truncated"


def test_count_tokens_grows_with_the_prompt_and_consumes_nothing() -> None:
    with FakeServer(script(text("ok"))) as server:
        client = anthropic.Anthropic(base_url=server.url, api_key="test-key", max_retries=0)
        short = client.messages.count_tokens(model="m", messages=USER)
        long = client.messages.count_tokens(
            model="m", messages=[{"role": "user", "content": "x" * 4000}]
        )
        reply = client.messages.create(model="m", max_tokens=5, messages=USER)
    assert 0 < short.input_tokens < long.input_tokens
    assert long.input_tokens >= 1000
    assert reply.content[0].type == "text"


@pytest.mark.asyncio
async def test_async_client_streams_in_order_and_requests_are_logged() -> None:
    entries = script(tool_use("bash", {"command": "ls"}), text("done"))
    with FakeServer(entries) as server:
        client = anthropic.AsyncAnthropic(base_url=server.url, api_key="test-key", max_retries=0)
        async with client.messages.stream(model="m", max_tokens=50, messages=USER) as stream:
            first = await stream.get_final_message()
        call = first.content[0]
        assert call.type == "tool_use"
        history: list[Any] = [
            *USER,
            {
                "role": "assistant",
                "content": [call.model_dump(include={"type", "id", "name", "input"})],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "a.py"}],
            },
        ]
        async with client.messages.stream(model="m", max_tokens=50, messages=history) as stream:
            second = await stream.get_final_message()
        await client.close()
        logged = server.requests()
    assert second.content[0].type == "text"
    assert second.content[0].text == "done"
    assert [r["path"] for r in logged] == ["/v1/messages", "/v1/messages"]
    assert logged[1]["body"]["messages"][2]["content"][0]["tool_use_id"] == call.id
    assert logged[0]["body"]["stream"] is True


@pytest.mark.asyncio
async def test_delays_global_and_per_entry_order_concurrent_answers() -> None:
    fast = {**text("fast"), "delay_ms": 0}  # overrides the server-wide --delay-ms
    with FakeServer(script(text("slow"), fast), delay_ms=400) as server:
        client = anthropic.AsyncAnthropic(base_url=server.url, api_key="test-key", max_retries=0)
        finished: list[str] = []

        async def ask() -> None:
            reply = await client.messages.create(model="m", max_tokens=5, messages=USER)
            block = reply.content[0]
            assert block.type == "text"
            finished.append(block.text)

        await asyncio.gather(ask(), ask())
        await client.close()
    assert finished == ["fast", "slow"]
