"""Ticking and unticking a task's checkbox, in the open buffer or on disk.

Open document: a `workspace/applyEdit` of the one character, against the synced version (so the
user can undo it, and the client rejects it if the buffer moved on; then we re-parse and try
once more). Closed file (in a worker thread): `roadmapd.checkbox.set_checked_on_disk`, which
changes that one character and replaces the file atomically, keeping every other byte. Both take
the change from `roadmap.checkbox_edit`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol import types

from roadmapd.checkbox import DiskTick, NotWritten, set_checked_on_disk
from roadmapd.roadmap import Task, checkbox_edit

from .documents import path_of

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EditOutcome:
    applied: bool
    where: str  # "buffer", "disk" or "none"
    message: str


class CheckboxWriter:
    def __init__(
        self, server: LanguageServer, kiro_globs: Callable[[], Sequence[str]] = lambda: ()
    ) -> None:
        """`kiro_globs()`: the roadmaps read in Kiro's dialect now (the configuration's)."""
        self._server, self._kiro_globs = server, kiro_globs

    async def set_checked(self, uri: str, task: Task | str, checked: bool) -> EditOutcome:
        """Tick (`checked=True`) or untick the task's box; says where and whether it happened."""
        task_id = task if isinstance(task, str) else task.id
        if uri in self._server.workspace.text_documents:
            for _ in range(2):  # the buffer may change between our parse and the client's apply
                outcome = await self._in_buffer(uri, task_id, checked)
                if outcome.applied or outcome.where == "none":
                    return outcome
            log.warning("%s: %s", task_id, outcome.message)
            return outcome
        return await asyncio.to_thread(self._on_disk, uri, task_id, checked)

    async def _in_buffer(self, uri: str, task_id: str, checked: bool) -> EditOutcome:
        doc = self._server.workspace.text_documents[uri]
        version, text = doc.version, doc.source
        change = checkbox_edit(text, task_id, checked, uri, self._kiro_globs())
        if not change.found:
            return EditOutcome(False, "none", f"no task {task_id!r} in {uri}")
        if change.edit is None:
            return EditOutcome(True, "none", f"{task_id} was already {_state(checked)}")
        edit = change.edit
        r = edit.range
        lsp_edit = types.TextEdit(
            range=types.Range(
                types.Position(r.start.line, r.start.character),
                types.Position(r.end.line, r.end.character),
            ),
            new_text=edit.new_text,
        )
        doc_edit = types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
            edits=[lsp_edit],
        )
        params = types.ApplyWorkspaceEditParams(
            edit=types.WorkspaceEdit(document_changes=[doc_edit]),
            label=f"roadmapd: {'tick' if checked else 'untick'} {task_id}",
        )
        try:
            result = await self._server.workspace_apply_edit_async(params)
        except Exception as exc:
            return EditOutcome(False, "buffer", f"the editor refused the edit of {task_id}: {exc}")
        if result.applied:
            return EditOutcome(True, "buffer", f"{task_id} {_state(checked)} in the open document")
        reason = result.failure_reason or "no reason given"
        return EditOutcome(
            False, "buffer", f"the editor did not apply the edit of {task_id}: {reason}"
        )

    def _on_disk(self, uri: str, task_id: str, checked: bool) -> EditOutcome:
        path = path_of(uri)
        if path is None:
            return EditOutcome(False, "none", f"{uri} is not a file")
        try:
            done = set_checked_on_disk(path, task_id, checked, self._kiro_globs())
        except NotWritten as exc:
            return EditOutcome(False, "disk", f"cannot write {path}: {exc}")
        except (OSError, UnicodeDecodeError) as exc:
            return EditOutcome(False, "none", f"cannot read {path}: {exc}")
        if done is DiskTick.NO_TASK:
            return EditOutcome(False, "none", f"no task {task_id!r} in {path.name}")
        if done is DiskTick.ALREADY:
            return EditOutcome(True, "none", f"{task_id} was already {_state(checked)}")
        return EditOutcome(True, "disk", f"{task_id} {_state(checked)} in {path.name}")


def _state(checked: bool) -> str:
    return "ticked" if checked else "unticked"
