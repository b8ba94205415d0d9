"""`StateStore`: the durable task states and run logs of one repository.

Reads need no lock (files are only ever replaced atomically). Every write is a
read-modify-write under the repository's `flock`, so two daemons on one repository never lose
an update or leave half a file. A file that cannot be read is moved aside
(`<name>.corrupt-<timestamp>`) and reported in `warnings`; it never stops the daemon.

The store is synchronous: each write is a few milliseconds (one fsync). Call it from a worker
thread where a blocking call matters.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from roadmapd.files import TMP_PREFIX, file_lock, write_atomic
from roadmapd.statuses import ACTIVE, TaskStatus, Trigger, next_status
from roadmapd.store.models import SCHEMA_VERSION, TaskRecord
from roadmapd.store.owner import owner_alive
from roadmapd.store.paths import StatePaths
from roadmapd.store.runlog import RunLog, RunLogContents, read_run_log_file

log = logging.getLogger("roadmapd.store")


class StoreError(Exception):
    """A state operation that cannot be done safely (the message says why)."""


@dataclass(frozen=True, slots=True)
class Recovery:
    interrupted: tuple[str, ...]  # task ids marked interrupted
    warnings: tuple[str, ...]  # files moved aside, stale temp files removed, ...


class StateStore:
    def __init__(self, repo: Path, *, root: Path | None = None) -> None:
        self.repo = repo.resolve()
        self.paths = StatePaths.for_repo(self.repo, root)
        self.warnings: list[str] = []

    # --- task states ---------------------------------------------------------------------

    def load(self, task_id: str) -> TaskRecord | None:
        return self._read(self.paths.task_file(task_id), task_id)

    def rolled_back_from(self, task_id: str) -> TaskStatus | None:
        """The status a rolled-back task had before its rollback (what undo gives back)."""
        state = self.load(task_id)
        return state.rolled_back_from if state else None

    def status_of(self, task_id: str) -> TaskStatus | None:
        """The persisted status (a `StatusLookup` for the engine)."""
        state = self.load(task_id)
        return state.status if state else None

    def last_run_id(self, task_id: str) -> str | None:
        state = self.load(task_id)
        return state.last_run_id if state else None

    def all(self) -> dict[str, TaskRecord]:
        states: dict[str, TaskRecord] = {}
        if not self.paths.tasks_dir.is_dir():
            return states
        for path in sorted(self.paths.tasks_dir.glob("*.json")):
            if path.name.startswith(TMP_PREFIX):
                continue
            state = self._read(path, None)
            if state is not None:
                states[state.task_id] = state
        return states

    def update(self, task_id: str, fn: Callable[[TaskRecord], TaskRecord | None]) -> TaskRecord:
        """Apply `fn` to the current state (a fresh one if none) under the lock and save it.

        `fn` may mutate its argument and return None, or return a new state.
        """
        path = self.paths.task_file(task_id)
        with self._locked():
            current = self._read(path, task_id, for_update=True) or TaskRecord(task_id=task_id)
            changed = fn(current)
            state = changed if changed is not None else current
            if state.task_id != task_id:
                raise StoreError(f"update of {task_id!r} returned the state of {state.task_id!r}")
            state.updated_at = datetime.now(UTC)
            write_atomic(path, state.model_dump_json(indent=1).encode("utf-8"))
            return state

    def recover(self) -> Recovery:
        """On start: tasks left queued/running/verifying by a dead process become interrupted.

        Their checkpoint fields are kept, so they can be retried or rolled back.
        """
        interrupted: list[str] = []
        before = len(self.warnings)
        with self._locked():
            self._remove_stale_temp_files()
            for state in self.all().values():
                if state.status not in ACTIVE:
                    continue
                if state.owner and owner_alive(state.owner):
                    continue  # another live roadmapd process runs it
                status = state.status
                state.status = next_status(status, Trigger.INTERRUPT)
                state.reason = f"roadmapd stopped while the task was {status.value}"
                state.owner = None
                state.updated_at = datetime.now(UTC)
                path = self.paths.task_file(state.task_id)
                write_atomic(path, state.model_dump_json(indent=1).encode("utf-8"))
                interrupted.append(state.task_id)
        return Recovery(tuple(interrupted), tuple(self.warnings[before:]))

    # --- run logs --------------------------------------------------------------------------

    def open_run_log(self, run_id: str) -> RunLog:
        self._remember_repo()
        return RunLog(self.paths.run_log(run_id))

    def read_run_log(self, run_id: str) -> RunLogContents:
        path = self.paths.run_log(run_id)
        if not path.is_file():
            raise StoreError(f"no event log for run {run_id!r} (looked in {path})")
        return read_run_log_file(path)

    # --- internals -------------------------------------------------------------------------

    def _locked(self) -> AbstractContextManager[None]:
        self._remember_repo()
        return file_lock(self.paths.lock_file)

    def _remember_repo(self) -> None:
        if not self.paths.repo_file.exists():
            doc = {"schema_version": SCHEMA_VERSION, "repo": str(self.repo)}
            write_atomic(self.paths.repo_file, json.dumps(doc).encode("utf-8"))

    def _read(
        self, path: Path, task_id: str | None, *, for_update: bool = False
    ) -> TaskRecord | None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            doc = json.loads(raw)
            version = doc.get("schema_version") if isinstance(doc, dict) else None
            if isinstance(version, int) and version > SCHEMA_VERSION:
                message = (
                    f"{path}: written by a newer roadmapd (schema {version}, this one knows "
                    f"{SCHEMA_VERSION}); left untouched"
                )
                if for_update:
                    raise StoreError(message)
                self._warn(message)
                return None
            state = TaskRecord.model_validate(doc)
            if task_id is not None and state.task_id != task_id:
                raise ValueError(f"it holds task {state.task_id!r}, not {task_id!r}")
            return state
        except (ValueError, ValidationError, UnicodeDecodeError) as exc:
            self._move_aside(path, exc)
            return None

    def _move_aside(self, path: Path, exc: Exception) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = path.with_name(f"{path.name}.corrupt-{stamp}")
        try:
            path.rename(target)
        except OSError as err:
            self._warn(f"{path}: unreadable task state ({_short(exc)}); could not move it: {err}")
            return
        self._warn(f"{path}: unreadable task state ({_short(exc)}); moved aside to {target.name}")

    def _remove_stale_temp_files(self) -> None:
        """Writes happen under the lock, so a temp file seen under the lock is a crash leftover."""
        if not self.paths.tasks_dir.is_dir():
            return
        for tmp in self.paths.tasks_dir.glob(f"{TMP_PREFIX}*"):
            tmp.unlink(missing_ok=True)
            self._warn(f"removed {tmp.name}, left by an interrupted write")

    def _warn(self, message: str) -> None:
        log.warning("%s", message)
        self.warnings.append(message)


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
