"""The prompt-cache model: through the SDK end to end, and the PromptCache rules directly."""

from __future__ import annotations

from typing import Any

import anthropic
from anthropic.types import MessageParam

from roadmapd.testing import FakeServer
from roadmapd.testing.script import script, text
from roadmapd.testing.tokens import PromptCache, count_input_tokens, prompt_blocks

EPHEMERAL: dict[str, Any] = {"type": "ephemeral"}
SYSTEM = [
    {"type": "text", "text": "You are a careful engineer. " * 200, "cache_control": EPHEMERAL}
]
TOOLS: list[dict[str, Any]] = [
    {"type": "bash_20250124", "name": "bash"},
    {
        "name": "run_checks",
        "description": "Run the project's checks",
        "input_schema": {"type": "object", "properties": {}},
    },
]


def _turns(count: int) -> list[dict[str, Any]]:
    """A conversation of `count` user turns; only the last user block carries cache_control."""
    messages: list[dict[str, Any]] = []
    for i in range(count):
        if i:
            messages.append({"role": "assistant", "content": f"answer {i} " * 40})
        messages.append({"role": "user", "content": [{"type": "text", "text": f"turn {i} " * 40}]})
    messages[-1]["content"][0]["cache_control"] = EPHEMERAL
    return messages


def test_second_request_with_the_same_prefix_reads_the_cache() -> None:
    with FakeServer(script(text("one"), text("two"), text("three"))) as server:
        client = anthropic.Anthropic(base_url=server.url, api_key="test-key", max_retries=0)
        usages = []
        for turns in (1, 2, 3):
            params: dict[str, Any] = {"system": SYSTEM, "tools": TOOLS, "messages": _turns(turns)}
            with client.messages.stream(model="m", max_tokens=50, **params) as stream:
                usages.append(stream.get_final_message().usage)
    first, second, third = usages
    assert first.cache_read_input_tokens == 0
    assert first.cache_creation_input_tokens and first.cache_creation_input_tokens > 1000
    assert first.input_tokens == 0  # everything up to the last breakpoint was written
    # the breakpoint moved forward two blocks: the lookback finds the previous entry
    assert second.cache_read_input_tokens == first.cache_creation_input_tokens
    assert second.cache_creation_input_tokens and second.cache_creation_input_tokens > 0
    assert third.cache_read_input_tokens == (
        first.cache_creation_input_tokens + second.cache_creation_input_tokens
    )


def test_top_level_cache_control_and_a_changed_prefix() -> None:
    messages: list[MessageParam] = [{"role": "user", "content": "a long question " * 100}]
    with FakeServer(script(text("1"), text("2"), text("3"))) as server:
        client = anthropic.Anthropic(base_url=server.url, api_key="test-key", max_retries=0)
        results = []
        for system in ("system A", "system A", "system B"):
            message = client.messages.create(
                model="m",
                max_tokens=5,
                system=system,
                messages=messages,
                cache_control={"type": "ephemeral"},
            )
            results.append(message.usage)
    assert results[0].cache_creation_input_tokens == count_input_tokens(
        {"model": "m", "system": "system A", "messages": messages}
    )
    assert results[1].cache_read_input_tokens == results[0].cache_creation_input_tokens
    assert results[1].cache_creation_input_tokens == 0
    assert results[2].cache_read_input_tokens == 0  # a new system prompt is a new prefix


def _body(blocks: int, marks: dict[int, str], model: str = "m") -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for i in range(blocks):
        block: dict[str, Any] = {"type": "text", "text": f"block {i} " * 10}
        if i in marks:
            block["cache_control"] = {"type": "ephemeral", "ttl": marks[i]}
        content.append(block)
    return {"model": model, "messages": [{"role": "user", "content": content}]}


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_after_their_ttl_and_hits_refresh_them() -> None:
    clock = _Clock()
    cache = PromptCache(clock)
    five = prompt_blocks(_body(3, {2: "5m"}))
    assert cache.account(five).cache_read_input_tokens == 0
    clock.now += 200
    assert cache.account(five).cache_read_input_tokens > 0  # refreshes to +300 s
    clock.now += 200
    assert cache.account(five).cache_read_input_tokens > 0
    clock.now += 301
    assert cache.account(five).cache_read_input_tokens == 0
    hour = prompt_blocks(_body(3, {2: "1h"}, model="other"))
    usage = cache.account(hour)
    assert usage.ephemeral_1h_input_tokens == usage.cache_creation_input_tokens > 0
    clock.now += 1800
    assert cache.account(hour).cache_read_input_tokens == usage.cache_creation_input_tokens


def test_lookback_reaches_twenty_blocks_and_no_further() -> None:
    primed = prompt_blocks(_body(30, {4: "5m"}))
    near = prompt_blocks(_body(30, {23: "5m"}))  # the entry at block 4 is 19 blocks back
    far = prompt_blocks(_body(30, {24: "5m"}))  # 20 blocks back: out of reach
    near_cache, far_cache = PromptCache(), PromptCache()
    near_cache.account(primed)
    far_cache.account(primed)
    assert near_cache.account(near).cache_read_input_tokens == sum(b.tokens for b in near[:5])
    assert far_cache.account(far).cache_read_input_tokens == 0


def test_no_breakpoint_means_no_caching_and_models_do_not_share() -> None:
    cache = PromptCache()
    plain = prompt_blocks(_body(3, {}))
    assert cache.account(plain).input_tokens == sum(b.tokens for b in plain)
    cache.account(prompt_blocks(_body(3, {2: "5m"}, model="a")))
    assert cache.account(prompt_blocks(_body(3, {2: "5m"}, model="b"))).cache_read_input_tokens == 0
    assert cache.account(prompt_blocks(_body(3, {2: "5m"}, model="a"))).cache_read_input_tokens > 0
