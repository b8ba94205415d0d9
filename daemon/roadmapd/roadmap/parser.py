"""`parse(text) -> Roadmap`: scan the lines once, then name the tasks and check dependencies."""

from __future__ import annotations

import gc

from roadmapd.problems import Position, Problem, Range, Severity
from roadmapd.roadmap.draft import Draft
from roadmapd.roadmap.graph import dependency_problems
from roadmapd.roadmap.ids import name, unique
from roadmapd.roadmap.metadata import read as read_metadata
from roadmapd.roadmap.model import Roadmap, Task
from roadmapd.roadmap.scanner import SOURCE, Scanner

# The tasks of recent parses, by everything they are made of: a re-parse after an edit that keeps
# the line numbers builds only the tasks that changed (Tasks are immutable values, so sharing one
# between two Roadmaps is safe). Bounded: cleared when full.
_RECENT: dict[tuple[object, ...], Task] = {}
_RECENT_MAX = 1 << 15


def clear_caches() -> None:
    """Forget what earlier parses remembered (for cold-start benchmarks); results never change."""
    _RECENT.clear()
    name.cache_clear()
    read_metadata.cache_clear()


def split_lines(text: str) -> list[str]:
    """The lines of `text` as the LSP counts them (`\\n`, `\\r\\n` and `\\r` end a line)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def _front_matter_end(lines: list[str]) -> int:
    """The first line after YAML front matter (`---` ... `---` or `...` at the very top), or 0."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return i + 1
    return 0


def _utf16_len(line: str) -> int:
    return len(line) if line.isascii() else len(line.encode("utf-16-le")) // 2


def _body(lines: list[str], first: int, last: int, col: int) -> tuple[str, ...]:
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


def parse(text: str) -> Roadmap:
    """Parse a ROADMAP document. Pure and total: bad input becomes problems, never an error."""
    # The parse allocates tens of thousands of small acyclic objects on a big file; pausing the
    # cyclic garbage collector meanwhile saves about 15 % and frees nothing less.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _parse(text)
    finally:
        if paused:
            gc.enable()


def _parse(text: str) -> Roadmap:
    lines = split_lines(text)
    scanner = Scanner()
    scanner.scan(lines, _front_matter_end(lines))
    drafts = scanner.drafts
    problems: list[Problem] = list(scanner.problems)

    named = [name(d.text) for d in drafts]
    _name(drafts, named, problems)
    recent = _RECENT
    tasks: list[Task] = []
    append = tasks.append
    for d, (explicit, title, _) in zip(drafts, named, strict=True):
        line, last, box_line, box_col = d.line, d.last, d.box_line, d.box_col
        end_line = lines[last]
        end = len(end_line) if end_line.isascii() else _utf16_len(end_line)
        body = _body(lines, line + 1, last, d.col) if last > line else ()
        depends, files, verify = tuple(d.depends), tuple(d.files), tuple(d.verify)
        acceptance = tuple(d.acceptance)
        parent = d.parent.id if d.parent is not None else None
        # Everything the task is made of (its title and explicit id come from its text).
        key: tuple[object, ...] = (d.id, d.text, line, last, end, box_line, box_col, d.checked)
        key += (d.depth, d.headings, depends, files, verify, acceptance, body, parent)
        task = recent.get(key)
        if task is None:
            task = Task(
                d.id,
                title,
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
                explicit is not None,
                parent,
                d.text,
            )
            if len(recent) >= _RECENT_MAX:
                recent.clear()
            recent[key] = task
        append(task)

    by_id = {t.id: t for t in tasks}
    depends_of = {t.id: t.depends for t in tasks if t.depends}
    if depends_of:
        where = {
            t.id: _depends_range(lines, d) if d.depends_line >= 0 else t.box
            for t, d in zip(tasks, drafts, strict=True)
            if t.depends
        }
        problems.extend(dependency_problems([t.id for t in tasks], depends_of, where))
    if len(problems) > 1:
        problems.sort(key=_problem_start)
    return Roadmap(tuple(tasks), tuple(scanner.headings), tuple(problems), len(lines), by_id)


def _name(
    drafts: list[Draft], named: list[tuple[str | None, str, str]], problems: list[Problem]
) -> None:
    """Give every draft its id: explicit ids first come first served, then derived ids."""
    taken: set[str] = set()
    first_use: dict[str, int] = {}
    rest: list[int] = []
    for i, d in enumerate(drafts):
        explicit = named[i][0]
        if explicit is not None and explicit not in taken:
            taken.add(explicit)
            first_use[explicit] = d.line
            d.id = explicit
        else:
            rest.append(i)
    for i in rest:
        d = drafts[i]
        explicit, _, base = named[i]
        if explicit is not None:
            d.id = unique(explicit, taken)
            problems.append(
                Problem(
                    f"duplicate id {explicit!r}: the task on line {first_use[explicit] + 1} "
                    f"already has it; this one is called {d.id!r} until you rename it",
                    _box(d),
                    Severity.ERROR,
                    SOURCE,
                    "duplicate-id",
                )
            )
        elif base in taken:
            d.id = unique(base, taken)
        else:
            taken.add(base)
            d.id = base


def _problem_start(p: Problem) -> tuple[int, int]:
    return p.range.start.line, p.range.start.character


def _box(d: Draft) -> Range:
    return Range(Position(d.box_line, d.box_col), Position(d.box_line, d.box_col + 3))


def _depends_range(lines: list[str], d: Draft) -> Range:
    line = lines[d.depends_line]
    start = len(line) - len(line.lstrip())
    return Range(Position(d.depends_line, start), Position(d.depends_line, _utf16_len(line)))
