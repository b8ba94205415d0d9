"""CommonMark block-start and block-end recognisers, one line at a time.

Pure predicates over the text of one line *after* its container prefixes (list indentation,
`>` markers) and leading spaces have been removed. The parser asks them only for the rare lines
whose first character could start such a block, so none of them is on the hot path.
"""

from __future__ import annotations

import re

FENCE_OPEN = re.compile(r"(`{3,})([^`]*)$|(~{3,})(.*)$")
THEMATIC = re.compile(r"(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
SETEXT = re.compile(r"(=+|-+)[ \t]*$")
ATX = re.compile(r"(#{1,6})(?:[ \t]+(.*?))??(?:[ \t]+#+)?[ \t]*$")
ORDERED = re.compile(r"\d{1,9}[.)]")
TABLE_DELIMITER = re.compile(r"\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
# A line that opens a block quote or list item (or is a thematic break): never lazy text.
OPENS = re.compile(r" {0,3}(?:>|(?:[-*+]|\d{1,9}[.)])(?: |$))")

_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|"
    "dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h1|h2|h3|h4|h5|h6|"
    "head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|"
    "p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul"
)
_ATTR = r"""(?:\s+[a-zA-Z_:][a-zA-Z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)"""
# (start pattern, end pattern or None when a blank line ends the block, may interrupt a paragraph)
_HTML_KINDS: tuple[tuple[re.Pattern[str], re.Pattern[str] | None, bool], ...] = (
    (
        re.compile(r"<(?:script|pre|style|textarea)(?:\s|>|$)", re.I),
        re.compile(r"</(?:script|pre|style|textarea)>", re.I),
        True,
    ),
    (re.compile(r"<!--"), re.compile(r"-->"), True),
    (re.compile(r"<\?"), re.compile(r"\?>"), True),
    (re.compile(r"<![A-Za-z]"), re.compile(r">"), True),
    (re.compile(r"<!\[CDATA\["), re.compile(r"\]\]>"), True),
    (re.compile(rf"</?(?:{_BLOCK_TAGS})(?:\s|/?>|$)", re.I), None, True),
    (
        re.compile(rf"(?:<[A-Za-z][A-Za-z0-9-]*{_ATTR}*\s*/?>|</[A-Za-z][A-Za-z0-9-]*\s*>)\s*$"),
        None,
        False,
    ),
)

HtmlEnd = re.Pattern[str] | None


def html_start(text: str, in_paragraph: bool) -> tuple[bool, HtmlEnd]:
    """Whether `text` opens an HTML block, and the pattern that ends it (None: a blank line)."""
    for start, end, interrupts in _HTML_KINDS:
        if start.match(text) and (interrupts or not in_paragraph):
            return True, end
    return False, None


def fence_open(text: str) -> tuple[str, int] | None:
    """The fence character and length when `text` opens a fenced code block."""
    m = FENCE_OPEN.match(text)
    if m is None:
        return None
    run = m.group(1) or m.group(3)
    return run[0], len(run)


def fence_closes(text: str, char: str, length: int) -> bool:
    """Whether `text` (indentation already checked) closes a fence of `char` * `length`."""
    stripped = text.rstrip(" \t")
    return len(stripped) >= length and stripped.count(char) == len(stripped)


def atx_title(text: str) -> tuple[int, str] | None:
    """Level and title when `text` is an ATX heading (`## Title ##`)."""
    m = ATX.match(text)
    if m is None:
        return None
    return len(m.group(1)), (m.group(2) or "").strip()


def table_cells(text: str) -> int:
    """Number of cells of a table row as GFM counts them (outer pipes are optional)."""
    body = text.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return len(re.split(r"(?<!\\)\|", body))
