"""`parse(text) -> Roadmap`: scan the lines once, then name the tasks and check dependencies."""

from __future__ import annotations

import gc

from roadmapd.problems import Position, Problem, Range, Severity
from roadmapd.roadmap.draft import Draft
from roadmapd.roadmap.graph import dependency_problems
from roadmapd.roadmap.ids import slug, split_title, unique
from roadmapd.roadmap.model import Roadmap, Task
from roadmapd.roadmap.scanner import SOURCE, Scanner


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


def _body(lines: list[str], d: Draft) -> tuple[str, ...]:
    col = d.col
    out = []
    for raw in lines[d.line + 1 : d.last + 1]:
        line = raw.expandtabs(4) if "\t" in raw[:col] else raw
        lead = len(line) - len(line.lstrip(" "))
        out.append(line[min(lead, col) :].rstrip())
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
    feed = scanner.feed
    for ln in range(_front_matter_end(lines), len(lines)):
        feed(ln, lines[ln])
    drafts = scanner.drafts
    problems: list[Problem] = list(scanner.problems)

    named = [split_title(d.text) for d in drafts]
    taken: set[str] = set()
    first_use: dict[str, int] = {}
    ids: list[str | None] = []
    for d, (explicit, _) in zip(drafts, named, strict=True):
        if explicit is not None and explicit not in taken:
            taken.add(explicit)
            first_use[explicit] = d.line
            ids.append(explicit)
        else:
            ids.append(None)
    for i, (d, (explicit, title)) in enumerate(zip(drafts, named, strict=True)):
        if ids[i] is not None:
            continue
        if explicit is not None:
            new_id = unique(explicit, taken)
            problems.append(
                Problem(
                    f"duplicate id {explicit!r}: the task on line {first_use[explicit] + 1} "
                    f"already has it; this one is called {new_id!r} until you rename it",
                    _box(d),
                    Severity.ERROR,
                    SOURCE,
                    "duplicate-id",
                )
            )
            ids[i] = new_id
        else:
            ids[i] = unique(slug(title), taken)

    id_of = {id(d): ids[i] or "" for i, d in enumerate(drafts)}
    tasks: list[Task] = []
    for i, d in enumerate(drafts):
        end_line = lines[d.last]
        tasks.append(
            Task(
                id=id_of[id(d)],
                title=named[i][1],
                line=d.line,
                checked=d.checked,
                depth=d.depth,
                headings=d.headings,
                depends=tuple(d.depends),
                files=tuple(d.files),
                verify=tuple(d.verify),
                acceptance=tuple(d.acceptance),
                body=_body(lines, d) if d.last > d.line else (),
                range=Range(Position(d.line, 0), Position(d.last, _utf16_len(end_line))),
                box=_box(d),
                explicit_id=named[i][0] is not None,
                parent=id_of[id(d.parent)] if d.parent is not None else None,
                text=d.text,
            )
        )

    by_id = {t.id: t for t in tasks}
    where = {
        t.id: _depends_range(lines, d) if d.depends_line >= 0 else t.box
        for t, d in zip(tasks, drafts, strict=True)
    }
    problems.extend(
        dependency_problems([t.id for t in tasks], {t.id: t.depends for t in tasks}, where)
    )
    problems.sort(key=lambda p: (p.range.start.line, p.range.start.character))
    return Roadmap(tuple(tasks), tuple(scanner.headings), tuple(problems), len(lines), by_id)


def _box(d: Draft) -> Range:
    return Range(Position(d.box_line, d.box_col), Position(d.box_line, d.box_col + 3))


def _depends_range(lines: list[str], d: Draft) -> Range:
    line = lines[d.depends_line]
    start = len(line) - len(line.lstrip())
    return Range(Position(d.depends_line, start), Position(d.depends_line, _utf16_len(line)))
