"""The scanner's fast lane changes nothing: every output equals the line loop's alone.

Documents are sequences of the units the fast lane reads (task runs with sub-bullets,
headings, paragraphs, fences, blank lines) perturbed with the lines that must make it hand
back: tabs, lazy continuations, setext underlines, tables, look-alike boxes, other fences,
HTML, thematic breaks, ordered lists, block quotes, nested items, CRLF, wide characters.
Each is scanned and parsed with the lane on and off; drafts (every field), headings,
problems, reset lines and the whole parse must be equal, and so must `reparse` after edits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from roadmapd.roadmap import Roadmap, fastlane, parse, reparse
from roadmapd.roadmap.draft import Draft
from roadmapd.roadmap.fastlane import Stop
from roadmapd.roadmap.parser import front_matter_end, normalise
from roadmapd.roadmap.scan_memo import ScanMemo
from roadmapd.roadmap.scanner import Scanner

TITLES = [
    "Build it", "Build it", "**Task 1: parse** - make it work", "Ship <!-- id: ship -->",
    "Again <!-- id: ship -->", "é日本 🚀", "T001 [P] x", "trailing  ", "x [ ] y", "Ship",
    "a\tb",
]  # fmt: skip
BOXES = ["[ ]", "[x]", "[X]"]
ODD_BOXES = ["[-]", "[]", "[ ]*", "[x]foo", "[/]", "[  ]"]
TASK_HEADS = ["- ", "- ", "- ", "- ", "* ", "+ ", "1. ", "2) ", "-  ", "-     ", "-\t", " - "]
SUBS = [
    "  - Files: a.py, b.py", "  - Depends: ship, build-it", "  - **Depends**: ship",
    "  - Verify: pytest -q", "  - Acceptance: it works", "  - Files:", "  - Depends: none",
    "  - Keep it fast", "  - __Files__: c.py", "  - _note_", "  - *emph*", "  - é wide",
    "  - a | b", "  - : colon", "  - = eq",
]  # fmt: skip
ODD_SUBS = [
    "  - [ ] child", "  - [x] child", "    - Files: deep.py", "  - 1. ordered", "  - * star",
    "  - ***", "  - ```", "  - # heading", "  - > quote", "  - <div>", "   - three",
    " - one", "  -\tFiles: t.py", "  - Files:\tt.py", "\t- Files: t.py", "    more text",
    "  continuation", "  Files: lazy.py", "  - ", "  -", "  - [-] x", "  - __", "  - **",
]  # fmt: skip
HEADINGS = ["# Plan", "## Phase 1 ##", "### 1.1 Section", "#NoSpace", "####### seven", "###",
            "## é日本", "#\tTab", "  ## indented", "# Plan #  "]  # fmt: skip
PARAS = ["Intro text.", "a | b", "| a | b |", "**Files**: `src/a.py`", "*emph* text", "_u_ text",
         "__init__ x", "é日本 text", "x\ty", "!bang", "Files: top.py", "Intro [ ] x"]  # fmt: skip
ODD = [
    "", "  ", "\t", " \t ", "===", "---", "- - -", "***", "___", "* * *", "|---|---|",
    "| a | b |", "--- | ---", ":--", "[ ] not a task", "[x] boxed", " lead", "   three",
    "    four", "\tTab", "2. [ ] two", "1. [ ] one", "1) x", "2024 was", "<div>", "</div>",
    "<!-- c -->", "<!--", "-->", "<details>", "> q", "> - [ ] quoted", ">", "> ```", "-",
    "- plain item", "* [ ] star", "+ [x] plus", "```", "~~~", "- [ ]", "- [x]", "+",
]  # fmt: skip
# Lines that follow a unit directly: interruptions, lazy continuations, underlines, rows.
NEXT = [
    "===", "---", "- - -", "***", "___", "|---|---|", "| --- |", ":-- | --:", "lazy text",
    "  lazy indented", "    deep", "\tTab", "> q", "1. x", "2. x", "1) x", "- [ ] x", "- x",
    "* x", "+ x", "# H", "#no", "```", "~~~", "<div>", "<!-- c -->", "[ ] box", "2. [ ] two",
    "- [ ]\tt", "-\tx", "1.\tx", " - [ ] one", "  - Files: n.py", "  - [ ] nested", "* * *",
]  # fmt: skip
FENCES = ["```", "````", "~~~", "~~~~", "```py", "``` `x`", "  ```", "    ```", "```  ", "`````",
          "~~~ info", "\t```", "``", "~~~\t"]  # fmt: skip
INSIDE = ["code", "", "    - [ ] not a task", "- [ ] not a task", "```", "````", "~~~",
          "   ```", "    ```", "``` ", "~~~~~", "\t```", "# not a heading"]  # fmt: skip


@st.composite
def task_item(draw: st.DrawFn) -> list[str]:
    head = draw(st.sampled_from(TASK_HEADS)) if draw(st.integers(0, 5)) == 5 else "- "
    box = draw(st.sampled_from(ODD_BOXES if draw(st.integers(0, 7)) == 7 else BOXES))
    gap = draw(st.sampled_from(["  ", "\t", ""])) if draw(st.integers(0, 7)) == 7 else " "
    out = [f"{head}{box}{gap}{draw(st.sampled_from(TITLES))}"]
    for _ in range(draw(st.integers(0, 3))):
        odd = draw(st.integers(0, 9)) == 9
        out.append(draw(st.sampled_from(ODD_SUBS if odd else SUBS)))
    return out


@st.composite
def unit(draw: st.DrawFn) -> list[str]:
    kind = draw(st.integers(0, 9))
    if kind <= 3:
        return [line for _ in range(draw(st.integers(1, 4))) for line in draw(task_item())]
    if kind == 4:
        return [draw(st.sampled_from(HEADINGS))]
    if kind == 5:
        lines = [draw(st.sampled_from(PARAS))]
        for _ in range(draw(st.integers(0, 2))):
            pool = NEXT if draw(st.integers(0, 3)) == 3 else PARAS
            lines.append(draw(st.sampled_from(pool)))
        return lines
    if kind == 6:
        lines = [draw(st.sampled_from(FENCES))]
        lines += draw(st.lists(st.sampled_from(INSIDE), max_size=3))
        if draw(st.integers(0, 4)) < 4:
            lines.append(draw(st.sampled_from(FENCES)))
        return lines
    return [draw(st.sampled_from(ODD))]


@st.composite
def document(draw: st.DrawFn) -> str:
    lines: list[str] = []
    if draw(st.integers(0, 9)) == 0:
        lines += ["---", "title: x", "---"]
    for _ in range(draw(st.integers(1, 8))):
        lines += draw(unit())
        if draw(st.integers(0, 3)) == 3:
            lines.append(draw(st.sampled_from(NEXT)))
        lines += [""] * draw(st.sampled_from([0, 0, 1, 1, 1, 2]))
    text = draw(st.sampled_from(["\n", "\n", "\r\n"])).join(lines)
    return text + draw(st.sampled_from(["", "\n"]))


@contextmanager
def lane(on: bool) -> Iterator[None]:
    was = fastlane.enabled()
    fastlane.enable(on)
    try:
        yield
    finally:
        fastlane.enable(was)


def _draft_fields(d: Draft) -> dict[str, object]:
    out = {k: getattr(d, k) for k in Draft.__slots__ if k != "parent"}
    out["parent"] = None if d.parent is None else d.parent.index
    return out


def _scan(text: str, on: bool) -> tuple[object, ...]:
    lines = normalise(text).split("\n")
    with lane(on):
        scanner = Scanner()
        end = scanner.scan(lines, front_matter_end(lines))
    for i, d in enumerate(scanner.drafts):
        d.index = i
    drafts = [_draft_fields(d) for d in scanner.drafts]
    return end, drafts, scanner.headings, scanner.problems, scanner.resets, scanner.heading_key


def _parsed(text: str, on: bool) -> tuple[Roadmap, ScanMemo | None]:
    with lane(on):
        roadmap = parse(text)
    return roadmap, roadmap._memo


class _Counting(Scanner):
    """A scanner that counts the lines its fast lane reads (for the test's statistics)."""

    read = 0

    def _fast_lane(self, lines: list[str], ln: int, stop: Stop) -> tuple[int, bool]:
        end, stopped = super()._fast_lane(lines, ln, stop)
        self.read += end - ln
        return end, stopped


def _lane_share(text: str) -> int:
    """The share of the lines (in tenths) that the fast lane reads in a whole scan."""
    lines = normalise(text).split("\n")
    scanner = _Counting()
    scanner.scan(lines, front_matter_end(lines))
    return scanner.read * 10 // len(lines)


def _lane_reach(text: str) -> int:
    """How many lines the fast lane reads from the top before it hands back."""
    lines = normalise(text).split("\n")
    first = front_matter_end(lines)
    end, _ = Scanner()._fast_lane(lines, first, None)
    return end - first


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document())
def test_the_fast_lane_scans_like_the_line_loop(text: str) -> None:
    event(f"fast lane reads {_lane_share(text)}/10 of the lines")
    assert _scan(text, True) == _scan(text, False)
    assert _parsed(text, True) == _parsed(text, False)


