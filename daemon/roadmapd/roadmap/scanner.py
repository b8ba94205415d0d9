"""The single-pass line scanner: CommonMark block structure, just enough to find task items.

It keeps the stack of open containers (block quotes, list items) and the one open leaf block
(paragraph, fenced or indented code, HTML block, table) the way the CommonMark spec's parsing
strategy describes, one line at a time, and records task drafts, headings and look-alike
problems as it goes. Every line costs a constant amount of work times the nesting depth.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from roadmapd.problems import Position, Problem, Range, Severity
from roadmapd.roadmap import blocks, lookalikes, metadata
from roadmapd.roadmap.draft import Draft
from roadmapd.roadmap.model import Heading

NONE, PARA, FENCE, ICODE, HTML, TABLE = range(6)
SOURCE = "roadmap"

_PREFIX = re.compile(r"[ \t>*+\-.)0-9\[\]xX]*")
_META_START = frozenset("*_DdFfVvAa")
_CONTINUED, _CONSUMED, _INTERRUPTED = range(3)
_INTERRUPT_START = frozenset("#`~<*-_")
_RULE_NEXT = frozenset("-*_\t")


class _Container:
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


def _expand(raw: str) -> str:
    """Tabs in the structural prefix of a line become spaces (CommonMark tab stops of 4)."""
    end = _PREFIX.match(raw)
    cut = end.end() if end else 0
    return raw[:cut].expandtabs(4) + raw[cut:]


def _line_range(line: int, raw: str, start: int) -> Range:
    end = len(raw) if raw.isascii() else len(raw.encode("utf-16-le")) // 2
    return Range(Position(line, start), Position(line, max(start, end)))


class Scanner:
    """Call `scan` once with the lines; read `drafts`, `headings` and `problems` after."""

    def __init__(self) -> None:
        self.stack: list[_Container] = []
        self.leaf = NONE
        self.fence = ("", 0)
        self.html_end: blocks.HtmlEnd = None
        self.para: list[str] = []
        self.para_task: Draft | None = None
        self.heading_stack: list[tuple[int, str]] = []
        self.heading_titles: tuple[str, ...] = ()
        self.headings: list[Heading] = []
        self.drafts: list[Draft] = []
        self.problems: list[Problem] = []
        self.touched = -1  # the last line that belongs to every container still open

    # ---- the per-line driver -------------------------------------------------------------

    def scan(self, lines: list[str], first: int) -> None:
        """Read `lines[first:]` in order, then close every open container."""
        stack = self.stack
        continue_leaf = self._continue_leaf
        close_to = self._close_to
        push = self._push
        open_leaf = self._open_leaf
        for ln in range(first, len(lines)):
            raw = lines[ln]
            s = _expand(raw) if "\t" in raw else raw
            n = len(s)
            fn = n - len(s.lstrip(" "))
            pos = 0
            depth = len(stack)
            matched = 0
            while matched < depth:
                c = stack[matched]
                if c.quote:
                    if fn == n or fn - pos > 3 or s[fn] != ">":
                        break
                    pos = fn + 1 + (fn + 1 < n and s[fn + 1] == " ")
                    fn = n - len(s[pos:].lstrip(" "))
                elif fn == n:
                    if not c.has_child:
                        break
                elif fn - pos >= c.col:
                    pos += c.col
                else:
                    break
                matched += 1
            blank = fn == n
            leaf = self.leaf
            if matched == depth and leaf >= FENCE and continue_leaf(ln, raw, s, pos, fn, blank):
                continue

            opened = False
            in_para = leaf == PARA and matched == depth
            while not blank and fn - pos < 4:
                ch = s[fn]
                if ch == ">":
                    close_to(matched)
                    push(_Container(0, True, ln))
                    matched += 1
                    pos = fn + 1 + (fn + 1 < n and s[fn + 1] == " ")
                    fn = n - len(s[pos:].lstrip(" "))
                    blank = fn == n
                    opened, in_para = True, False
                    continue
                numbered = "0" <= ch <= "9"
                if numbered:
                    m = blocks.ORDERED.match(s, fn)
                    if m is None:
                        break
                    after = m.end()
                elif ch == "-" or ch == "*" or ch == "+":
                    after = fn + 1
                else:
                    break
                if after < n and s[after] != " ":
                    break
                rest = s[after:].lstrip(" ")
                # Cheap necessary conditions guard the regular expressions: a thematic break
                # repeats the marker after the spaces, a setext underline has nothing after it.
                if (
                    ch != "+"
                    and not numbered
                    and rest
                    and rest[0] in _RULE_NEXT
                    and blocks.THEMATIC.match(s, fn)
                ):
                    break
                if in_para:
                    if (
                        ch == "-"
                        and (not rest or rest[0] in _RULE_NEXT)
                        and blocks.SETEXT.match(s, fn)
                    ):
                        break
                    if not rest or (numbered and int(s[fn : after - 1]) != 1):
                        break
                width = n - after - len(rest)
                col = after + 1 if not rest or width >= 5 else after + width
                if matched < len(stack):
                    close_to(matched)
                else:
                    self.leaf = NONE
                if stack:
                    stack[-1].has_child = True
                stack.append(_Container(col - pos, False, ln, col))
                matched += 1
                pos = col if rest else n
                fn = after + width if rest else n
                blank = not rest
                opened, in_para = True, False

            if not opened and matched < depth:
                if leaf == PARA and not blank and not self._interrupts(s, pos, fn):
                    self._para_line(ln, raw, s, fn, lazy=True)
                    self.touched = ln
                    continue
                close_to(matched)
            if not blank:
                if opened and fn - pos < 4 and s[fn] not in _INTERRUPT_START:
                    # The common case, a list item's first line of text: a paragraph.
                    top = stack[-1]
                    first = not top.quote and not top.has_child
                    top.has_child = True
                    self._para_start(ln, raw, s[fn:], top, first)
                else:
                    open_leaf(ln, raw, s, pos, fn)
                self.touched = ln
            elif self.leaf == PARA or self.leaf == TABLE:
                self.leaf = NONE
        close_to(0)

    # ---- containers ----------------------------------------------------------------------

    def _push(self, c: _Container) -> None:
        if self.stack:
            self.stack[-1].has_child = True
        self.stack.append(c)

    def _close_to(self, k: int) -> None:
        self.leaf = NONE
        stack = self.stack
        while len(stack) > k:
            task = stack.pop().task
            if task is not None:
                task.last = self.touched

    # ---- leaves --------------------------------------------------------------------------

    def _continue_leaf(self, ln: int, raw: str, s: str, pos: int, fn: int, blank: bool) -> bool:
        """Handle a line inside an open code or HTML block; False when the block ends here
        and the line is to be read as ordinary Markdown."""
        leaf = self.leaf
        if leaf == FENCE:
            char, length = self.fence
            closing = not blank and fn - pos < 4 and s[fn] == char
            if closing and blocks.fence_closes(s[fn:], char, length):
                self.leaf = NONE
        elif leaf == HTML:
            if self.html_end is None:
                if blank:
                    self.leaf = NONE
                    return True
                self._lookalike_line(ln, raw, s, fn, "inside an HTML block (add a blank line)")
            elif self.html_end.search(s, pos):
                self.leaf = NONE
        elif leaf == ICODE:
            if not (blank or fn - pos >= 4):
                return False
            if not blank:
                self._lookalike_line(ln, raw, s, fn, "indented 4+ spaces: an indented code block")
        else:
            return False
        if not blank:
            self.touched = ln
        return True

    def _interrupts(self, s: str, pos: int, fn: int) -> bool:
        """Whether a line that would otherwise continue a paragraph lazily starts a block."""
        if fn - pos >= 4 or s[fn] not in _INTERRUPT_START:
            return False
        text = s[fn:]
        return bool(
            blocks.atx_title(text)
            or blocks.fence_open(text)
            or blocks.html_start(text, True)[0]
            or blocks.THEMATIC.match(text)
        )

    def _open_leaf(self, ln: int, raw: str, s: str, pos: int, fn: int) -> None:
        text = s[fn:]
        if self.leaf == PARA:
            if fn - pos >= 4 or text[0] not in "=-|:#`~<*_":
                self._para_line(ln, raw, s, fn, lazy=False)
                return
            outcome = self._para_ends(ln, text)
            if outcome == _CONTINUED:
                self._para_line(ln, raw, s, fn, lazy=False)
            if outcome != _INTERRUPTED:
                return
        elif self.leaf == TABLE and (fn - pos >= 4 or not self._interrupts(s, pos, fn)):
            return
        self.leaf = NONE
        top = self.stack[-1] if self.stack else None
        first = top is not None and not top.quote and not top.has_child
        if top is not None:
            top.has_child = True
        if fn - pos >= 4:
            self.leaf = ICODE
            self._lookalike_line(ln, raw, s, fn, "indented 4+ spaces: an indented code block")
            return
        ch = text[0]
        if ch == "#":
            heading = blocks.atx_title(text)
            if heading is not None:
                self._heading(heading[0], heading[1], ln)
                return
        elif ch in "`~":
            fence = blocks.fence_open(text)
            if fence is not None:
                self.leaf, self.fence = FENCE, fence
                return
        elif ch == "<":
            is_html, end = blocks.html_start(text, False)
            if is_html:
                self.html_end = end
                if end is None or not end.search(text):
                    self.leaf = HTML
                return
        if ch in "*-_" and blocks.THEMATIC.match(text):
            return
        self._para_start(ln, raw, text, top, first)

    def _para_ends(self, ln: int, text: str) -> int:
        """Read a line that may end the open paragraph: as a table delimiter row or setext
        underline (consumed), as the start of another block (interrupted), or neither."""
        para = self.para
        if (
            "|" in para[-1]
            and blocks.TABLE_DELIMITER.match(text)
            and blocks.table_cells(para[-1]) == blocks.table_cells(text)
        ):
            if len(para) == 1:
                self._drop_para_task()
            self.leaf = TABLE
            return _CONSUMED
        if text[0] in "=-" and blocks.SETEXT.match(text):
            self._drop_para_task()
            self.leaf = NONE
            if not self.stack:
                self._heading(1 if text[0] == "=" else 2, " ".join(para).strip(), ln - len(para))
            return _CONSUMED
        if self._interrupts(text, 0, 0):
            return _INTERRUPTED
        return _CONTINUED

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
        hs = self.heading_stack
        while hs and hs[-1][0] >= level:
            hs.pop()
        hs.append((level, title))
        self.heading_titles = tuple(t for _, t in hs)
        self.headings.append(Heading(title, level, ln))

    # ---- paragraphs: tasks, metadata, look-alikes ----------------------------------------

    def _para_start(
        self, ln: int, raw: str, text: str, top: _Container | None, first: bool
    ) -> None:
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

    def _new_task(self, ln: int, raw: str, text: str, m: re.Match[str], top: _Container) -> None:
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

    def _meta(self, ln: int, text: str, owner: Draft | None, item: _Container | None) -> None:
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
