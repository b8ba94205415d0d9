"""`ProjectMemory`: the memory document of one repository (read, add, clear), atomic and locked.

Writes are read-modify-write under the state folder's `flock` (the same lock as task states),
then write-temp-fsync-rename, so two processes never lose an entry and a crash leaves the old
or the new document. An unreadable document is moved aside and memory starts empty.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from roadmapd.files import file_lock, write_atomic
from roadmapd.memory.model import SCHEMA_VERSION, MemoryDocument, MemoryEntry

log = logging.getLogger("roadmapd.memory")
MAX_ENTRIES = 200  # the oldest go first


class ProjectMemory:
    def __init__(self, path: Path, lock_file: Path) -> None:
        self.path, self._lock_file = path, lock_file

    def entries(self) -> list[MemoryEntry]:
        """Oldest first."""
        return list(self._read().entries)

    def add(self, entry: MemoryEntry) -> None:
        """Keep `entry`; it replaces an earlier entry of the same task."""
        with file_lock(self._lock_file):
            doc = self._read()
            if doc.schema_version > SCHEMA_VERSION:
                return  # a newer roadmapd owns the document: leave it as it is
            kept = [e for e in doc.entries if e.task_id != entry.task_id] + [entry]
            self._write(MemoryDocument(entries=kept[-MAX_ENTRIES:]))

    def clear(self) -> int:
        """Forget everything; returns how many entries there were."""
        with file_lock(self._lock_file):
            count = len(self._read().entries)
            self._write(MemoryDocument())
            return count

    def _write(self, doc: MemoryDocument) -> None:
        write_atomic(self.path, doc.model_dump_json(indent=1).encode("utf-8"))

    def _read(self) -> MemoryDocument:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return MemoryDocument()
        try:
            doc = MemoryDocument.model_validate_json(raw)
        except (ValidationError, ValueError) as exc:
            self._move_aside(str(exc).splitlines()[0][:200])
            return MemoryDocument()
        if doc.schema_version > SCHEMA_VERSION:
            log.warning("%s: written by a newer roadmapd; memory left unused", self.path)
            return MemoryDocument(schema_version=doc.schema_version)
        return doc

    def _move_aside(self, why: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            self.path.rename(target)
            log.warning("%s: unreadable (%s); moved aside to %s", self.path, why, target.name)
        except OSError:
            log.warning("%s: unreadable (%s)", self.path, why)