INSERTS = ["\n", "\n\n", "x", " ", "-", "[", "]", "#", "`", "```\n", "\t", "  - ", "- [ ] "]


@st.composite
def session(draw: st.DrawFn) -> list[str]:
    versions = [draw(document())]
    for _ in range(draw(st.integers(1, 3))):
        text = versions[-1]
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 6))
        insert = draw(st.sampled_from(INSERTS) | unit().map(lambda ls: "\n".join(ls) + "\n"))
        versions.append(text[:at] + insert + text[at + cut :])
    return versions


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(session())
def test_reparse_with_the_fast_lane_equals_parse_without(versions: list[str]) -> None:
    with lane(True):
        current = parse(versions[0])
        for old, new in pairwise(versions):
            current = reparse(current, old, new)
            want, memo = _parsed(new, False)
            assert current == want
            assert current._memo is not None and memo is not None
            assert current._memo.resets == memo.resets


def _roadmap(tasks: int) -> str:
    """The benchmark's realistic layout in small: sections, sub-bullets, fences, headings
    right after the last sub-bullet."""
    out = ["# Project Roadmap", "", "Intro paragraph.", ""]
    for n in range(tasks):
        if n % 5 == 0:
            out += [f"### Section {n // 5}", "", f"**Files**: `src/mod{n}.py`", ""]
            out += ["```python", "    - [ ] not a task", "```", ""]
        out += [f"- [{'x' if n % 3 == 0 else ' '}] **Task {n}** - make it work"]
        out += [f"  - Files: src/mod{n // 5}.py", "  - Depends: task-0", "  - Keep it fast"]
    return "\n".join(out) + "\n"


def test_the_fast_lane_reads_a_whole_typical_roadmap() -> None:
    text = _roadmap(23)
    assert _lane_reach(text) == len(text.split("\n"))
    assert _scan(text, True) == _scan(text, False)
    roadmap = parse(text)
    assert len(roadmap.tasks) == 23
    assert roadmap.tasks[6].files == ("src/mod1.py",)
    assert roadmap.tasks[4].range.end.line == roadmap.tasks[5].line - 9


def test_the_fast_lane_hands_back_at_what_it_does_not_know() -> None:
    text = "# Plan\n\nIntro.\n\n- [ ] a\n  - Files: x.py\nlazy text\n- [ ] b\n"
    assert _lane_reach(text) == 4  # the item before the lazy line is left whole
    setext = "# Plan\n\nTitle\n---\n- [ ] a\n"
    assert _lane_reach(setext) == 2
    for doc in (text, setext, text.replace("\n", "\r\n")):
        assert _scan(doc, True) == _scan(doc, False)
        assert _parsed(doc, True) == _parsed(doc, False)
