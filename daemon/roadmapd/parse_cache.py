"""Big roadmaps' parses kept on disk: a roadmap opened or listed before is not scanned again.

One entry per roadmap (named by a hash of its path or URI) under
`platformdirs.user_cache_dir("roadmapd")/parse`, or `$ROADMAPD_CACHE_DIR/parse`: the `marshal` of
`roadmap.snapshot.dump`, with the digest of the text it is of and a fingerprint of the parser
(its sources, the snapshot format, this Python). An entry of another text or parser, or one that
cannot be read, is a miss: the text is parsed and the entry replaced. Either way the result is
`parse(text)`'s, field for field (tests/roadmap/test_snapshot.py). Texts under
`CACHE_FROM_CHARS` are parsed, never cached (a parse that small takes a few milliseconds).

A miss's entry is written by a writer process (this module's `main`, run by this Python in
isolated mode), handed the text in a temp file next to the entries: it parses the text again
and writes the entry, so the language server's memory and event loop never carry the dump
(~10 MB and ~0.1 s at 20,000 tasks), and a command exits without waiting for it. The server
starts the writer `save_after_s` after its parse, once the editor's first requests are answered.

The folder is under the user's home, which the agent's jail hides, so an agent cannot plant an
entry; deleting it at any time only costs the next open a full parse.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import subprocess
import sys
import threading
import time
from functools import cache
from pathlib import Path

from roadmapd.files import TMP_PREFIX, write_atomic
from roadmapd.roadmap import Roadmap, parse, snapshot
from roadmapd.roadmap.parser import without_gc

log = logging.getLogger(__name__)
ENV_CACHE_DIR = "ROADMAPD_CACHE_DIR"
CACHE_FROM_CHARS = 256 * 1024  # about 1,500 tasks with bodies: a parse of some 25 ms
_STALE_S = 60.0  # a temp file this old belongs to no write under way


def cache_dir() -> Path:
    """Where the entries are: `$ROADMAPD_CACHE_DIR/parse`, else the user's cache folder."""
    override = os.environ.get(ENV_CACHE_DIR)
    if override:
        return Path(override).expanduser() / "parse"
    import platformdirs  # not in the writer process, which is given its entry's path

    return Path(platformdirs.user_cache_dir("roadmapd")) / "parse"


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


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


class ParseCache:
    """`parse(text)` of the roadmap at `where`, from its entry when it has one for this text."""

    def __init__(
        self,
        directory: Path | None = None,
        *,
        save_after_s: float = 0.0,
        min_chars: int = CACHE_FROM_CHARS,
    ) -> None:
        self._directory = directory
        self._save_after_s = save_after_s
        self._min_chars = min_chars
        self._writers: list[subprocess.Popen[bytes]] = []
        self._timers: list[threading.Timer] = []

    def parse(self, text: str, where: str) -> Roadmap:
        """The parse of `text` (the roadmap at path or URI `where`)."""
        if len(text) < self._min_chars:
            return parse(text)
        entry = (self._directory or cache_dir()) / (_digest(_encoded(where)).hex()[:32] + ".parse")
        data = _encoded(text)
        digest = _digest(data)
        found = self._load(entry, digest, text)
        if found is not None:
            return found
        roadmap = parse(text)
        if self._save_after_s > 0:
            timer = threading.Timer(self._save_after_s, self._start_writer, (entry, data))
            timer.daemon = True  # a server that exits first leaves the entry for next time
            self._timers = [t for t in self._timers if t.is_alive()] + [timer]
            timer.start()
        else:
            self._start_writer(entry, data)
        return roadmap

    def wait(self) -> None:
        """Until every writer this cache started has finished (for tests)."""
        for timer in self._timers:
            timer.join()
        for writer in self._writers:
            writer.wait()
        self._timers, self._writers = [], []

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
        except Exception as exc:  # whatever an entry holds, the answer is a parse, never an error
            log.info("parse cache: %s unreadable (%s); parsing again", entry, exc)
            return None
        log.debug("parse cache: read %s", entry)
        return roadmap

    def _start_writer(self, entry: Path, data: bytes) -> None:
        """Hand `data` to a writer process through a temp file beside the entry."""
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            _sweep(entry.parent)
            source = entry.parent / f"{TMP_PREFIX}{entry.stem}.{os.getpid()}.text"
            source.write_bytes(data)  # read by the writer only once it is whole
            package_root = str(Path(snapshot.__file__).resolve().parents[2])
            self._writers = [w for w in self._writers if w.poll() is None]
            self._writers.append(
                subprocess.Popen(
                    [*_PYTHON, _WRITER, package_root, str(entry), str(source)],
                    env={},  # it needs nothing of ours: no key, no token reaches it
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,  # a command's exit or ^C does not stop it
                )
            )
        except Exception as exc:  # a cache that cannot be written changes nothing but speed
            log.info("parse cache: cannot start writing %s: %s", entry, exc)


_PYTHON = [sys.executable, "-I", "-X", "utf8", "-c"]
# The writer's command line: this roadmapd importable whatever started it (an installed
# package, the editor's bundled libraries), in isolated mode.
_WRITER = (
    "import sys; sys.path.insert(0, sys.argv[1]); from roadmapd.parse_cache import main; main()"
)


def main() -> None:
    """The writer process: `argv[2]` the entry, `argv[3]` the temp file with the text (removed)."""
    entry, source = Path(sys.argv[2]), Path(sys.argv[3])
    try:
        data = source.read_bytes()
    finally:
        source.unlink(missing_ok=True)
    roadmap = parse(data.decode("utf-8", "surrogatepass"))
    dumped = without_gc(lambda: snapshot.dump(roadmap))
    write_atomic(entry, marshal.dumps((fingerprint(), _digest(data), dumped)))


def _sweep(directory: Path) -> None:
    """Remove the temp files of writes that did not finish (a writer killed halfway leaves
    one): those older than a minute, so that no write under way loses its file."""
    try:
        for path in directory.glob(f"{TMP_PREFIX}*"):
            if time.time() - path.stat().st_mtime > _STALE_S:
                path.unlink(missing_ok=True)
    except OSError:
        pass
