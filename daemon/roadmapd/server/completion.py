"""Completion in a roadmap: ids after `Depends:`, metadata keys, workspace paths after `Files:`.

Ids come with their title and status in the detail; keys are offered at the start of a task's
sub-bullet; paths are relative to the workspace root, walked breadth-first in a worker thread
(skipping `.git`, `node_modules`, `.venv` and caches; at most `MAX_PATHS` entries).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from roadmapd.roadmap import Task
from roadmapd.roadmap.columns import str_index, utf16_column
from roadmapd.roadmap.metadata import BULLET, FILES_KEY, written_line

from . import occurrences
from .occurrences import DEPENDS_LINE, Occurrences

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from .documents import Documents
    from .task_states import TaskStates

MAX_PATHS = 2000
SKIP_DIRS = frozenset(
    {".git", "node_modules", ".venv", "venv", "__pycache__", ".mypy_cache", ".pytest_cache"}
    | {".ruff_cache", ".tox", ".hg", ".svn"}
)
KEYS = ("Depends", "Files", "Verify", "Acceptance")
_KEY_DOC = {
    "Depends": "ids of the tasks this one waits for, separated by commas",
    "Files": "file hints for the agent's prompt, separated by commas",
    "Verify": "a check command for this task (one per line)",
    "Acceptance": "what must be true when the task is done",
}
_KEY_START = re.compile(rf"^(?P<lead>[ \t>]*{BULLET})(?P<word>\w*)$")
_FILES_LINE = written_line(FILES_KEY)
_KIND_ID = int(types.CompletionItemKind.Reference)
_KIND_KEY = int(types.CompletionItemKind.Keyword)
_KIND_FILE = int(types.CompletionItemKind.File)
_KIND_DIR = int(types.CompletionItemKind.Folder)


def workspace_paths(root: Path, limit: int = MAX_PATHS) -> tuple[list[str], bool]:
    """Relative paths under `root`, breadth first (folders end with `/`); True when cut off."""
    out: list[str] = []
    queue: deque[tuple[Path, str]] = deque([(root, "")])
    while queue:
        folder, prefix = queue.popleft()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if len(out) >= limit:
                return out, True
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if entry.name in SKIP_DIRS:
                    continue
                out.append(f"{prefix}{entry.name}/")
                queue.append((Path(entry.path), f"{prefix}{entry.name}/"))
            else:
                out.append(prefix + entry.name)
    return out, False


def _edit(line: int, text: str, start: int, end: int, new_text: str) -> dict[str, Any]:
    return {
        "range": {
            "start": {"line": line, "character": utf16_column(text, start)},
            "end": {"line": line, "character": utf16_column(text, end)},
        },
        "newText": new_text,
    }


def status_of(task: Task, state: str | None) -> str:
    return state.replace("_", " ") if state else ("done" if task.checked else "pending")


def id_items(
    occ: Occurrences, uri: str, line: int, index: int, states: Any
) -> list[dict[str, Any]] | None:
    """Task ids for a cursor after `Depends:` (None when the cursor is not there)."""
    text = occ.lines[line]
    m = DEPENDS_LINE.match(text)
    if m is not None and index < m.start("rest"):
        m = None
    if m is None:
        return None
    owner = occ.owner_near(line)
    rest_start = m.start("rest")
    word_start = index
    while word_start > rest_start and text[word_start - 1] not in ", ;\t`*":
        word_start -= 1
    word_end = index
    while word_end < len(text) and text[word_end] not in ", ;\t`*":
        word_end += 1
    others = text[rest_start:word_start] + " " + text[word_end:]
    listed = {t.strip("`*_") for t in re.split(r"[,;\s]+", others)}
    items = []
    for n, task in enumerate(occ.roadmap.tasks):
        if task is owner or task.id in listed:
            continue
        state = states.get(uri, task.id)
        status = status_of(task, state.status if state is not None else None)
        items.append(
            {
                "label": task.id,
                "kind": _KIND_ID,
                "detail": f"{task.title} · {status}",
                "sortText": f"{n:06d}",
                "filterText": task.id,
                "textEdit": _edit(line, text, word_start, index, task.id),
            }
        )
    return items


def key_items(occ: Occurrences, line: int, index: int) -> list[dict[str, Any]] | None:
    """Metadata keys at the start of a task's sub-bullet (None elsewhere)."""
    text = occ.lines[line]
    m = _KEY_START.match(text[:index])
    owner = occ.owner_near(line) if m is not None else None
    if m is None or owner is None or owner.line == line:
        return None
    marker_line = occ.lines[owner.line]
    if len(m.group("lead")) - len(m.group("lead").lstrip()) <= len(marker_line) - len(
        marker_line.lstrip()
    ):
        return None
    return [
        {
            "label": f"{key}:",
            "kind": _KIND_KEY,
            "detail": _KEY_DOC[key],
            "sortText": str(i),
            "textEdit": _edit(line, text, m.start("word"), index, f"{key}: "),
        }
        for i, key in enumerate(KEYS)
    ]


def files_context(text: str, index: int) -> int | None:
    """The string index where the path being typed starts, if the cursor is after `Files:`."""
    m = _FILES_LINE.match(text[:index])
    if m is None:
        return None
    start = max(m.start("rest"), text.rfind(",", 0, index) + 1)
    while start < index and text[start] in " \t`":
        start += 1
    return start


def path_items(
    paths: list[str], line: int, text: str, start: int, index: int
) -> list[dict[str, Any]]:
    return [
        {
            "label": path,
            "kind": _KIND_DIR if path.endswith("/") else _KIND_FILE,
            "sortText": f"{n:06d}",
            "filterText": path,
            "textEdit": _edit(line, text, start, index, path),
        }
        for n, path in enumerate(paths)
    ]


def register(server: LanguageServer, documents: Documents, states: TaskStates) -> None:
    options = types.CompletionOptions(trigger_characters=[":", ",", " ", "/"])

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, options)
    async def completion(params: types.CompletionParams) -> Any:
        uri = params.text_document.uri
        occ = occurrences.of_open(documents, uri)
        if occ is None:
            return None
        line = params.position.line
        if not 0 <= line < len(occ.lines):
            return None
        text = occ.lines[line]
        index = str_index(text, params.position.character)
        ids = id_items(occ, uri, line, index, states)
        if ids is not None:
            return {"isIncomplete": False, "items": ids}
        start = files_context(text, index)
        if start is not None:
            root = documents.root
            if root is None:
                return None
            paths, cut = await asyncio.to_thread(workspace_paths, root)
            return {"isIncomplete": cut, "items": path_items(paths, line, text, start, index)}
        keys = key_items(occ, line, index)
        return {"isIncomplete": False, "items": keys} if keys is not None else None
