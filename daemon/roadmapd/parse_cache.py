"""Big roadmaps' parses kept on disk: a roadmap opened or listed before is not scanned again.

One entry per roadmap (named by a hash of its path or URI) under
`platformdirs.user_cache_dir("roadmapd")/parse`, or `$ROADMAPD_CACHE_DIR/parse`: the `marshal` of
`roadmap.snapshot.dump`, with the digest of the text it is of and a fingerprint of the parser
(its sources, the snapshot format, this Python). An entry of another text or parser, or one that
cannot be read, is a miss: the text is parsed and the entry replaced. Either way the result is
`parse(text)`'s, field for field (tests/roadmap/test_snapshot.py). Texts under
`CACHE_FROM_CHARS` are parsed, never cached (a parse that small takes a few milliseconds).

The entry is written in a thread after the parse, `save_after_s` later (the language server
waits until the editor's first requests are answered; the CLI writes at once and waits for it
before it exits). The folder is under the user's home, which the agent's jail hides, so an agent
cannot plant an entry; deleting it at any time only costs the next open a full parse.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
import threading
import time
from functools import cache
from pathlib import Path

import platformdirs

from roadmapd.files import TMP_PREFIX, write_atomic
from roadmapd.roadmap import Roadmap, parse, snapshot
from roadmapd.roadmap.parser import without_gc

log = logging.getLogger(__name__)
ENV_CACHE_DIR = "ROADMAPD_CACHE_DIR"
CACHE_FROM_CHARS = 256 * 1024  # about 1,500 tasks with bodies: a parse of some 25 ms


def cache_dir() -> Path:
    """Where the entries are: `$ROADMAPD_CACHE_DIR/parse`, else the user's cache folder."""
    override = os.environ.get(ENV_CACHE_DIR)
    root = (
        Path(override).expanduser() if override else Path(platformdirs.user_cache_dir("roadmapd"))
    )
    return root / "parse"


@cache
def fingerprint() -> bytes:
    """What an entry is valid for: the parser's sources, the snapshot format, this Python."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{snapshot.FORMAT} {sys.version} {marshal.version}".encode())
    package = Path(snapshot.__file__).parent
    for source in sorted([*package.glob("*.py"), package.parent / "problems.py"]):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.digest()


def _sweep(directory: Path) -> None:
    """Remove the temp files of writes that did not finish (a server that exits while it writes
    leaves one): those older than a minute, so that no write under way loses its file."""
    try:
        stale = [
            p for p in directory.glob(f"{TMP_PREFIX}*") if time.time() - p.stat().st_mtime > 60
        ]
        for path in stale:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class ParseCache:
    """`parse(text)` of the roadmap at `where`, from its entry when it has one for this text."""

    def __init__(
        self,
        directory: Path | None = None,
        *,
        save_after_s: float = 0.0,
        wait_at_exit: bool = True,
        min_chars: int = CACHE_FROM_CHARS,
    ) -> None:
        self._directory = directory
        self._save_after_s = save_after_s
        self._wait_at_exit = wait_at_exit
        self._min_chars = min_chars
        self._saves: list[threading.Thread] = []

    def parse(self, text: str, where: str) -> Roadmap:
        """The parse of `text` (the roadmap at path or URI `where`)."""
        if len(text) < self._min_chars:
            return parse(text)
        entry = (self._directory or cache_dir()) / (
            hashlib.blake2b(where.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
            + ".parse"
        )
        digest = _digest(text)
        found = self._load(entry, digest, text)
        if found is not None:
            return found
        roadmap = parse(text)
        self._save_later(entry, digest, roadmap)
        return roadmap

    def wait(self) -> None:
        """Until every entry this cache started writing is written (tests, the CLI's exit)."""
        for save in self._saves:
            save.join()
        self._saves.clear()

    def _load(self, entry: Path, digest: bytes, text: str) -> Roadmap | None:
        try:
            blob = entry.read_bytes()
        except OSError:
            return None
        try:
            stamp, stored, data = marshal.loads(blob)
            if stamp != fingerprint() or stored != digest:
                return None
            roadmap = without_gc(lambda: snapshot.load(data, text))
        except (ValueError, TypeError, EOFError, IndexError, KeyError) as exc:
            log.info("parse cache: %s unreadable (%s); parsing again", entry, exc)
            return None
        log.debug("parse cache: read %s", entry)
        return roadmap

    def _save_later(self, entry: Path, digest: bytes, roadmap: Roadmap) -> None:
        timer = threading.Timer(self._save_after_s, self._save, (entry, digest, roadmap))
        timer.daemon = not self._wait_at_exit
        self._saves = [s for s in self._saves if s.is_alive()]
        self._saves.append(timer)
        timer.start()

    def _save(self, entry: Path, digest: bytes, roadmap: Roadmap) -> None:
        _sweep(entry.parent)
        try:
            data = without_gc(lambda: snapshot.dump(roadmap))
            blob = marshal.dumps((fingerprint(), digest, data))
            write_atomic(entry, blob)
        except Exception as exc:  # a cache that cannot be written changes nothing but speed
            log.info("parse cache: cannot write %s: %s", entry, exc)
