"""The parsed ROADMAP: tasks, headings and parse problems, as immutable values.

Positions follow the LSP: 0-based lines, characters counted in UTF-16 code units.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field, fields
from functools import partial
from operator import itemgetter
from typing import Any

from roadmapd.problems import Problem, Range
from roadmapd.roadmap.scan_memo import ScanMemo

_EVIDENCE = re.compile(r"^(?:[-*+]\s+)?(?:\*\*|__)?evidence(?:\*\*|__)?\s*:\s*(\w+)", re.I)
EVIDENCE_POLICIES = ("auto", "tests", "verify", "none")


@dataclass(frozen=True, slots=True)
class Heading:
    title: str
    level: int
    line: int


@dataclass(frozen=True, eq=False, init=False)
class Task(tuple[Any, ...]):
    """One GitHub task-list item (`- [ ] ...`) and what its sub-bullets say about it.

    A frozen dataclass (`dataclasses.replace`, `fields`, the repr and the hash are those of
    one) stored as a tuple of its fields, so that a parse can make ten thousand of them at C
    speed. It equals only another Task with the same fields.
    """

    __slots__ = ()

    id: str
    title: str
    line: int  # the line of its list marker
    checked: bool
    depth: int  # 0 for a top-level list item, 1 inside one list item, ...
    headings: tuple[str, ...]  # enclosing heading titles, outermost first
    depends: tuple[str, ...]
    files: tuple[str, ...]
    verify: tuple[str, ...]
    acceptance: tuple[str, ...]
    body: tuple[str, ...]  # the lines under the marker line, dedented to the item's content
    range: Range  # marker line to last non-blank line of the item
    box: Range  # the three characters `[ ]` / `[x]` / `[X]`
    explicit_id: bool
    parent: str | None  # id of the nearest enclosing task
    text: str = ""  # the raw text after the checkbox (markdown kept)

    @property
    def evidence(self) -> str | None:
        """The task's own evidence policy (an `Evidence: tests` line under it), if it names one
        (see docs/verification.md); read from the body, so it costs the parser nothing."""
        for line in self.body:
            match = _EVIDENCE.match(line.strip())
            if match and match.group(1).lower() in EVIDENCE_POLICIES:
                return match.group(1).lower()
        return None

    def __new__(
        cls,
        id: str,
        title: str,
        line: int,
        checked: bool,
        depth: int,
        headings: tuple[str, ...],
        depends: tuple[str, ...],
        files: tuple[str, ...],
        verify: tuple[str, ...],
        acceptance: tuple[str, ...],
        body: tuple[str, ...],
        range: Range,
        box: Range,
        explicit_id: bool,
        parent: str | None,
        text: str = "",
    ) -> Task:
        fields = (id, title, line, checked, depth, headings, depends, files, verify)
        return tuple.__new__(
            cls, (*fields, acceptance, body, range, box, explicit_id, parent, text)
        )

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is Task:
            return tuple.__eq__(self, other)
        return False if isinstance(other, tuple) else NotImplemented

    def __ne__(self, other: object) -> bool:
        if other.__class__ is Task:
            return tuple.__ne__(self, other)
        return True if isinstance(other, tuple) else NotImplemented

    def __lt__(self, other: object) -> bool:
        return NotImplemented

    __le__ = __gt__ = __ge__ = __lt__
    __hash__ = tuple.__hash__  # the hash of the fields, as a frozen dataclass's


def _field_readers() -> None:
    """Each field becomes a read-only view of its place in the tuple (C speed)."""
    getter = getattr(collections, "_tuplegetter", None)
    for i, f in enumerate(fields(Task)):
        setattr(Task, f.name, getter(i, None) if getter else property(itemgetter(i)))


_field_readers()

# `Task(...)` field by field, for a parse that has the fields in order already.
new_task = partial(tuple.__new__, Task)


@dataclass(frozen=True, slots=True)
class DocumentTask:
    """A task with the roadmap document it comes from (`uri`): what the language server's
    engine runs, so that every port handed a task (the checkbox, the review gate) has its
    document too. To the engine it reads as the task (its `TaskLike` fields)."""

    uri: str
    task: Task

    @property
    def id(self) -> str:
        return self.task.id

    @property
    def title(self) -> str:
        return self.task.title

    @property
    def checked(self) -> bool:
        return self.task.checked

    @property
    def depends(self) -> tuple[str, ...]:
        return self.task.depends

    @property
    def verify(self) -> tuple[str, ...]:
        return self.task.verify

    @property
    def files(self) -> tuple[str, ...]:
        return self.task.files

    @property
    def evidence(self) -> str | None:
        return self.task.evidence

    @property
    def headings(self) -> tuple[str, ...]:
        return self.task.headings


def task_of(item: Task | DocumentTask) -> Task:
    """The task itself, with or without its document."""
    return item.task if isinstance(item, DocumentTask) else item


@dataclass(frozen=True, slots=True)
class Roadmap:
    tasks: tuple[Task, ...]
    headings: tuple[Heading, ...]
    problems: tuple[Problem, ...]
    line_count: int
    _by_id: dict[str, Task] = field(default_factory=dict, repr=False, compare=False)
    _memo: ScanMemo | None = field(default=None, repr=False, compare=False)  # for `reparse`
    #: Kiro task files only (`dialects.py`): tasks marked `[-]` (in progress) and `[ ]*` (optional)
    in_progress: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()

    def task(self, task_id: str) -> Task | None:
        """The task with this id, or None."""
        return self._by_id.get(task_id)


def _range_json(r: Range) -> dict[str, dict[str, int]]:
    return {
        "start": {"line": r.start.line, "character": r.start.character},
        "end": {"line": r.end.line, "character": r.end.character},
    }


def task_to_json(task: Task) -> dict[str, Any]:
    """A plain-JSON dict of `task` (for logs, the protocol and `roadmapd status --json`)."""
    return {
        "id": task.id,
        "title": task.title,
        "line": task.line,
        "checked": task.checked,
        "depth": task.depth,
        "headings": list(task.headings),
        "depends": list(task.depends),
        "files": list(task.files),
        "verify": list(task.verify),
        "acceptance": list(task.acceptance),
        "parent": task.parent,
        "explicit_id": task.explicit_id,
        "range": _range_json(task.range),
        "box": _range_json(task.box),
    }
