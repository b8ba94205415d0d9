"""A task's checkbox in a roadmap file on disk: read the file exactly, take the one-character
change from `roadmap.checkbox_edit`, replace the file atomically (`files.write_atomic`).

The one disk tick: the CLI's checkbox (`workspace.DiskCheckbox`), the editor's checkbox before
it touches the buffer (`server/task_checkbox.py`) and the server's tick of a closed roadmap
(`server/edits.py`) all call `set_checked_on_disk`. It imports no engine, so the server may
load it at start.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from pathlib import Path

from roadmapd.files import read_text_exact, write_atomic
from roadmapd.roadmap import apply_edit, checkbox_edit


class DiskTick(enum.Enum):
    """What `set_checked_on_disk` did."""

    NO_TASK = "no_task"  # the file has no such task; nothing written
    ALREADY = "already"  # the box already was as asked; nothing written
    WRITTEN = "written"  # the file was replaced with the box changed


class NotWritten(OSError):
    """The file was read but could not be replaced (the message is the underlying error's)."""


def set_checked_on_disk(
    path: Path, task_id: str, checked: bool, kiro_globs: Sequence[str] = ()
) -> DiskTick:
    """Tick or untick task `task_id`'s box in the file at `path`, keeping every other byte
    (line endings included).

    Raises OSError or UnicodeDecodeError when the file cannot be read, NotWritten (an OSError)
    when it cannot be replaced.
    """
    text = read_text_exact(path)
    change = checkbox_edit(text, task_id, checked, path.as_posix(), kiro_globs)
    if change.edit is None:
        return DiskTick.ALREADY if change.found else DiskTick.NO_TASK
    try:
        write_atomic(path, apply_edit(text, change.edit).encode("utf-8"))
    except OSError as exc:
        raise NotWritten(str(exc)) from exc
    return DiskTick.WRITTEN


def tick_many_on_disk(
    path: Path, task_ids: Sequence[str], kiro_globs: Sequence[str] = ()
) -> list[str]:
    """Tick every task of `task_ids` whose box is open, in one atomic replacement of the file;
    returns the ids ticked (nothing is written when there are none). Raises as
    `set_checked_on_disk` does."""
    text = read_text_exact(path)
    ticked: list[str] = []
    for task_id in task_ids:
        change = checkbox_edit(text, task_id, True, path.as_posix(), kiro_globs)
        if change.edit is not None:
            text = apply_edit(text, change.edit)
            ticked.append(task_id)
    if ticked:
        try:
            write_atomic(path, text.encode("utf-8"))
        except OSError as exc:
            raise NotWritten(str(exc)) from exc
    return ticked
