"""From scan results to values: task ids, frozen Tasks, dependency problems, the Roadmap.

Shared by `parse` (every task built from its draft) and `reparse` (tasks outside the re-scanned
lines reused, or moved when lines were inserted or removed above them).
"""

from __future__ import annotations

from collections.abc import Sequence

from roadmapd.problems import Position, Problem, Range, Severity
from roadmapd.roadmap.columns import utf16_len
from roadmapd.roadmap.draft import Draft
from roadmapd.roadmap.graph import dependency_problems
from roadmapd.roadmap.ids import unique
from roadmapd.roadmap.model import Heading, Roadmap, Task
from roadmapd.roadmap.paragraphs import SOURCE
from roadmapd.roadmap.scan_memo import Duplicate, Name, ScanMemo

# The tasks of recent parses, by everything they are made of: a re-parse after an edit that keeps
# the line numbers builds only the tasks that changed (Tasks are immutable values, so sharing one
# between two Roadmaps is safe). Bounded: cleared when full.
RECENT: dict[tuple[object, ...], Task] = {}
_RECENT_MAX = 1 << 15


def assign_ids(names: Sequence[Name]) -> tuple[list[str], list[Duplicate]]:
    """Every task's id: explicit ids first come first served, then derived ids."""
    taken: set[str] = set()
    first_use: dict[str, int] = {}
    ids = [""] * len(names)
    rest: list[int] = []
    for i, (explicit, _, _) in enumerate(names):
        if explicit is not None and explicit not in taken:
            taken.add(explicit)
            first_use[explicit] = i
            ids[i] = explicit
        else:
            rest.append(i)
    duplicates: list[Duplicate] = []
    for i in rest:
        explicit, _, base = names[i]
        if explicit is not None:
            ids[i] = unique(explicit, taken)
            duplicates.append((i, explicit, first_use[explicit]))
        elif base in taken:
            ids[i] = unique(base, taken)
        else:
            taken.add(base)
            ids[i] = base
    return ids, duplicates


def body_of(lines: list[str], first: int, last: int, col: int) -> tuple[str, ...]:
    """Lines `first..last` dedented by up to `col` columns, trailing whitespace removed."""
    pad = " " * col
    out = []
    for raw in lines[first : last + 1]:
        line = raw.expandtabs(4) if "\t" in raw[:col] else raw
        if line.startswith(pad):
            out.append(line[col:].rstrip())
        else:
            out.append(line.lstrip(" ").rstrip())
    return tuple(out)


def build(d: Draft, name: Name, task_id: str, parent: str | None, lines: list[str]) -> Task:
    """The Task of a draft (the same object as a recent parse's when nothing changed)."""
    line, last, box_line, box_col = d.line, d.last, d.box_line, d.box_col
    end_line = lines[last]
    end = utf16_len(end_line)
    body = body_of(lines, line + 1, last, d.col) if last > line else ()
    depends, files, verify = tuple(d.depends), tuple(d.files), tuple(d.verify)
    acceptance = tuple(d.acceptance)
    # Everything the task is made of (its title and explicit id come from its text).
    key: tuple[object, ...] = (task_id, d.text, line, last, end, box_line, box_col, d.checked)
    key += (d.depth, d.headings, depends, files, verify, acceptance, body, parent)
    task = RECENT.get(key)
    if task is None:
        task = Task(
            task_id,
            name[1],
            line,
            d.checked,
            d.depth,
            d.headings,
            depends,
            files,
            verify,
            acceptance,
            body,
            Range(Position(line, 0), Position(last, end)),
            Range(Position(box_line, box_col), Position(box_line, box_col + 3)),
            name[0] is not None,
            parent,
            d.text,
        )
        if len(RECENT) >= _RECENT_MAX:
            RECENT.clear()
        RECENT[key] = task
    return task


def _moved(r: Range, delta: int) -> Range:
    start, end = r.start, r.end
    return Range(
        Position(start.line + delta, start.character), Position(end.line + delta, end.character)
    )


def moved(t: Task, delta: int, task_id: str, parent: str | None) -> Task:
    """`t` with its lines shifted by `delta` and the given id and parent id."""
    return Task(
        task_id,
        t.title,
        t.line + delta,
        t.checked,
        t.depth,
        t.headings,
        t.depends,
        t.files,
        t.verify,
        t.acceptance,
        t.body,
        _moved(t.range, delta) if delta else t.range,
        _moved(t.box, delta) if delta else t.box,
        t.explicit_id,
        parent,
        t.text,
    )


def moved_heading(h: Heading, delta: int) -> Heading:
    return Heading(h.title, h.level, h.line + delta)


def moved_problem(p: Problem, delta: int) -> Problem:
    return Problem(p.message, _moved(p.range, delta), p.severity, p.source, p.code, p.file)


def _problem_start(p: Problem) -> tuple[int, int]:
    return p.range.start.line, p.range.start.character


def _depends_range(lines: list[str], ln: int) -> Range:
    line = lines[ln]
    start = len(line) - len(line.lstrip())
    return Range(Position(ln, start), Position(ln, utf16_len(line)))


def finish(tasks: list[Task], headings: list[Heading], memo: ScanMemo) -> Roadmap:
    """The Roadmap: scan problems, duplicate ids and dependency problems, in document order."""
    problems = list(memo.scan_problems)
    for i, explicit, holder in memo.duplicates:
        problems.append(
            Problem(
                f"duplicate id {explicit!r}: the task on line {tasks[holder].line + 1} "
                f"already has it; this one is called {tasks[i].id!r} until you rename it",
                tasks[i].box,
                Severity.ERROR,
                SOURCE,
                "duplicate-id",
            )
        )
    by_id = {t.id: t for t in tasks}
    depends_of = {t.id: t.depends for t in tasks if t.depends}
    if depends_of:
        lines, depends_lines = memo.lines, memo.depends_lines
        index: dict[str, int] = {}  # built only when some task has a dependency problem

        def where(task_id: str) -> Range:
            if not index:
                index.update((t.id, i) for i, t in enumerate(tasks))
            ln = depends_lines[index[task_id]]
            return _depends_range(lines, ln) if ln >= 0 else by_id[task_id].box

        problems.extend(dependency_problems([t.id for t in tasks], depends_of, where))
    if len(problems) > 1:
        problems.sort(key=_problem_start)
    return Roadmap(tuple(tasks), tuple(headings), tuple(problems), len(memo.lines), by_id, memo)
