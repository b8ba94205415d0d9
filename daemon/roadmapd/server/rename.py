"""Rename an explicit task id everywhere: on its task's line and in every `Depends:` naming it.

`prepareRename` refuses derived ids (slugs of the title: renaming one means editing the title)
and unknown ids, with a reason the editor shows. `rename` refuses a new name that is not a valid
explicit id of the same kind (`T001` -> `T0x`), that another task already has, or that would not
be read back as this task's id; the edit is checked by parsing the renamed text before it is
offered.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from roadmapd.roadmap import Task, parse
from roadmapd.roadmap.ids import NUMBER_ID, SPEC_ID

from . import occurrences
from .commands import JsonRpcRequestFailed
from .occurrences import IdKind, Occurrences, Span

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from .documents import Documents

VALID: dict[IdKind, tuple[re.Pattern[str], str]] = {
    "spec": (SPEC_ID, "1-5 capitals, an optional '-', 2+ digits"),
    "number": (NUMBER_ID, "numbers joined by dots, like 1.2"),
    "comment": (
        re.compile(r"[^\W_](?:[\w.:/-]*[^\W_])?"),
        "letters, digits and . : / - _ inside, starting and ending with a letter or digit",
    ),
}


class RenameRefused(JsonRpcRequestFailed):
    pass


def target_at(occ: Occurrences, line: int, character: int) -> tuple[Task, Span]:
    """The task whose id is under the cursor, if it can be renamed; else RenameRefused."""
    found = occ.at(line, character)
    if found is None:
        raise RenameRefused("put the cursor on a task line or on an id after Depends:")
    task = occ.roadmap.task(found[0])
    if task is None:
        raise RenameRefused(f"no task has the id {found[0]!r}: nothing to rename")
    written = occ.written_id(task)
    if written.kind == "derived":
        raise RenameRefused(
            f"{task.id!r} is derived from the title; give the task an explicit id first "
            "(`<!-- id: ... -->`, or the source action 'Add explicit ids to all tasks')"
        )
    return task, found[1] if found[2] is not None else written.span


def _check_name(occ: Occurrences, task: Task, new_name: str) -> None:
    kind = occ.written_id(task).kind
    pattern, rule = VALID[kind]
    if not pattern.fullmatch(new_name):
        raise RenameRefused(
            f"{new_name!r} is not a valid {kind} id like {task.id!r} ({rule}); keeping {task.id!r}"
        )
    other = occ.roadmap.task(new_name)
    if other is not None:
        raise RenameRefused(
            f"{new_name!r} already exists (line {other.line + 1}: {other.title}); "
            f"choose another id for {task.id!r}"
        )


def rename_edits(occ: Occurrences, task: Task, new_name: str) -> list[tuple[Span, str]]:
    """The edits that rename `task` to `new_name` (RenameRefused when the name is not valid)."""
    _check_name(occ, task, new_name)
    spans = [occ.written_id(task).span]
    spans += [ref.token.inner for ref in occ.by_target.get(task.id, ())]
    edits = [(span, new_name) for span in spans]
    lines = list(occ.lines)
    for span, text in sorted(edits, key=lambda e: (e[0].line, e[0].start), reverse=True):
        row = lines[span.line]
        lines[span.line] = row[: span.start] + text + row[span.end :]
    renamed = parse("\n".join(lines))
    again = next((t for t in renamed.tasks if t.line == task.line), None)
    if again is None or again.id != new_name:
        raise RenameRefused(f"{new_name!r} would not be read back as the id of {task.id!r}")
    return edits


def workspace_edit(occ: Occurrences, uri: str, edits: list[tuple[Span, str]]) -> dict[str, Any]:
    return {
        "changes": {
            uri: [{"range": span.lsp_range(occ.lines), "newText": text} for span, text in edits]
        }
    }


def register(server: LanguageServer, documents: Documents) -> None:
    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(params: types.PrepareRenameParams) -> Any:
        occ = occurrences.of_open(documents, params.text_document.uri)
        if occ is None:
            return None
        task, span = target_at(occ, params.position.line, params.position.character)
        return {"range": span.lsp_range(occ.lines), "placeholder": task.id}

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    async def rename(params: types.RenameParams) -> Any:
        uri = params.text_document.uri
        occ = occurrences.of_open(documents, uri)
        if occ is None:
            return None
        task, _ = target_at(occ, params.position.line, params.position.character)
        if params.new_name == task.id:
            return {"changes": {}}
        return workspace_edit(occ, uri, rename_edits(occ, task, params.new_name))
