"""Sharing the event loop: the agent loop gives other coroutines a turn while it streams.

The SDK parses a burst of stream events (a whole turn can arrive in one network read) without
awaiting real I/O, and so does everything that consumes our events; a long reply would hold
the loop for tens of milliseconds and the language server's requests would wait. `Turns.tick()`
is awaited once per stream event and yields to the loop every `every` events, or sooner once
`budget_s` of wall time (ours and our consumers') has passed since the last yield.
"""

from __future__ import annotations

import asyncio
import time

#: Yield at least this often, counted in stream events.
EVERY_EVENTS = 16
#: ... and as soon as this much time has passed since the last yield. The language server reads
#: a request in several loop turns (one per header line and one for the body), so a request
#: waits a few budgets while a reply streams: keep it small.
BUDGET_S = 0.0005


class Turns:
    """Counts work since the loop last had a turn; `tick()` gives it one when due."""

    def __init__(self, every: int = EVERY_EVENTS, budget_s: float = BUDGET_S) -> None:
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}")
        self.every = every
        self.budget_s = budget_s
        self.yields = 0  # how many times tick() gave the loop a turn
        self._count = 0
        self._since = time.perf_counter()

    async def tick(self) -> None:
        self._count += 1
        now = time.perf_counter()
        if self._count >= self.every or now - self._since >= self.budget_s:
            await asyncio.sleep(0)
            self.yields += 1
            self._count = 0
            self._since = time.perf_counter()
