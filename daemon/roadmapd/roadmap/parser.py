"""`parse(text) -> Roadmap`: scan the lines once, then name the tasks and check dependencies."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TypeVar

from roadmapd.roadmap import graph
from roadmapd.roadmap.assemble import tasks_of
from roadmapd.roadmap.build import RECENT, assign_ids, finish
from roadmapd.roadmap.ids import name
from roadmapd.roadmap.metadata import read as read_metadata
from roadmapd.roadmap.model import Roadmap
from roadmapd.roadmap.names import names_of
from roadmapd.roadmap.scan_memo import ScanMemo
from roadmapd.roadmap.scanner import Scanner

T = TypeVar("T")


def clear_caches() -> None:
    """Forget what earlier parses remembered (for cold-start benchmarks); results never change."""
    RECENT.clear()
    graph.clear_cache()
    name.cache_clear()
    read_metadata.cache_clear()


def normalise(text: str) -> str:
    """`text` with `\\r\\n` and `\\r` line breaks turned into `\\n`."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split_lines(text: str) -> list[str]:
    """The lines of `text` as the LSP counts them (`\\n`, `\\r\\n` and `\\r` end a line)."""
    return normalise(text).split("\n")


def front_matter_end(lines: list[str]) -> int:
    """The first line after YAML front matter (`---` ... `---` or `...` at the very top), or 0."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return i + 1
    return 0


def without_gc(fn: Callable[[], T]) -> T:
    """`fn()` with the cyclic garbage collector paused: a parse allocates tens of thousands of
    small acyclic objects on a big file, and pausing saves about 15 % while freeing nothing less.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return fn()
    finally:
        if paused:
            gc.enable()


def parse(text: str) -> Roadmap:
    """Parse a ROADMAP document. Pure and total: bad input becomes problems, never an error."""
    return without_gc(lambda: _parse(normalise(text)))


def _no_mark(phase: str) -> None:
    return None


def parse_marked(text: str, mark: Callable[[str], None] = _no_mark) -> Roadmap:
    """`parse(text)` (caches and the garbage collector left as they are), calling
    `mark(phase)` after each phase: scan, names, ids, tasks, finish (the benchmark's split)."""
    return _parse(normalise(text), mark)


def _parse(text: str, mark: Callable[[str], None] = _no_mark) -> Roadmap:
    lines = text.split("\n")
    first = front_matter_end(lines)
    scanner = Scanner()
    scanner.scan(lines, first)
    drafts = scanner.drafts
    for i, d in enumerate(drafts):
        d.index = i
    mark("scan")
    names = names_of([d.text for d in drafts])
    mark("names")
    parents = [-1 if d.parent is None else d.parent.index for d in drafts]
    ids, duplicates = assign_ids(names)
    mark("ids")
    tasks = tasks_of(drafts, names, ids, parents, lines)
    mark("tasks")
    depends_lines = [d.depends_line for d in drafts]
    memo = ScanMemo(
        text,
        lines,
        first,
        scanner.resets,
        names,
        ids,
        duplicates,
        parents,
        depends_lines,
        scanner.problems,
    )
    roadmap = finish(tasks, scanner.headings, memo)
    mark("finish")
    return roadmap
