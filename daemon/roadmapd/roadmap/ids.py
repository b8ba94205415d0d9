"""Task titles and ids: explicit ids found in a task's text, derived ids, display titles.

Explicit ids, in order of precedence: an HTML comment `<!-- id: name -->` anywhere on the
task's line, a leading spec-kit id (`T001`, `**T189**`), a leading dotted number (`1.2`,
`2.3.1`, Kiro's `1.`). A task without one gets a slug of its title, which depends only on the
task's own text, so inserting, removing or reordering other tasks never changes it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from operator import itemgetter
from typing import Literal

#: The kinds of explicit id: `<!-- id: name -->`, a spec-kit id (`T001`), a dotted number.
IdKind = Literal["comment", "spec", "number"]

_SPEC = r"[A-Z]{1,5}-?\d{2,}"
#: A whole spec-kit id: 1-5 capitals, an optional `-`, 2+ digits (`T001`, `AB-12`).
SPEC_ID = re.compile(_SPEC)
#: A whole number id: numbers joined by dots (`1`, `1.2`, `2.3.1`), as read without a final dot.
NUMBER_ID = re.compile(r"\d+(?:\.\d+)*")
_COMMENT_ID = re.compile(r"<!--\s*id\s*:\s*([^\s>]+?)\s*-->", re.I)
_LEADING_ID = re.compile(
    rf"(\*\*|__)?(?P<id>{_SPEC}|\d+(?:\.\d+)+\.?|\d+\.)(?(1)\1)(?=[\s:]|$)[\s:]*"
)
BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_COMMENT = re.compile(r"<!--.*?-->")
_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")  # `_WORD` on lowercase ASCII text, without Unicode tables
INNER = itemgetter(1)  # a replacement that keeps group 1, without re's template expansion
_ID_START = frozenset("*_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
SLUG_MAX = 48


@lru_cache(maxsize=1 << 16)
def name(text: str) -> tuple[str | None, str, str]:
    """`split_title(text)` plus the slug of the title ("" when the text has an explicit id).

    Cached, as a pure function of the text: a re-parse after an edit meets the same tasks again.
    """
    explicit, title = split_title(text)
    return explicit, title, slug(title) if explicit is None else ""


def split_title(text: str) -> tuple[str | None, str]:
    """The explicit id (or None) and the display title of a task's text after its checkbox."""
    explicit: str | None = None
    if "<!--" in text:
        m = _COMMENT_ID.search(text)
        if m is not None:
            explicit = m.group(1)
        text = _COMMENT.sub("", text)
    if text[:1] in _ID_START:
        m = _LEADING_ID.match(text)
        if m is not None:
            if explicit is None:
                explicit = m.group("id").rstrip(".")
            text = text[m.end() :]
    return explicit, display_title(text)


def kind_of(explicit: str) -> IdKind:
    """What kind of explicit id `explicit` is when written at the start of a title (else it can
    only come from a comment)."""
    if SPEC_ID.fullmatch(explicit):
        return "spec"
    if NUMBER_ID.fullmatch(explicit):
        return "number"
    return "comment"


def written_id(text: str) -> tuple[str, IdKind, int, int] | None:
    """Where `text`, a task's text after its checkbox (leading blanks allowed), writes its
    explicit id: the id, its kind, and where it starts and ends in `text` (a number's final dot
    and bold markers left out). None when the task's id is derived from its title.

    The same precedence as `split_title`: a comment id anywhere, else a leading id.
    """
    m = _COMMENT_ID.search(text) if "<!--" in text else None
    if m is not None:
        return m.group(1), "comment", m.start(1), m.end(1)
    start = len(text) - len(text.lstrip())
    m = _LEADING_ID.match(text, start) if text[start : start + 1] in _ID_START else None
    if m is None:
        return None
    explicit = m.group("id").rstrip(".")
    return explicit, kind_of(explicit), m.start("id"), m.start("id") + len(explicit)


def display_title(text: str) -> str:
    """`text` with bold markers removed and whitespace collapsed."""
    if "**" in text:
        text = BOLD.sub(INNER, text)
    if "  " in text or "\t" in text:
        return " ".join(text.split())
    return text.strip()


def slug(title: str) -> str:
    """A lowercase, dash-separated id for `title`; `task` when nothing is left."""
    if title.isascii():
        out = "-".join(_ASCII_WORD.findall(title.lower()))
    else:
        out = "-".join(_WORD.findall(unicodedata.normalize("NFKC", title).lower()))
    if len(out) > SLUG_MAX:
        cut = out.rfind("-", 0, SLUG_MAX + 1)
        out = out[: cut if cut > 0 else SLUG_MAX]
    return out or "task"


def unique(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`, ... whichever is not in `taken` yet; adds it to `taken`."""
    candidate = base
    n = 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    taken.add(candidate)
    return candidate
