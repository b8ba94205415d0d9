"""Text edits on a ROADMAP: the minimal checkbox edit and applying an edit to a string.

`checkbox_edit` is the one way a task's box is set: the editor's buffer (as a
`workspace/applyEdit`), the file on disk (`roadmapd.checkbox`) and the tick folded into a
lane's commit all take their change from it.

Ranges are LSP ranges (0-based lines, UTF-16 code units); a line ends at `\\n`, `\\r\\n` or `\\r`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from roadmapd.problems import Position, Range
from roadmapd.roadmap.columns import str_index
from roadmapd.roadmap.dialects import parse_file
from roadmapd.roadmap.model import Task
from roadmapd.roadmap.parser import parse

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class TextEdit:
    range: Range
    new_text: str


def _line_starts(text: str, upto: int) -> list[int]:
    """Offsets of the first `upto + 1` line starts (fewer when the text is shorter)."""
    starts = [0]
    for m in _LINE_BREAK.finditer(text):
        if len(starts) > upto:
            break
        starts.append(m.end())
    return starts


def _line_text(text: str, line: int) -> tuple[int, str] | None:
    starts = _line_starts(text, line + 1)
    if line >= len(starts):
        return None
    begin = starts[line]
    m = _LINE_BREAK.search(text, begin)
    end = m.start() if m else len(text)
    return begin, text[begin:end]


def _offset(text: str, pos: Position) -> int:
    found = _line_text(text, pos.line)
    if found is None:
        return len(text)
    begin, line = found
    return begin + str_index(line, pos.character)


def apply_edit(text: str, edit: TextEdit) -> str:
    """`text` with `edit` applied (positions past the end are clamped, as editors do)."""
    start = _offset(text, edit.range.start)
    end = max(start, _offset(text, edit.range.end))
    return text[:start] + edit.new_text + text[end:]


def tick_edit(text: str, task: Task, checked: bool) -> TextEdit:
    """The one-character edit that sets `task`'s box in `text` to `[x]` or `[ ]`.

    Raises ValueError when `text` no longer has that task's checkbox where the parse found it
    (the document changed since): re-parse and try again.
    """
    found = _line_text(text, task.box.start.line)
    col = str_index(found[1], task.box.start.character) if found else -1
    line = found[1] if found else ""
    if col < 0 or line[col : col + 1] != "[" or line[col + 2 : col + 3] != "]":
        raise ValueError(
            f"task {task.id!r}: line {task.box.start.line + 1} no longer has its checkbox at "
            f"column {task.box.start.character + 1}; the document changed since it was parsed"
        )
    inner = task.box.start.character + 1
    at = Range(Position(task.box.start.line, inner), Position(task.box.start.line, inner + 1))
    return TextEdit(at, "x" if checked else " ")


@dataclass(frozen=True, slots=True)
class CheckboxEdit:
    """What setting a task's box takes in a text: `found` is False when the text has no such
    task; `edit` is None when there is nothing to change (no task, or the box already is as
    asked)."""

    found: bool
    edit: TextEdit | None


def checkbox_edit(
    text: str, task_id: str, checked: bool, path: str = "", kiro_globs: Sequence[str] = ()
) -> CheckboxEdit:
    """Parse `text` (in the dialect of the file at `path`: a Kiro task file's `[-]` and `[ ]*`
    tasks have boxes too) and give the one-character edit that ticks (`checked=True`) or
    unticks the box of task `task_id`."""
    task = (parse_file(path, text, kiro_globs) if path else parse(text)).task(task_id)
    if task is None:
        return CheckboxEdit(found=False, edit=None)
    if task.checked == checked:
        return CheckboxEdit(found=True, edit=None)
    return CheckboxEdit(found=True, edit=tick_edit(text, task, checked))
