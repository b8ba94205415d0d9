"""A parse as plain values (tuples, lists, strings, numbers) and back: what `parse_cache` keeps.

`dump(roadmap)` gives nested builtins that `marshal` can write; `load(data, text)` rebuilds a
Roadmap equal to `parse(text)` in every field, the re-parse memo included, so that `reparse`
goes on from it as from a parse. The tasks come back column by column, as `assemble` makes
them (about six times faster than scanning the text again on a big roadmap). Pure: the caller
checks that `data` belongs to `text` and to this parser.
"""

from __future__ import annotations

from array import array
from operator import attrgetter
from typing import Any

from roadmapd.problems import Position, Problem, Range, Severity
from roadmapd.roadmap.assemble import positions, ranges
from roadmapd.roadmap.model import Heading, Roadmap, Task, new_task
from roadmapd.roadmap.parser import normalise
from roadmapd.roadmap.scan_memo import ScanMemo

#: Changes whenever the shape below changes (with the parser's own sources, `parse_cache`'s key).
FORMAT = 1
_FIELDS = 16  # a Task's fields, in order (model.Task)
_RANGE, _BOX = 11, 12  # the Range fields of a Task


def _range(r: Range) -> tuple[int, int, int, int]:
    return r.start.line, r.start.character, r.end.line, r.end.character


def _problem(p: Problem) -> tuple[Any, ...]:
    return p.message, _range(p.range), int(p.severity), p.source, p.code, p.file


def _from_problem(row: tuple[Any, ...]) -> Problem:
    message, (a, b, c, d), severity, source, code, file = row
    return Problem(
        message, Range(Position(a, b), Position(c, d)), Severity(severity), source, code, file
    )


_COORDS = [
    attrgetter(f"{end}.{part}") for end in ("start", "end") for part in ("line", "character")
]


def _coords(column: list[Range]) -> list[bytes]:
    """The four coordinates of every Range in `column`, each as the bytes of an int array (the
    ints are made one at a time and dropped, where a list of tuples would keep them all)."""
    return [array("q", map(coord, column)).tobytes() for coord in _COORDS]


def _ranges(coords: list[bytes]) -> list[Range]:
    a, b, c, d = (array("q", data).tolist() for data in coords)
    return ranges(positions(a, b), positions(c, d))


def dump(roadmap: Roadmap) -> tuple[Any, ...]:
    """`roadmap` as builtins only (every task field a column; ranges as four int columns)."""
    memo = roadmap._memo
    if memo is None:
        raise ValueError("only a parse (with its memo) can be dumped")
    columns: list[Any] = [list(c) for c in zip(*roadmap.tasks, strict=True)]
    for i in (_RANGE, _BOX):
        if columns:
            columns[i] = _coords(columns[i])
    return (
        FORMAT,
        columns,
        [(h.title, h.level, h.line) for h in roadmap.headings],
        [_problem(p) for p in roadmap.problems],
        roadmap.line_count,
        sorted(roadmap.in_progress),
        sorted(roadmap.optional),
        (
            memo.first,
            memo.resets,
            memo.names,
            memo.ids,
            memo.duplicates,
            memo.parents,
            memo.depends_lines,
            [_problem(p) for p in memo.scan_problems],
        ),
    )


def load(data: Any, text: str) -> Roadmap:
    """The Roadmap `dump` gave `data` for, `text` being the text it was parsed from. Raises
    ValueError (or TypeError) when `data` is not such a dump."""
    fmt, columns, headings, problems, line_count, in_progress, optional, memo_data = data
    if fmt != FORMAT:
        raise ValueError(f"snapshot format {fmt!r}, expected {FORMAT}")
    if columns:
        if len(columns) != _FIELDS:
            raise ValueError("a snapshot's tasks have the wrong number of fields")
        columns = list(columns)
        for i in (_RANGE, _BOX):
            columns[i] = _ranges(columns[i])
        tasks: list[Task] = list(map(new_task, zip(*columns, strict=True)))
    else:
        tasks = []
    first, resets, names, ids, duplicates, parents, depends_lines, scan_problems = memo_data
    normalised = normalise(text)
    lines = normalised.split("\n")
    if len(lines) != line_count:
        raise ValueError("the snapshot is of another text")
    memo = ScanMemo(
        normalised,
        lines,
        first,
        resets,
        names,
        ids,
        duplicates,
        parents,
        depends_lines,
        [_from_problem(p) for p in scan_problems],
    )
    return Roadmap(
        tuple(tasks),
        tuple(Heading(*h) for h in headings),
        tuple(_from_problem(p) for p in problems),
        line_count,
        {t.id: t for t in tasks},
        memo,
        frozenset(in_progress),
        frozenset(optional),
    )
