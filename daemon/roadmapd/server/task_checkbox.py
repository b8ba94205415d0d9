"""The engine's CheckboxPort in the editor: tick on disk (so the task's commit holds it), then
in the open buffer through `workspace/applyEdit` (so the editor shows it and can undo it).

Defined behaviour (docs/editor.md, "Ticking the box"):

- the file on disk always gets the one-character change first (atomic write, every other
  byte kept), because the engine commits right after ticking and git commits what is on disk;
- when the roadmap is open, the same change is then applied to the buffer with
  `workspace/applyEdit` against the synced version. A clean buffer then equals the disk;
  a buffer with unsaved edits keeps them, plus the tick;
- a task that exists only in the unsaved buffer is ticked in the buffer, and the port raises,
  so the engine records "checkbox not ticked" (the commit cannot contain the tick).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from roadmapd.checkbox import DiskTick, set_checked_on_disk
from roadmapd.roadmap import DocumentTask
from roadmapd.workspace import WorkspaceError

from .documents import path_of

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from .edits import CheckboxWriter

log = logging.getLogger(__name__)


class EditorCheckbox:
    """`set_checked(task, checked)` in the roadmap document the task comes with."""

    def __init__(
        self,
        client: LanguageServer,
        writer: CheckboxWriter,
        refresh: Callable[[str], None],
    ) -> None:
        self._client, self._writer, self._refresh = client, writer, refresh

    def roadmap_path(self, task: DocumentTask) -> Path | None:
        """The file of the roadmap the task was run from."""
        return path_of(task.uri)

    async def set_checked(self, task: DocumentTask, checked: bool) -> None:
        uri = task.uri
        path = path_of(uri)
        if path is None:
            raise WorkspaceError(f"{uri} is not a file")
        try:
            on_disk = await asyncio.to_thread(set_checked_on_disk, path, task.id, checked)
            disk_error = (
                None
                if on_disk is not DiskTick.NO_TASK
                else f"{path.name}: task {task.id} is not in the saved file"
            )
        except (OSError, UnicodeDecodeError) as exc:
            disk_error = f"cannot write {path.name}: {exc}"
        if uri in self._client.workspace.text_documents:
            outcome = await self._writer.set_checked(uri, task.id, checked)
            if not outcome.applied:
                log.warning("%s", outcome.message)
        self._refresh(uri)
        if disk_error is not None:
            raise WorkspaceError(disk_error)
