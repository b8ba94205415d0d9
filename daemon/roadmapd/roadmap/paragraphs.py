"""Paragraph-level reading for the scanner: tasks, headings, metadata and look-alikes.

`Reader` holds the scan state (open containers, the open leaf, headings so far, outputs) and
knows what a paragraph line means; `scanner.Scanner` adds the line loop that finds block
structure and calls in here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from roadmapd.problems import Position, Problem, Range, Severity
from roadmapd.roadmap import blocks, lookalikes, metadata
from roadmapd.roadmap.columns import utf16_len
from roadmapd.roadmap.draft import Draft
from roadmapd.roadmap.model import Heading
from roadmapd.roadmap.scan_memo import HeadingKey, Reset

NONE, PARA, FENCE, ICODE, HTML, TABLE = range(6)
SOURCE = "roadmap"
_META_START = frozenset("*_DdFfVvAa")


class Container:
    __slots__ = ("col", "has_child", "line", "meta_key", "meta_task", "quote", "task", "text_col")

    def __init__(self, col: int, quote: bool, line: int, text_col: int = 0) -> None:
        self.col = col  # content offset from the parent container's content (list items)
        self.text_col = text_col  # the content's column on the marker line
        self.quote = quote
        self.line = line
        self.has_child = False
        self.task: Draft | None = None
        self.meta_key = ""
        self.meta_task: Draft | None = None


def _line_range(line: int, raw: str, start: int) -> Range:
    end = utf16_len(raw)
    return Range(Position(line, start), Position(line, max(start, end)))


class Reader:
    """The scan state, and what the lines of a paragraph mean."""

    def __init__(self, headings: HeadingKey = ()) -> None:
        self.stack: list[Container] = []
        self.leaf = NONE
        self.fence = ("", 0)
        self.html_end: blocks.HtmlEnd = None
        self.para: list[str] = []
        self.para_task: Draft | None = None
        self.heading_key: HeadingKey = headings
        self.heading_titles: tuple[str, ...] = tuple(t for _, t in headings)
        self.headings: list[Heading] = []
        self.drafts: list[Draft] = []
        self.problems: list[Problem] = []
        self.resets: list[Reset] = []
        self.touched = -1  # the last line that belongs to every container still open

    def _drop_para_task(self) -> None:
        draft = self.para_task
        if draft is not None:
            self.drafts.remove(draft)
            for c in self.stack:
                if c.task is draft:
                    c.task = None
            self.para_task = None

    def _heading(self, level: int, title: str, ln: int) -> None:
        if self.stack:
            return
        key = self.heading_key
        while key and key[-1][0] >= level:
            key = key[:-1]
        self.heading_key = (*key, (level, title))
        self.heading_titles = tuple(t for _, t in self.heading_key)
        self.headings.append(Heading(title, level, ln))

    # ---- paragraphs: tasks, metadata, look-alikes ----------------------------------------

    def _para_start(self, ln: int, raw: str, text: str, top: Container | None, first: bool) -> None:
        self.leaf = PARA
        self.para = [text]
        self.para_task = None
        stack = self.stack
        if top is None or top.quote:
            if text[0] == "[" and lookalikes.TASK.match(text):
                self._problem(
                    ln, raw, "not a task: a checkbox needs a list marker in front: `- [ ] ...`"
                )
            return
        if not first:
            self._meta(ln, text, top.task, None)
            return
        if text[0] == "[":
            m = lookalikes.TASK.match(text)
            if m is not None:
                self._new_task(ln, raw, text, m, top)
                return
            self._lookalike_box(ln, raw, text)
        if len(stack) >= 2:
            parent = stack[-2]
            if parent.meta_key and parent.meta_task is not None:
                key = parent.meta_key
                found = metadata.values(key, text) if key != "acceptance" else [text.strip()]
                self._add_meta(parent.meta_task, key, found, ln)
            else:
                self._meta(ln, text, parent.task, top)

    def _para_line(self, ln: int, raw: str, s: str, fn: int, lazy: bool) -> None:
        text = s[fn:]
        self.para.append(text)
        if "[" in text and lookalikes.CHECKISH.match(text):
            self._problem(
                ln,
                raw,
                "not a task: the line continues the paragraph above; put a blank line before it",
            )
        elif not lazy and self.stack:
            top = self.stack[-1]
            self._meta(ln, text, top.task, None)

    def _new_task(self, ln: int, raw: str, text: str, m: re.Match[str], top: Container) -> None:
        stack = self.stack
        depth = -1
        parent: Draft | None = None
        for c in stack:
            if not c.quote:
                depth += 1
                if c.task is not None and c is not top:
                    parent = c.task
        d = Draft(top.line, top.text_col, depth, self.heading_titles)
        d.checked = m.group(1) != " "
        d.text = text[m.end() :].rstrip()
        d.box_line = ln
        d.box_col = raw.find("[")
        d.parent = parent
        d.last = ln
        top.task = d
        self.para_task = d
        self.drafts.append(d)

    def _meta(self, ln: int, text: str, owner: Draft | None, item: Container | None) -> None:
        if owner is None or text[0] not in _META_START:
            return
        meta = metadata.read(text)
        if meta is None:
            return
        key, found = meta
        if not found and item is not None:
            item.meta_key, item.meta_task = key, owner
        self._add_meta(owner, key, found, ln)

    def _add_meta(self, owner: Draft, key: str, found: Sequence[str], ln: int) -> None:
        if key == "depends":
            owner.depends.extend(v for v in found if v not in owner.depends)
            if owner.depends_line < 0:
                owner.depends_line = ln
        elif key == "files":
            owner.files.extend(found)
        elif key == "verify":
            owner.verify.extend(found)
        else:
            owner.acceptance.extend(found)

    def _lookalike_box(self, ln: int, raw: str, text: str) -> None:
        hint = lookalikes.box_hint(text)
        if hint is not None:
            self._problem(ln, raw, f"not a task: {hint}")

    def _lookalike_line(self, ln: int, raw: str, s: str, fn: int, why: str) -> None:
        if "[" in s and lookalikes.CHECKISH.match(s, fn):
            self._problem(ln, raw, f"not a task: {why}")

    def _problem(self, ln: int, raw: str, message: str) -> None:
        start = max(0, raw.find("["))
        self.problems.append(
            Problem(
                message,
                _line_range(ln, raw, start),
                Severity.WARNING,
                SOURCE,
                "not-a-task",
            )
        )
