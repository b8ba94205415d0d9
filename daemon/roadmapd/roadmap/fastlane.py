"""The scanner's fast lane: whole units of the common ROADMAP shapes, read without the stack.

From a reset state (no open container, no open leaf) most of a real roadmap is a sequence of
a few simple units: blank lines, ATX headings, plain paragraphs ended by a blank line, fenced
code blocks, and runs of top-level task items (`- [ ] title` at column 0) whose sub-bullets
are single plain lines (`  - Files: a.py`). `FastLane._fast_lane` reads such units with a few
string tests and precompiled patterns per line, recording exactly the drafts, headings and
reset lines the general scanner records for them, and hands back at the first line it does
not recognise, always a line where the scanner restarts from a fresh state (a reset line or a
blank line after one). A unit it cannot finish is undone and left to the scanner whole.

Each recogniser accepts only lines whose meaning cannot depend on what follows or precedes
them beyond what the unit checks: no tab where tab stops matter, no character that could
open a container, a block, a table, a setext heading or a look-alike problem.
`enable(False)` turns the lane off (the scanner then reads every line itself), for tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from roadmapd.roadmap import blocks, lookalikes, metadata
from roadmapd.roadmap.draft import Draft
from roadmapd.roadmap.paragraphs import Reader
from roadmapd.roadmap.scan_memo import HeadingKey

Stop = Callable[[int], HeadingKey | None] | None

# The first character of text that can only be paragraph text: not a container marker, digit,
# block start, table or setext character, box or indentation; emphasis runs followed by a word.
_PLAIN = r"(?:[^ \t>\-*+0-9#`~<_\[|:=]|\*+[^ \t*]|_+[^ \t_])"
_PARA_FIRST = re.compile(_PLAIN)
_PARA_NEXT = re.compile(r"[ \t]*" + _PLAIN)
# A sub-bullet of a task item: one plain line, no tab (tab stops would move its columns).
_SUB = re.compile(r"  - (?:[^ \t>\-*+0-9#`~<_\[]|\*+[^ \t*]|_+[^ \t_])[^\t]*\Z")
_META_START = frozenset("*_DdFfVvAa")
_CLOSERS: dict[tuple[str, int], re.Pattern[str]] = {}

_on = [True]


def enable(on: bool) -> None:
    """Turn the fast lane on or off for every scan that starts afterwards."""
    _on[0] = on


def enabled() -> bool:
    """Whether scans use the fast lane."""
    return _on[0]


def _closer(char: str, length: int) -> re.Pattern[str]:
    """The closing line of a fence of `char` * `length` (up to 3 spaces, no tab, before it)."""
    pattern = _CLOSERS.get((char, length))
    if pattern is None:
        pattern = re.compile(f" {{0,3}}{re.escape(char)}{{{length},}}[ \\t]*\\Z")
        _CLOSERS[(char, length)] = pattern
    return pattern


def _blank(line: str) -> bool:
    return not line or not line.strip(" \t")


class FastLane(Reader):
    """The scan state plus the fast lane; `scanner.Scanner` adds the general line loop."""

    def _fast_lane(self, lines: list[str], ln: int, stop: Stop) -> tuple[int, bool]:
        """Read whole units from line `ln`, in a reset state. Returns the first line not read
        (the scanner goes on there from a fresh state) and whether `stop` ended the scan."""
        n = len(lines)
        touched = self.touched
        stopped = False
        while ln < n:
            raw = lines[ln]
            if _blank(raw):
                ln += 1
                continue
            c = raw[0]
            start = ln
            if c == "-":
                ln, touched, stopped = self._task_run(lines, ln, stop, touched)
                if stopped or ln == start:
                    break
                continue
            if stop is not None and stop(ln) == self.heading_key:
                stopped = True
                break
            if c == "#":
                heading = blocks.atx_title(raw)
                if heading is None:
                    break
                self._reset(ln)
                self._heading(heading[0], heading[1], ln)
                touched = ln
                ln += 1
            elif c == "`" or c == "~":
                fence = blocks.fence_open(raw)
                if fence is None:
                    break
                self._reset(ln)
                ln, touched = self._fenced(lines, ln, fence)
            elif _PARA_FIRST.match(raw):
                end = ln + 1
                while end < n and not _blank(lines[end]):
                    if not _PARA_NEXT.match(lines[end]):
                        break
                    end += 1
                else:
                    self._reset(ln)
                    touched = end - 1
                    ln = end
                    continue
                break
            else:
                break
        self.touched = touched
        return ln, stopped

    def _reset(self, ln: int) -> None:
        self.resets.append(
            (ln, self.heading_key, len(self.drafts), len(self.headings), len(self.problems))
        )

    def _fenced(self, lines: list[str], ln: int, fence: tuple[str, int]) -> tuple[int, int]:
        """Skip the fenced code block opened on line `ln`: (the line after it, its last
        non-blank line)."""
        closes = _closer(*fence).match
        n = len(lines)
        for j in range(ln + 1, n):
            if closes(lines[j]):
                return j + 1, j
        last = n - 1
        while _blank(lines[last]):
            last -= 1
        return n, last

    def _task_run(
        self, lines: list[str], ln: int, stop: Stop, touched: int
    ) -> tuple[int, int, bool]:
        """Read the top-level task items from line `ln` on: (the first line not read, the last
        non-blank line read, whether `stop` ended the scan). Reads nothing when line `ln` is
        not such an item."""
        n = len(lines)
        drafts = self.drafts
        resets = self.resets
        key = self.heading_key
        titles = self.heading_titles
        nh, np = len(self.headings), len(self.problems)
        add_meta = self._add_meta
        read_meta = metadata.read
        task = lookalikes.TASK.match
        sub = _SUB.match
        opens = blocks.OPENS.match
        while ln < n:
            raw = lines[ln]
            if not raw.startswith("- [") or "\t" in raw:
                break
            m = task(raw, 2)
            if m is None:
                break
            if stop is not None and stop(ln) == key:
                return ln, touched, True
            resets.append((ln, key, len(drafts), nh, np))
            d = Draft(ln, 2, 0, titles)
            d.checked = m.group(1) != " "
            d.text = raw[m.end() :].rstrip()
            d.box_col = 2
            drafts.append(d)
            j = ln + 1
            while j < n:
                s = lines[j]
                if sub(s) is None:
                    break
                if s[4] in _META_START:
                    meta = read_meta(s[4:])
                    if meta is not None:
                        add_meta(d, meta[0], meta[1], j)
                j += 1
            d.last = j - 1
            if j < n:
                s = lines[j]
                if s.startswith("- ["):
                    ok = True  # the next item (a reset line), the common case
                elif _blank(s):
                    # After blank lines, only a line left of the item's text ends it.
                    j += 1
                    while j < n and _blank(lines[j]):
                        j += 1
                    ok = j == n or lines[j][0] not in " \t"
                elif s[0] in "#`~":
                    # A heading or fence ends the item's last paragraph: not a reset line.
                    return self._interrupted(lines, j, touched)
                else:
                    ok = s[0] not in " \t" and "\t" not in s and opens(s) is not None
                if not ok:
                    drafts.pop()
                    resets.pop()
                    break
            touched = d.last
            ln = j
        return ln, touched, False

    def _interrupted(self, lines: list[str], ln: int, touched: int) -> tuple[int, int, bool]:
        """End the last task item at line `ln`, which interrupts its paragraph when it is a
        heading or opens a fence; that line records no reset. Undoes the item when `ln` is
        neither (`touched`: the last non-blank line before the item)."""
        raw = lines[ln]
        if raw[0] == "#":
            heading = blocks.atx_title(raw)
            if heading is not None:
                self._heading(heading[0], heading[1], ln)
                return ln + 1, ln, False
        else:
            fence = blocks.fence_open(raw)
            if fence is not None:
                end, touched = self._fenced(lines, ln, fence)
                return end, touched, False
        d = self.drafts.pop()
        self.resets.pop()
        return d.line, touched, False
