"""The controller port: what the server's commands call to run, cancel and roll back tasks.

The server validates every command's arguments against the protocol models, resolves task ids
against the parsed roadmap, and only then calls the controller. The lead implements this port
with the engine and passes it to `create_server(controller=...)`.
"""

from __future__ import annotations

from typing import Protocol

from roadmapd_protocol import CheckpointsResult, CommandResult, RollbackResult

NOT_AVAILABLE = "task running is not available in this build"


class Controller(Protocol):
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
