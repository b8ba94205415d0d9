"""Shared helpers for the roadmap tests: markdown-it-py as the oracle, the CommonMark reference
implementation (commonmark.py, the port of commonmark.js) as the referee.

Both apply the GFM task-list rule: a list item is a task when its first block is a paragraph
whose text starts with `[ ]`, `[x]` or `[X]`, whitespace, and more text on the same line. Front
matter is blanked out first, as GitHub shows it as a table and never as Markdown. markdown-it-py
deviates from CommonMark in a few corners (a lazy continuation line indented 4+ spaces that
looks like a list item ends its paragraph there, for one); where it and the scanner differ, the
reference decides. It has no tables, which only matters when it is asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import commonmark
import pytest
from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark").enable("table")
_BOX = re.compile(r"\[([ xX])\][ \t]+\S")


def _blank_front_matter(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[0].rstrip() == "---":
        for i in range(1, len(lines)):
            if lines[i].rstrip() in ("---", "..."):
                return "\n".join([""] * (i + 1) + lines[i + 1 :])
    return "\n".join(lines)


def oracle_tasks(text: str) -> list[tuple[int, bool]]:
    """(marker line, checked) of every task item, in document order."""
    tokens = _MD.parse(_blank_front_matter(text))
    found: list[tuple[int, bool]] = []
    for i in range(2, len(tokens)):
        tok = tokens[i]
        if (
            tok.type == "inline"
            and tokens[i - 1].type == "paragraph_open"
            and tokens[i - 2].type == "list_item_open"
        ):
            m = _BOX.match(tok.content)
            item_map = tokens[i - 2].map
            if m is not None and item_map is not None:
                found.append((item_map[0], m.group(1) != " "))
    return found


def _first_line(paragraph: commonmark.node.Node) -> str:
    """The inline text of a paragraph's first line (other inlines as a placeholder)."""
    parts: list[str] = []
    child = paragraph.first_child
    while child is not None and child.t not in ("softbreak", "linebreak"):
        parts.append((child.literal or "") if child.t in ("text", "code") else "\x00")
        child = child.nxt
    return "".join(parts)


def reference_tasks(text: str) -> list[tuple[int, bool]]:
    """`oracle_tasks` by the CommonMark reference implementation."""
    root = commonmark.Parser().parse(_blank_front_matter(text))
    found: list[tuple[int, bool]] = []
    for node, entering in root.walker():
        first = node.first_child if entering and node.t == "item" else None
        if first is not None and first.t == "paragraph":
            m = _BOX.match(_first_line(first))
            if m is not None:
                found.append((node.sourcepos[0][0] - 1, m.group(1) != " "))
    return found


@pytest.fixture(scope="session")
def oracle() -> Callable[[str], list[tuple[int, bool]]]:
    return oracle_tasks


@pytest.fixture(scope="session")
def reference() -> Callable[[str], list[tuple[int, bool]]]:
    return reference_tasks
