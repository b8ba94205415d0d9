"""Metadata lines under a task: `Depends:`, `Files:`, `Verify:`, `Acceptance:`.

Keys are case-insensitive and may be bold (`**Depends:**`, `**Depends**:`) or, as cc-sdd writes
them, italic (`_Depends: 1.2_`); `Depends on:` and `File:` are accepted too. A key with an empty
value collects the items of its own sub-list.
"""

from __future__ import annotations

import re
from functools import lru_cache

KEYS = ("depends", "files", "verify", "acceptance")
DEPENDS_KEY = r"depends(?:[ _-]?on)?"
FILES_KEY = r"files?"
#: A list item's marker and the blanks after it (`- `, `* `, `+ `, `1. `, `2) `).
BULLET = r"(?:[-*+]|\d{1,9}[.)])[ \t]+"


def _key_value(keys: str) -> str:
    """A key among `keys` (an alternation), maybe bold, its colon, and its value (`rest`)."""
    return rf"(?:\*\*|__|_)?(?P<key>{keys})(?:\*\*|__)?[ \t]*:(?:\*\*|__)?[ \t]*(?P<rest>.*)$"


#: A metadata line's text after its list marker.
META = re.compile(_key_value(rf"{DEPENDS_KEY}|{FILES_KEY}|verify|acceptance"), re.I)


def written_line(key: str) -> re.Pattern[str]:
    """A whole line of the document with metadata `key` (a pattern such as `DEPENDS_KEY`): its
    blockquote markers, indentation and list marker (group `lead`), the key and the value."""
    return re.compile(rf"^(?P<lead>[ \t>]*(?:{BULLET})?)" + _key_value(key), re.I)


_DEPENDS_TOKEN = re.compile(r"[^,;\s]+")  # what lies between a Depends value's separators
_NO_DEPS = frozenset({"", "none", "-", "n/a", "and", "nothing"})


def key_of(word: str) -> str:
    """The canonical key for a matched key word (`Depends on` -> `depends`)."""
    word = word.lower()
    for key in KEYS:
        if word.startswith(key[:4]):
            return key
    return word


def _unquote(value: str) -> str:
    value = value.strip()
    if value[:1] not in ("*", "`", "_"):
        return value
    for mark in ("**", "`", "_"):
        if len(value) > 2 * len(mark) and value.startswith(mark) and value.endswith(mark):
            value = value[len(mark) : -len(mark)].strip()
    return value


def values(key: str, raw: str) -> list[str]:
    """The values a metadata line carries: ids for depends, paths for files, one text else."""
    if key == "depends":
        return [v for v, *_ in depends_tokens(raw) if v.lower() not in _NO_DEPS]
    raw = raw.strip()
    if raw.endswith("**") and raw.count("**") % 2 == 1:
        raw = raw[:-2].rstrip()
    if key == "files":
        return [v for v in (_unquote(p) for p in raw.split(",")) if v]
    value = _unquote(raw)
    return [value] if value else []


def depends_tokens(line: str, start: int = 0) -> list[tuple[str, int, int, int]]:
    """The values of a `Depends:` value written in `line` from `start`, with where they are:
    `(value, where the value starts, where its written token starts, where it ends)` (the token
    with its quotes, the value without). "None"-like words are values here too."""
    end = len(line.rstrip())
    if line.endswith("**", start, end) and line.count("**", start, end) % 2 == 1:
        end -= 2  # the end of bold around the whole line (`**Depends: T1**`)
    elif line.endswith("_", start, end) and line.count("_", start, end) % 2 == 1:
        end -= 1  # the end of italics around the whole line (`_Depends: 1.2_`)
    out = []
    for m in _DEPENDS_TOKEN.finditer(line, start, end):
        raw = m.group()
        value = _unquote(raw)
        if value:
            lead = (len(raw) - len(value)) // 2  # quotes come off in pairs
            out.append((value, m.start() + lead, m.start(), m.end()))
    return out


@lru_cache(maxsize=1 << 14)
def read(line: str) -> tuple[str, tuple[str, ...]] | None:
    """The key and values of a metadata line (`Files: a.py, b.py`), or None when it is none.

    Cached: a re-parse after an edit meets the same lines again."""
    m = META.match(line)
    if m is None:
        return None
    key = key_of(m.group("key"))
    return key, tuple(values(key, m.group("rest")))
