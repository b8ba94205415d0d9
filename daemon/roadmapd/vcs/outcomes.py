"""The values the vcs layer hands back: checkpoints, commit and rollback outcomes, listing rows.

Pure frozen data; callers show `reason` strings to the user as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class VcsError(Exception):
    """A git operation failed in a way the caller should show as it is (the message says why)."""


@dataclass(frozen=True)
class Checkpoint:
    """A pre-task snapshot: `commit` is the snapshot commit stored at `ref`."""

    task_id: str
    n: int
    ref: str
    commit: str
    head: str | None
    branch: str | None
    created_at: float
    title: str = ""
    #: Ignored files the checkpoint did not record (over the size cap) and skipped folders
    #: (`node_modules/`, ...; ending in "/"): a rollback cannot bring these back.
    unprotected: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileChange:
    """One path a task changed: its text before (at the checkpoint) and now.

    `before`/`after` are None where the file does not exist, is binary (`binary`: NUL bytes) or
    too large to read (see `size`).
    """

    path: str
    before: str | None
    after: str | None
    existed: bool
    exists: bool
    binary: bool = False
    size: int = 0  # bytes of the file now (0 when it is gone)


@dataclass(frozen=True)
class CommitOutcome:
    committed: bool
    commit: str | None
    files: tuple[str, ...]
    reason: str | None


@dataclass(frozen=True)
class RollbackOutcome:
    done: bool
    backup_ref: str | None
    files: tuple[str, ...]
    conflicts: tuple[str, ...]
    method: str  # branch-moved, revert-commit, files-restored, lane-removed, lane-restored, refused
    reason: str | None
    task_id: str | None = None  # undo: the task whose rollback was undone


@dataclass(frozen=True)
class CheckpointInfo:
    task_id: str
    title: str
    created_at: float
    ref: str
    commit: str
    task_commit: str | None
    files: tuple[str, ...]


def refused(reason: str, conflicts: tuple[str, ...] = ()) -> RollbackOutcome:
    """A rollback that changed nothing, and why."""
    return RollbackOutcome(False, None, (), conflicts, "refused", reason)


#: Folders whose ignored files snapshots never record (rebuilt by tools, usually big); the
#: default of the config key `protect_ignored_skip` (roadmapd/config.py keeps the same list).
DEFAULT_SKIP = (
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "build",
    "dist",
    "target",
)


@dataclass(frozen=True)
class IgnoredPolicy:
    """How much of the ignored files a snapshot records (cap_bytes 0: none)."""

    cap_bytes: int = 50 * 1024 * 1024
    skip: tuple[str, ...] = DEFAULT_SKIP

    @classmethod
    def from_mb(cls, mb: float, skip: Iterable[str] = DEFAULT_SKIP) -> IgnoredPolicy:
        return cls(max(0, int(mb * 1024 * 1024)), tuple(skip))
