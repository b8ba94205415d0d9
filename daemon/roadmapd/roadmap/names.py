"""Task names in bulk: `names_of(texts)` equals `[ids.name(t) for t in texts]`, much faster.

The common texts (ASCII, no HTML comment, no leading id, no whitespace but spaces) are named
together, with whole-string operations over all of them joined by line breaks: bold markers
removed in one `split("**")` when every pair is plain, slugs from one byte translation and a
few replacements. Python's regular expressions scan too slowly for this (10-20 ns a character),
so none runs over the joined text. The other texts go through `ids.name` one by one.
"""

from __future__ import annotations

import re
from itertools import repeat

from roadmapd.roadmap.ids import BOLD, INNER, SLUG_MAX, name
from roadmapd.roadmap.scan_memo import Name

_ODD_SPACE = ("\t", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f")
# A text that starts like a leading id (a superset of `ids._LEADING_ID`), after a line break.
_LEADING = re.compile(r"\n(?:\*\*|__)?(?:[A-Z]{1,5}-?\d{2,}|\d+(?:\.\d+)+\.?|\d+\.)(?=[\s:*_]|$)")
_ID_START = frozenset("*_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Bytes that are not part of a slug word become spaces; a line break stays.
_WORDS = bytes(
    b if (0x61 <= b <= 0x7A or 0x30 <= b <= 0x39 or b == 0x0A) else 0x20 for b in range(256)
)


def _plain_bold(joined: str) -> str | None:
    """`joined` without its bold markers when every `**` pairs with the next one on the same
    line around text that starts and ends with a non-space (what `ids.BOLD` removes), or None.
    """
    if joined.count("*") != 2 * joined.count("**") or "***" in joined:
        return None
    pieces = joined.split("**")
    if len(pieces) % 2 == 0:
        return None
    inside = "\x00".join(pieces[1::2])
    if "\n" in inside or "\x00\x00" in inside or " \x00" in inside or "\x00 " in inside:
        return None
    if not inside or inside[0] == " " or inside[-1] == " ":
        return None
    return "".join(pieces)


def _titles(texts: list[str], joined: str) -> list[str]:
    """Display titles of texts without leading ids, comments or odd whitespace."""
    if "**" in joined:
        plain = _plain_bold(joined)
        if plain is None:
            return _spaced([BOLD.sub(INNER, t) if "**" in t else t for t in texts])
        joined = plain
    if "  " in joined:
        return _spaced(joined.split("\n"))
    return joined.split("\n")


def _spaced(titles: list[str]) -> list[str]:
    """Runs of spaces collapsed (titles never start or end with a space here)."""
    return [" ".join(t.split()) if "  " in t else t for t in titles]


def _slugs(titles: list[str]) -> list[str]:
    """`ids.slug` of ASCII titles."""
    if not titles:
        return []
    data = "\n".join(titles).lower().encode("ascii").translate(_WORDS)
    while b"  " in data:
        data = data.replace(b"  ", b" ")
    data = data.replace(b" \n", b"\n").replace(b"\n ", b"\n").strip(b" ").replace(b" ", b"-")
    out = data.decode("ascii").split("\n")
    cut = SLUG_MAX
    return [
        (s if len(s) <= cut else s[: c if (c := s.rfind("-", 0, cut + 1)) > 0 else cut]) or "task"
        for s in out
    ]


def _slow_lines(texts: list[str], joined: str) -> list[int]:
    """Indices of the texts that `_titles` and `_slugs` cannot name."""
    odd = not joined.isascii() or "<!--" in joined or any(c in joined for c in _ODD_SPACE)
    if odd:
        return [
            i
            for i, t in enumerate(texts)
            if not t.isascii()
            or "<!--" in t
            or any(c in t for c in _ODD_SPACE)
            or (t[:1] in _ID_START and _LEADING.match("\n" + t))
        ]
    found: list[int] = []
    line, at = 0, 0
    text = "\n" + joined
    for m in _LEADING.finditer(text):
        line += text.count("\n", at, m.start())
        at = m.start()
        found.append(line)
    return found


def names_of(texts: list[str]) -> list[Name]:
    """`ids.name(text)` for every text, in order."""
    if not texts:
        return []
    joined = "\n".join(texts)
    slow = _slow_lines(texts, joined)
    skip = set(slow)
    plain = [t for i, t in enumerate(texts) if i not in skip] if slow else texts
    titles = _titles(plain, "\n".join(plain) if slow else joined) if plain else []
    fast: list[Name] = list(zip(repeat(None, len(titles)), titles, _slugs(titles), strict=True))
    if not slow:
        return fast
    named = iter(fast)  # merged in one pass: a document of only slow texts stays linear
    return [name(t) if i in skip else next(named) for i, t in enumerate(texts)]
