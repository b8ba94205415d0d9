"""Batches of small tasks (`batch_size` 2 or 3): the agent conversation a committed task hands to
the next task of its section, so the prompt cache carries over.

The engine keeps at most one conversation between tasks (`BatchCarry`). The next task to start
takes it when it is in the same section (the same headings), the batch is not full and the
conversation is fresh (younger than the prompt cache's five minutes); any other start closes it.
Each task of a batch is still checkpointed, verified and committed on its own; a task that ends
other than committed closes the conversation, so a failure ends the batch. Parallel lanes never
batch. Pure: the clock is passed in.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from roadmapd.engine.ports import AgentSessionPort

log = logging.getLogger("roadmapd.engine")

#: A conversation kept longer than this is not reused: the prompt cache (5 min) has gone cold.
MAX_IDLE_S = 240.0


@dataclass(frozen=True, slots=True)
class Carried:
    """A conversation handed on: the session, the task that used it last, how many it ran."""

    session: AgentSessionPort
    task_id: str
    section: tuple[str, ...]
    count: int
    kept_at: float


class BatchCarry:
    def __init__(
        self, size: int, clock: Callable[[], float] = time.monotonic, max_idle_s: float = MAX_IDLE_S
    ) -> None:
        self.size = size
        self._clock = clock
        self._max_idle_s = max_idle_s
        self._held: Carried | None = None

    async def take(self, task_id: str, section: Sequence[str]) -> Carried | None:
        """The conversation `task_id` may continue, or None (any held one is then closed)."""
        held, self._held = self._held, None
        if held is None:
            return None
        fits = (
            tuple(section) == held.section
            and held.count < self.size
            and self._clock() - held.kept_at <= self._max_idle_s
        )
        if fits:
            return held
        await _close(held)
        return None

    async def keep(
        self, session: AgentSessionPort, task_id: str, section: Sequence[str], count: int
    ) -> None:
        """Hold the conversation of committed `task_id` (its `count`-th task) for the next."""
        await self.close()
        if count < self.size:
            self._held = Carried(session, task_id, tuple(section), count, self._clock())
        else:
            await _close(Carried(session, task_id, tuple(section), count, 0.0))

    async def close(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            await _close(held)


async def _close(held: Carried) -> None:
    try:
        await held.session.aclose()
    except Exception:
        log.warning("closing the batch conversation of task %s failed", held.task_id, exc_info=True)
