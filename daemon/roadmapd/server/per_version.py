"""Values computed once per parsed version of a roadmap, kept in that version's `Parsed.cache`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .documents import Parsed
from .protocol_fast import RawJson, encode

if TYPE_CHECKING:
    from .documents import Documents

T = TypeVar("T")


def once(parsed: Parsed, name: str, compute: Callable[[], T]) -> T:
    """`compute()` the first time `name` is asked of this version, the kept value afterwards."""
    hit = parsed.cache.get(name)
    if hit is None:
        hit = parsed.cache[name] = (None, compute())
    value: T = hit[1]
    return value


def json_list(documents: Documents, uri: str, name: str, build: Callable[[Parsed], Any]) -> RawJson:
    """`build(parsed)` of the open roadmap `uri` encoded once per version; `[]` for any other."""
    parsed = documents.get(uri)
    if parsed is None:
        return RawJson("[]")
    return once(parsed, name, lambda: RawJson(encode(build(parsed))))
