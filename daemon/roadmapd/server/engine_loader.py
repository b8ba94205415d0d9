"""The engine, loaded in the background so the editor gets its first lenses at once.

Importing the engine (the anthropic SDK, GitPython, the agent) takes about a second, and
opening the workspace more. `DeferredController` is the `Controller` the server gets at
`initialize`: it starts loading the engine (import in a worker thread, then
`engine_controller.attach_engine`) `SETTLE_S` after the first lenses have been served (or after
`LOAD_AFTER_S` without a lens request), so the import does not compete with the editor's first
burst of requests; a command starts the load at once. Every command waits for the load; a load
that failed is reported by each command.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from typing import TYPE_CHECKING

from roadmapd_protocol import CheckpointsResult, CommandResult, DiffResult, RollbackResult

from .controller import Controller

if TYPE_CHECKING:
    from .app import RoadmapServer

log = logging.getLogger(__name__)
LOAD_AFTER_S = 1.0
SETTLE_S = 1.0
MODULE = "roadmapd.server.engine_controller"


class DeferredController:
    def __init__(self, ls: RoadmapServer) -> None:
        self._ls = ls
        self._go = asyncio.Event()
        self._inner: Controller | None = None
        self._loaded = ls.background.spawn(self._load(), "load the engine")

    async def _load(self) -> None:
        await _any_of([self._ls.first_lenses, self._go], LOAD_AFTER_S)
        await _any_of([self._go], SETTLE_S)  # the editor's first requests come in a burst
        module = await asyncio.to_thread(importlib.import_module, MODULE)
        self._inner = module.attach_engine(self._ls)
        log.debug("engine loaded")

    async def _controller(self) -> Controller:
        self._go.set()
        await asyncio.wait([self._loaded])
        if self._inner is None:
            raise RuntimeError(f"roadmapd: the task engine did not load: {self._why()}")
        return self._inner

    def _why(self) -> str:
        if self._loaded.cancelled():
            return "the server is shutting down"
        exc = self._loaded.exception()
        return str(exc) if exc is not None else "unknown error"

    async def run(self, uri: str, task_ids: list[str]) -> CommandResult:
        return await (await self._controller()).run(uri, task_ids)

    async def retry(self, uri: str, task_id: str) -> CommandResult:
        return await (await self._controller()).retry(uri, task_id)

    async def cancel(self, uri: str, task_id: str) -> CommandResult:
        return await (await self._controller()).cancel(uri, task_id)

    async def rollback(self, uri: str, task_id: str, force: bool) -> RollbackResult:
        return await (await self._controller()).rollback(uri, task_id, force)

    async def undo_rollback(self) -> RollbackResult:
        return await (await self._controller()).undo_rollback()

    async def show_log(self, uri: str, task_id: str) -> str:
        return await (await self._controller()).show_log(uri, task_id)

    async def checkpoints(self, uri: str | None) -> CheckpointsResult:
        return await (await self._controller()).checkpoints(uri)

    async def approve(self, uri: str, task_id: str) -> CommandResult:
        return await (await self._controller()).approve(uri, task_id)

    async def reject(self, uri: str, task_id: str) -> CommandResult:
        return await (await self._controller()).reject(uri, task_id)

    async def diff(self, uri: str, task_id: str) -> DiffResult:
        return await (await self._controller()).diff(uri, task_id)


async def _any_of(events: list[asyncio.Event], timeout: float) -> None:
    """Until one of `events` is set, or `timeout` seconds."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for waiting in waits:
        waiting.cancel()


def deferred_engine(ls: RoadmapServer) -> DeferredController:
    """The engine factory of `roadmapd serve`: the engine loads in the background."""
    return DeferredController(ls)
