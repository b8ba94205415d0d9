"""The engine port: the one door from the server to the engine.

Every command that runs, cancels, rolls back, approves or rejects a task, or asks for its log or
diff, goes through this port. The server validates every command's arguments against the
protocol models, resolves task ids against the parsed roadmap, and only then calls the
port. `engine_adapter.EngineAdapter` implements it with the engine; tests may pass
their own to `create_server(engine_port=...)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from roadmapd_protocol import CheckpointsResult, CommandResult, DiffResult, RollbackResult

NOT_AVAILABLE = "task running is not available in this build"


class EnginePort(Protocol):
    """What the server may ask of the engine (implemented by `EngineAdapter`, or a test's own)."""

    async def run(self, uri: str, task_ids: list[str]) -> CommandResult:
        """Queue the tasks (document order) of the roadmap at `uri`."""
        ...

    async def retry(self, uri: str, task_id: str) -> CommandResult: ...

    async def cancel(self, uri: str, task_id: str) -> CommandResult: ...

    async def rollback(self, uri: str, task_id: str, force: bool) -> RollbackResult: ...

    async def undo_rollback(self) -> RollbackResult: ...

    async def show_log(self, uri: str, task_id: str) -> str:
        """The task's log as text (the client shows it in an output panel)."""
        ...

    async def checkpoints(self, uri: str | None) -> CheckpointsResult: ...

    async def approve(self, uri: str, task_id: str) -> CommandResult:
        """Let a task waiting at the review gate be committed."""
        ...

    async def reject(self, uri: str, task_id: str) -> CommandResult:
        """Restore the checkpoint of a task waiting at the review gate."""
        ...

    async def diff(self, uri: str, task_id: str) -> DiffResult:
        """What a task waiting at the review gate changed since its checkpoint."""
        ...

    async def answer(self, uri: str, task_id: str) -> CommandResult:
        """Ask the user the question a `needs_input` task stopped on, then continue it."""
        ...

    async def reverify(self, uri: str | None) -> CommandResult:
        """Re-verify the done tasks of the roadmap at `uri` (None: every roadmap) at HEAD."""
        ...

    async def pause(self) -> CommandResult:
        """Pause the runs under way: what runs finishes, no other task starts."""
        ...

    async def resume(self) -> CommandResult:
        """Run the tasks the paused run did not start."""
        ...


class EngineDoor:
    """Where the server finds its EnginePort: given (tests), built on first use (`roadmapd
    serve`: the engine is imported in the background, `engine_loader`), or none (this build
    runs no tasks: every command answers `NOT_AVAILABLE`)."""

    def __init__(self, port: EnginePort | None = None) -> None:
        self._port = port
        self._build: Callable[[], Awaitable[EnginePort]] | None = None

    def use(self, port: EnginePort) -> None:
        self._port = port

    def build_with(self, build: Callable[[], Awaitable[EnginePort]]) -> None:
        """`build()` gives the port at the first command (and raises if it cannot)."""
        self._build = build

    async def port(self) -> EnginePort | None:
        if self._port is None and self._build is not None:
            self._port = await self._build()
        return self._port
