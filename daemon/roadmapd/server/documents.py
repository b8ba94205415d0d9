"""Roadmap documents: which files are roadmaps, and their parse cached per version.

An open buffer is parsed from the editor's text, keyed by its version; a closed file is read
from disk, keyed by (mtime, size), so `git checkout` or an outside edit is seen on the next
look. A new version is parsed with `reparse` from the previous one (only the lines around the
edit are scanned again; unchanged tasks stay the same objects). Each `Parsed` carries a `cache`
dict for payloads derived from that exact version (lenses, symbols), so hot requests are
answered without re-scanning the text.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from roadmapd.config import DEFAULT_ROADMAPS
from roadmapd.parse_cache import ParseCache
from roadmapd.roadmap import Roadmap, parse, reparse
from roadmapd.roadmap.dialects import is_kiro, parse_kiro

from .rpc.protocol import RawJson, encode

log = logging.getLogger(__name__)

OpenBuffers = Callable[[], dict[str, TextDocument]]


@dataclass(eq=False)
class Parsed:
    """One version of one roadmap document, parsed."""

    uri: str
    key: tuple[object, ...]
    text: str
    roadmap: Roadmap
    version: int | None  # the editor's version when the document is open, else None
    cache: dict[str, tuple[object, Any]] = field(default_factory=dict)  # name -> (key, payload)

    @property
    def is_open(self) -> bool:
        return self.key[0] == "buffer"


def path_of(uri: str) -> Path | None:
    fs = to_fs_path(uri)
    return Path(fs) if fs else None


def uri_of(path: Path) -> str:
    uri = from_fs_path(str(path))
    return uri if uri is not None else path.as_uri()


class Documents:
    """The roadmap documents of one workspace, open or not."""

    def __init__(self, open_buffers: OpenBuffers, parse_cache: ParseCache | None = None) -> None:
        """`parse_cache`: where the first parse of a big roadmap may come from (`roadmapd
        serve`); edits are re-parsed from the previous version either way."""
        self._open_buffers = open_buffers
        self._parse_cache = parse_cache
        self._root: Path | None = None
        self._globs: tuple[str, ...] = DEFAULT_ROADMAPS
        self.kiro_globs: tuple[str, ...] = ()  # roadmaps read in Kiro's dialect (config)
        self._parsed: dict[str, Parsed] = {}

    @property
    def root(self) -> Path | None:
        return self._root

    @property
    def globs(self) -> tuple[str, ...]:
        return self._globs

    def configure(
        self, root: Path | None, globs: Iterable[str], kiro_globs: Iterable[str] = ()
    ) -> None:
        self._root = root.resolve() if root is not None else None
        self._globs = tuple(globs)
        self.kiro_globs = tuple(kiro_globs)

    def is_roadmap(self, uri: str) -> bool:
        path = path_of(uri)
        if path is None or self._root is None:
            return False
        try:
            rel = path.resolve().relative_to(self._root).as_posix()
        except ValueError:
            return False
        return any(_glob_match(rel, pattern) for pattern in self._globs)

    def scan_disk(self) -> list[str]:
        """URIs of the roadmap files on disk (safe to call from a worker thread)."""
        root, globs = self._root, self._globs
        found: set[str] = set()
        if root is not None:
            for pattern in globs:
                try:
                    paths = list(root.glob(pattern))
                except (OSError, ValueError) as exc:
                    log.warning("cannot expand roadmap glob %r: %s", pattern, exc)
                    continue
                found.update(uri_of(p) for p in paths if p.is_file())
        return sorted(found)

    async def scan(self) -> list[str]:
        """URIs of the roadmap files on disk (walked in a worker thread) and of open roadmap
        buffers, sorted."""
        found = set(await asyncio.to_thread(self.scan_disk))
        found.update(uri for uri in self._open_buffers() if self.is_roadmap(uri))
        return sorted(found)

    def get(self, uri: str) -> Parsed | None:
        """The current parse of `uri` (buffer if open, else disk), or None if it is gone."""
        if not self.is_roadmap(uri):
            return None
        buffer = self._open_buffers().get(uri)
        if buffer is not None:
            key: tuple[object, ...] = ("buffer", buffer.version)
            cached = self._parsed.get(uri)
            if cached is not None and cached.key == key:
                return cached
            return self._store(uri, key, buffer.source, buffer.version)
        return self._from_disk(uri)

    def forget(self, uri: str) -> None:
        self._parsed.pop(uri, None)

    def _from_disk(self, uri: str) -> Parsed | None:
        path = path_of(uri)
        if path is None:
            return None
        try:
            stat = path.stat()
            key: tuple[object, ...] = ("disk", stat.st_mtime_ns, stat.st_size)
            cached = self._parsed.get(uri)
            if cached is not None and cached.key == key:
                return cached
            with path.open(encoding="utf-8", errors="replace", newline="") as fh:
                text = fh.read()
        except OSError:
            self._parsed.pop(uri, None)
            return None
        return self._store(uri, key, text, None)

    def _store(self, uri: str, key: tuple[object, ...], text: str, version: int | None) -> Parsed:
        started = time.perf_counter()
        previous = self._parsed.get(uri)
        if is_kiro(
            uri, self.kiro_globs
        ):  # Kiro's `[-]` and `[ ]*` boxes (small files: no incremental parse)
            roadmap = parse_kiro(text)
        else:
            roadmap = (
                reparse(previous.roadmap, previous.text, text)
                if previous
                else self._parse(uri, text)
            )
        parsed = Parsed(uri, key, text, roadmap, version)
        log.debug("parsed %s %s in %.1f ms", uri, key, (time.perf_counter() - started) * 1000)
        self._parsed[uri] = parsed
        return parsed

    def _parse(self, uri: str, text: str) -> Roadmap:
        """A first parse: from the parse cache when there is one (keyed by the file's path, as
        the CLI keys it, so that both find the other's entries)."""
        cache = self._parse_cache
        if cache is None:
            return parse(text)
        path = path_of(uri)
        return cache.parse(text, path.resolve().as_posix() if path is not None else uri)


def _glob_match(rel: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(rel, pattern):
        return True
    return pattern.startswith("**/") and fnmatch.fnmatchcase(rel, pattern[3:])


# --- values computed once per parsed version, kept in that version's `Parsed.cache` ----------

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
