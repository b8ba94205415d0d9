"""The engine, loaded in the background so the editor gets its first lenses at once.

Importing the engine (the anthropic SDK, GitPython, the agent) takes about a second, and
opening the workspace more. `EngineLoader` starts loading it (import in a worker thread, then
`attach` builds the `EnginePort` from the imported module) `SETTLE_S` after the first lenses have
been served (or after `LOAD_AFTER_S` without a lens request), so the import does not compete
with the editor's first burst of requests; the first command starts the load at once and waits
for it (`EngineDoor.build_with(loader.port)`). A load that failed is reported by each
command.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable
from types import ModuleType

from .background import Background
from .engine_port import EnginePort

log = logging.getLogger(__name__)
LOAD_AFTER_S = 1.0
SETTLE_S = 1.0
MODULE = "roadmapd.server.engine_adapter"

Attach = Callable[[ModuleType], EnginePort]  # the imported engine module -> the port


class EngineLoader:
    def __init__(self, attach: Attach, first_lenses: asyncio.Event, background: Background) -> None:
        self._go = asyncio.Event()
        self._loaded = background.spawn(self._load(attach, first_lenses), "load the engine")

    async def _load(self, attach: Attach, first_lenses: asyncio.Event) -> EnginePort:
        await _any_of([first_lenses, self._go], LOAD_AFTER_S)
        await _any_of([self._go], SETTLE_S)  # the editor's first requests come in a burst
        module = await asyncio.to_thread(importlib.import_module, MODULE)
        port: EnginePort = attach(module)
        log.debug("engine loaded")
        return port

    async def port(self) -> EnginePort:
        """The engine port, once loaded (starts the load now if it has not started yet)."""
        self._go.set()
        await asyncio.wait([self._loaded])
        if self._loaded.cancelled():
            raise RuntimeError(
                "roadmapd: the task engine did not load: the server is shutting down"
            )
        exc = self._loaded.exception()
        if exc is not None:
            raise RuntimeError(f"roadmapd: the task engine did not load: {exc}")
        port: EnginePort = self._loaded.result()
        return port


async def _any_of(events: list[asyncio.Event], timeout: float) -> None:
    """Until one of `events` is set, or `timeout` seconds."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for waiting in waits:
        waiting.cancel()
