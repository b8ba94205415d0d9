"""The single-pass line scanner: CommonMark block structure, just enough to find task items.

It keeps the stack of open containers (block quotes, list items) and the one open leaf block
(paragraph, fenced or indented code, HTML block, table) the way the CommonMark spec's parsing
strategy describes, one line at a time, and records task drafts, headings and look-alike
problems as it goes. Every line costs a constant amount of work times the nesting depth.

It also records *reset* lines: lines read after every container was closed and the open leaf
ended, so that the scan from there on depends only on the enclosing headings. A re-parse after
an edit starts at the last reset line before the edit and stops at the first reset line after
it that the previous scan shared (see `incremental`). In a reset state the fast lane
(`fastlane`) reads the common units whole and hands the rest back to the line loop.
"""

from __future__ import annotations

import re

from roadmapd.roadmap import blocks, fastlane
from roadmapd.roadmap.fastlane import FastLane, Stop
from roadmapd.roadmap.paragraphs import (
    FENCE,
    HTML,
    ICODE,
    NONE,
    PARA,
    TABLE,
    Container,
)

_PREFIX = re.compile(r"[ \t>*+\-.)0-9\[\]xX]*")
_CONTINUED, _CONSUMED, _INTERRUPTED = range(3)
_INTERRUPT_START = frozenset("#`~<*-_")
_RULE_NEXT = frozenset("-*_\t")


def _expand(raw: str) -> str:
    """Tabs in the structural prefix of a line become spaces (CommonMark tab stops of 4)."""
    end = _PREFIX.match(raw)
    cut = end.end() if end else 0
    return raw[:cut].expandtabs(4) + raw[cut:]


class Scanner(FastLane):
    """Call `scan` once with the lines; read `drafts`, `headings`, `problems`, `resets` after."""

    # ---- the per-line driver -------------------------------------------------------------

    def scan(self, lines: list[str], first: int, stop: Stop = None) -> int:
        """Read `lines[first:]` in order, then close every open container. With `stop`, end
        before the first reset line `ln` whose headings are `stop(ln)`; returns where it ended.

        The fast lane reads what it recognises whenever no container and no leaf is open;
        the line loop reads the rest.
        """
        n = len(lines)
        ln = first
        fast = fastlane.enabled()
        stopped = False
        while ln < n and not stopped:
            if fast:
                ln, stopped = self._fast_lane(lines, ln, stop)
                if stopped or ln == n:
                    break
            ln, stopped = self._scan_lines(lines, ln, stop, fast)
        self._close_to(0)
        return ln

    def _scan_lines(self, lines: list[str], start: int, stop: Stop, fast: bool) -> tuple[int, bool]:
        """Read lines from `start` on, until the end, a line where `stop` ends the scan, or
        (with `fast`) a later line where no container and no leaf is open. Returns that line
        and whether `stop` ended the scan."""
        stack = self.stack
        resets = self.resets
        continue_leaf = self._continue_leaf
        close_to = self._close_to
        push = self._push
        open_leaf = self._open_leaf
        for ln in range(start, len(lines)):
            if not stack and fast and ln != start and self.leaf == NONE:
                return ln, False
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
            if (
                not matched
                and not blank
                and (leaf == NONE if not depth else leaf != PARA or blocks.OPENS.match(s))
            ):
                key = self.heading_key
                if stop is not None and stop(ln) == key:
                    return ln, True
                resets.append((ln, key, len(self.drafts), len(self.headings), len(self.problems)))
            if matched == depth and leaf >= FENCE and continue_leaf(ln, raw, s, pos, fn, blank):
                continue

            opened = False
            in_para = leaf == PARA and matched == depth
            while not blank and fn - pos < 4:
                ch = s[fn]
                if ch == ">":
                    close_to(matched)
                    push(Container(0, True, ln))
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
                stack.append(Container(col - pos, False, ln, col))
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
        return len(lines), False

    # ---- containers ----------------------------------------------------------------------

    def _push(self, c: Container) -> None:
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
