"""Where task ids occur in a roadmap's text: each task's written id, each id on `Depends:` lines.

Pure, built from one parsed version (text lines + `Roadmap`) and cached on it by `of(parsed)`.
Navigation, rename, completion and the quick fixes all read positions from here. Columns are
string indices inside; `Span` turns them into LSP positions (UTF-16 code units).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from roadmapd.roadmap import Roadmap, Task, split_lines
from roadmapd.roadmap.columns import str_index, utf16_column
from roadmapd.roadmap.ids import IdKind as ExplicitKind
from roadmapd.roadmap.ids import written_id
from roadmapd.roadmap.metadata import BULLET, DEPENDS_KEY, depends_tokens, written_line

from .documents import Parsed, once

if TYPE_CHECKING:
    from .documents import Documents

IdKind = ExplicitKind | Literal["derived"]

DEPENDS_LINE = written_line(DEPENDS_KEY)
_ITEM = re.compile(rf"^[ \t>]*{BULLET}")


@dataclass(frozen=True, slots=True)
class Span:
    line: int
    start: int  # string indices into the line
    end: int

    def lsp_range(self, lines: list[str]) -> dict[str, Any]:
        text = lines[self.line] if self.line < len(lines) else ""
        return {
            "start": {"line": self.line, "character": utf16_column(text, self.start)},
            "end": {"line": self.line, "character": utf16_column(text, self.end)},
        }

    def holds(self, line: int, index: int) -> bool:
        return line == self.line and self.start <= index <= self.end


@dataclass(frozen=True, slots=True)
class Token:
    """One value on a `Depends:` line: `inner` without quotes, `raw` with them."""

    value: str
    inner: Span
    raw: Span


@dataclass(frozen=True, slots=True)
class DependsLine:
    line: int
    tokens: tuple[Token, ...]
    whole_line: bool  # removing its last token removes the line


@dataclass(frozen=True, slots=True)
class Reference:
    """`task` names `target` in its `Depends:` at `token`."""

    task: Task
    target: str
    token: Token
    owner: DependsLine


@dataclass(frozen=True, slots=True)
class WrittenId:
    name: str
    kind: IdKind
    span: Span


@dataclass
class Occurrences:
    lines: list[str]
    roadmap: Roadmap
    owners: list[Task | None]  # the innermost task whose item holds each line
    references: list[Reference] = field(default_factory=list)
    by_target: dict[str, list[Reference]] = field(default_factory=dict)

    def written_id(self, task: Task) -> WrittenId:
        """Where the task's id is written on its line (the title for a derived id)."""
        line = self.lines[task.line]
        after = str_index(line, task.box.end.character)
        found = written_id(line[after:]) if task.explicit_id else None
        if found is not None:
            name, kind, start, end = found
            return WrittenId(name, kind, Span(task.line, after + start, after + end))
        start = len(line) - len(line[after:].lstrip())
        return WrittenId(task.id, "derived", Span(task.line, start, len(line.rstrip())))

    def task_on_line(self, line: int) -> Task | None:
        owner = self.owners[line] if 0 <= line < len(self.owners) else None
        return owner if owner is not None and owner.line == line else None

    def owner_near(self, line: int) -> Task | None:
        """The task whose item holds `line`, else the one holding the nearest text line above."""
        if 0 <= line < len(self.owners) and self.owners[line] is not None:
            return self.owners[line]
        for ln in range(min(line, len(self.owners)) - 1, -1, -1):
            if self.lines[ln].strip():
                return self.owners[ln]
        return None

    def at(self, line: int, character: int) -> tuple[str, Span, Reference | None] | None:
        """The id under the cursor: a reference on a Depends line, or a task's own line."""
        if not 0 <= line < len(self.lines):
            return None
        index = str_index(self.lines[line], character)
        for ref in self.references_on(line):
            if ref.token.raw.holds(line, index):
                return ref.target, ref.token.inner, ref
        task = self.task_on_line(line)
        if task is not None:
            return task.id, self.written_id(task).span, None
        return None

    def task_at(self, line: int, character: int) -> Task | None:
        """The task named by the id under the cursor (None off an id or for an unknown id)."""
        found = self.at(line, character)
        return self.roadmap.task(found[0]) if found is not None else None

    def references_on(self, line: int) -> list[Reference]:
        task = self.owners[line] if 0 <= line < len(self.owners) else None
        if task is None or not task.depends:
            return []
        return [r for dep in task.depends for r in self.by_target.get(dep, ()) if r.task is task]


def build(roadmap: Roadmap, lines: list[str]) -> Occurrences:
    owners: list[Task | None] = [None] * len(lines)
    for task in roadmap.tasks:  # document order: nested tasks overwrite their parents' lines
        for ln in range(task.line, min(task.range.end.line, len(lines) - 1) + 1):
            owners[ln] = task
    occ = Occurrences(lines, roadmap, owners)
    for task in roadmap.tasks:
        if task.depends:
            _collect(occ, task)
    return occ


def _collect(occ: Occurrences, task: Task) -> None:
    lines, owners = occ.lines, occ.owners
    end = min(task.range.end.line, len(lines) - 1)
    ln = task.line + 1
    while ln <= end:
        m = DEPENDS_LINE.match(lines[ln]) if owners[ln] is task else None
        ln += 1
        if m is None:
            continue
        if m.group("rest").strip():
            _add(
                occ,
                task,
                DependsLine(ln - 1, _tokens(ln - 1, lines[ln - 1], m.start("rest")), True),
            )
            continue
        indent = _indent(lines[ln - 1])
        while ln <= end and (not lines[ln].strip() or _indent(lines[ln]) > indent):
            item = _ITEM.match(lines[ln])
            if item is not None and owners[ln] is task:
                _add(occ, task, DependsLine(ln, _tokens(ln, lines[ln], item.end()), True))
            ln += 1


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


def _tokens(ln: int, line: str, start: int) -> tuple[Token, ...]:
    return tuple(
        Token(value, Span(ln, at, at + len(value)), Span(ln, begin, end))
        for value, at, begin, end in depends_tokens(line, start)
    )


def _add(occ: Occurrences, task: Task, owner: DependsLine) -> None:
    for token in owner.tokens:
        if token.value in task.depends:
            ref = Reference(task, token.value, token, owner)
            occ.references.append(ref)
            occ.by_target.setdefault(token.value, []).append(ref)


def of(parsed: Parsed) -> Occurrences:
    """The occurrences of one parsed version (computed once, kept in its cache)."""
    return once(parsed, "occurrences", lambda: build(parsed.roadmap, split_lines(parsed.text)))


def of_open(documents: Documents, uri: str) -> Occurrences | None:
    """The occurrences of the open roadmap `uri` (None when `uri` is not one)."""
    parsed = documents.get(uri)
    return of(parsed) if parsed is not None else None
