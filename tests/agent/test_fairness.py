"""The agent loop shares the event loop while a long reply streams (no timing thresholds).

A reply of hundreds of text deltas arrives in a few network reads; the SDK would parse all of
them without awaiting anything. A concurrent coroutine that counts its own turns must still get
one at least every `EVERY_EVENTS` deltas, through the real SDK and the fake server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from roadmapd.agent.events import AgentFinished, TextDelta
from roadmapd.agent.fairness import EVERY_EVENTS, Turns
from roadmapd.agent.session import AgentSession
from roadmapd.testing.harness import FakeServer
from roadmapd.testing.script import script


def long_reply(blocks: int) -> dict[str, Any]:
    """One reply of `blocks` text blocks (the fake server streams 3 deltas for each)."""
    words = [{"type": "text", "text": f"thought {i}: checking the parser. "} for i in range(blocks)]
    return script({"content": words, "stop_reason": "end_turn"})


async def test_a_long_streamed_reply_lets_other_coroutines_run(
    workspace: Path, make_settings: Any, api_key: str
) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    seen: list[int] = []  # the ticker's count when each delta reached us
    with FakeServer(long_reply(300)) as server:
        session = AgentSession(workspace, make_settings(server.url), api_key=api_key)
        counting = asyncio.ensure_future(ticker())
        try:
            events = []
            async for event in session.send("think aloud"):
                events.append(event)
                if isinstance(event, TextDelta):
                    seen.append(ticks)
        finally:
            counting.cancel()
            await session.aclose()
    assert isinstance(events[-1], AgentFinished) and events[-1].outcome == "end_turn"
    assert len(seen) == 900
    # each text delta is at least one SDK event, so a window of EVERY_EVENTS deltas holds a turn
    starved = [i for i in range(len(seen) - EVERY_EVENTS) if seen[i + EVERY_EVENTS] == seen[i]]
    assert starved == [], f"the ticker got no turn during deltas {starved[:5]}..."


async def test_turns_yields_every_n_ticks_without_time_passing() -> None:
    turns = Turns(every=4, budget_s=3600.0)
    for _ in range(12):
        await turns.tick()
    assert turns.yields == 3


async def test_turns_yields_at_once_when_the_budget_is_spent() -> None:
    turns = Turns(every=1000, budget_s=0.0)
    await turns.tick()
    await turns.tick()
    assert turns.yields == 2


def test_turns_rejects_a_count_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Turns(every=0)
