"""Metadata lines under a task: `Depends:`, `Files:`, `Verify:`, `Acceptance:`.

Keys are case-insensitive and may be bold (`**Depends:**`, `**Depends**:`); `Depends on:` and
`File:` are accepted too. A key with an empty value collects the items of its own sub-list.
"""

from __future__ import annotations

import re
from functools import lru_cache

KEYS = ("depends", "files", "verify", "acceptance")
META = re.compile(
    r"(?:\*\*|__)?(depends(?:[ _-]?on)?|files?|verify|acceptance)(?:\*\*|__)?[ \t]*:"
    r"(?:\*\*|__)?[ \t]*(.*)$",
    re.I,
)
_SPLIT_DEPS = re.compile(r"[,;\s]+")
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
    raw = raw.strip()
    if raw.endswith("**") and raw.count("**") % 2 == 1:
        raw = raw[:-2].rstrip()
    if key == "depends":
        return [
            v for v in (_unquote(p) for p in _SPLIT_DEPS.split(raw)) if v.lower() not in _NO_DEPS
        ]
    if key == "files":
        return [v for v in (_unquote(p) for p in raw.split(",")) if v]
    value = _unquote(raw)
    return [value] if value else []


@lru_cache(maxsize=1 << 14)
def read(line: str) -> tuple[str, tuple[str, ...]] | None:
    """The key and values of a metadata line (`Files: a.py, b.py`), or None when it is none.

    Cached: a re-parse after an edit meets the same lines again."""
    m = META.match(line)
    if m is None:
        return None
    key = key_of(m.group(1))
    return key, tuple(values(key, m.group(2)))
