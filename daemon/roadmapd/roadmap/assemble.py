"""Every Task of a full parse at once, field by field (column-wise) instead of task by task.

`build.build` makes one Task from one draft (and reuses recent ones, for `reparse`); here a
parse's tasks are made together: each field is one list made by `map` over C functions, the
Ranges and Positions are filled in through their slot descriptors (a frozen dataclass's
`__init__` costs several times more), and the Tasks come from `zip` over the columns.
"""

from __future__ import annotations

from itertools import repeat
from operator import attrgetter, itemgetter, ne

from roadmapd.problems import Position, Range
from roadmapd.roadmap.build import body_of
from roadmapd.roadmap.columns import utf16_len
from roadmapd.roadmap.draft import Draft
from roadmapd.roadmap.model import Task, new_task
from roadmapd.roadmap.scan_memo import Name

_new = object.__new__
# The slot descriptors of the frozen dataclasses: they set a field, bypassing `__setattr__`.
_LINE, _CHAR = vars(Position)["line"].__set__, vars(Position)["character"].__set__
_START, _END = vars(Range)["start"].__set__, vars(Range)["end"].__set__
_FIELDS = attrgetter(
    "line", "last", "box_line", "box_col", "col", "checked", "depth", "headings", "text"
)
_META = attrgetter("depends", "files", "verify", "acceptance")
_EXPLICIT, _TITLE = itemgetter(0), itemgetter(1)


def positions(lines: list[int], chars: list[int]) -> list[Position]:
    """`[Position(l, c) for l, c in zip(lines, chars)]`, without running `__init__`."""
    out = list(map(_new, repeat(Position, len(lines))))
    any(map(_LINE, out, lines))
    any(map(_CHAR, out, chars))
    return out


def ranges(starts: list[Position], ends: list[Position]) -> list[Range]:
    """`[Range(s, e) for s, e in zip(starts, ends)]`, without running `__init__`."""
    out = list(map(_new, repeat(Range, len(starts))))
    any(map(_START, out, starts))
    any(map(_END, out, ends))
    return out


def tasks_of(
    drafts: list[Draft],
    names: list[Name],
    ids: list[str],
    parents: list[int],
    lines: list[str],
) -> list[Task]:
    """The Tasks of a whole parse, equal to `build.build` of each draft."""
    n = len(drafts)
    if not n:
        return []
    cols = list(zip(*map(_FIELDS, drafts), strict=True))
    first, last, box_line, box_col, col, checked, depth, headings, text = cols
    meta = list(zip(*map(_META, drafts), strict=True))
    depends, files, verify, acceptance = (list(map(tuple, m)) for m in meta)
    last_lines = list(map(lines.__getitem__, last))
    ends = list(map(len if all(map(str.isascii, last_lines)) else utf16_len, last_lines))
    span = ranges(positions(list(first), [0] * n), positions(list(last), ends))
    box_start = positions(list(box_line), list(box_col))
    box = ranges(box_start, positions(list(box_line), [c + 3 for c in box_col]))
    bodies = [
        body_of(lines, a + 1, b, c) if b > a else ()
        for a, b, c in zip(first, last, col, strict=True)
    ]
    explicit = list(map(ne, map(_EXPLICIT, names), repeat(None)))
    parent_ids = [None if p < 0 else ids[p] for p in parents]
    rows = zip(
        ids,
        map(_TITLE, names),
        first,
        checked,
        depth,
        headings,
        depends,
        files,
        verify,
        acceptance,
        bodies,
        span,
        box,
        explicit,
        parent_ids,
        text,
        strict=True,
    )
    return list(map(new_task, rows))
