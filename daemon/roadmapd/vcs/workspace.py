"""`GitWorkspace`: the async face of the vcs layer that the engine and the server call.

Every method runs the sync functions in a worker thread, one operation at a time per working
tree: an asyncio lock per event loop and root, a thread lock per root for callers that share a
repository across loops or threads, and an `flock` on `<git dir>/roadmapd.lock` for other
processes (a `roadmapd rollback` in a terminal while the daemon commits a task waits for it).
The event loop never waits on git.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal, TypeVar
from weakref import WeakKeyDictionary

from roadmapd.files import file_lock

from .changes import changed_files, diff_since, export_checkpoint, export_commit, file_changes
from .checkpoints import capture_checkpoint, latest_checkpoint
from .commit import commit_task
from .hooks import HookSettings, Wrap
from .integrate import Edit, Integration, integrate
from .lanes import Lane, close_lane, open_lane
from .listing import list_checkpoints
from .outcomes import (
    DEFAULT_SKIP,
    Checkpoint,
    CheckpointInfo,
    CommitOutcome,
    FileChange,
    IgnoredPolicy,
    RollbackOutcome,
)
from .plumbing import Plumbing
from .prune import PrunePlan, PrunePolicy, PruneReport, prune
from .rollback import restore_checkpoint, rollback_task
from .undo import undo_rollback

T = TypeVar("T")
LOCK_NAME = "roadmapd.lock"  # in the working tree's git dir (a lane's is its own)

_thread_locks: dict[Path, threading.Lock] = {}
_thread_locks_guard = threading.Lock()
_loop_locks: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Path, asyncio.Lock]] = (
    WeakKeyDictionary()
)


def _thread_lock(root: Path) -> threading.Lock:
    with _thread_locks_guard:
        return _thread_locks.setdefault(root, threading.Lock())


def _loop_lock(root: Path) -> asyncio.Lock:
    per_loop = _loop_locks.setdefault(asyncio.get_running_loop(), {})
    return per_loop.setdefault(root, asyncio.Lock())


class GitWorkspace:
    """Checkpoints, task commits and rollbacks for the repository containing `root`.

    `run_hooks` (config `run_hooks`, off by default) lets task commits run the repository's
    commit hooks, with the allowlisted environment plus `pass_env`; `hook_wrap` turns a hook's
    argv into the argv that runs it (the jail). See `vcs/hooks.py`. `protect_ignored_mb` and
    `protect_ignored_skip` (config keys of the same names): what checkpoints record of ignored
    files (see `vcs/ignored.py`). `base_branch`: where PR-mode task branches start.
    """

    def __init__(
        self,
        root: Path,
        *,
        run_hooks: bool = False,
        pass_env: Sequence[str] = (),
        hook_wrap: Wrap | None = None,
        protect_ignored_mb: float = 50.0,
        protect_ignored_skip: Sequence[str] = DEFAULT_SKIP,
        base_branch: str | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self.base_branch = base_branch  # PR mode: task branches start at its tip (None: HEAD)
        self.hooks = HookSettings(run_hooks, tuple(pass_env), hook_wrap)
        self.ignored = IgnoredPolicy.from_mb(protect_ignored_mb, protect_ignored_skip)
        self._plumbing: Plumbing | None = None

    def _pl(self) -> Plumbing:
        if self._plumbing is None:
            self._plumbing = Plumbing(self.root, self.ignored)
        return self._plumbing

    async def _run(self, job: Callable[[Plumbing], T]) -> T:
        def locked() -> T:
            with _thread_lock(self.root):
                pl = self._pl()
                with file_lock(pl.git_dir / LOCK_NAME):
                    return job(pl)

        async with _loop_lock(self.root):
            return await asyncio.to_thread(locked)

    async def checkpoint(self, task_id: str, title: str = "") -> Checkpoint:
        return await self._run(lambda pl: capture_checkpoint(pl, task_id, title))

    async def latest_checkpoint(self, task_id: str) -> Checkpoint | None:
        return await self._run(lambda pl: latest_checkpoint(pl, task_id))

    async def changed_files(self, cp: Checkpoint) -> tuple[str, ...]:
        return await self._run(lambda pl: changed_files(pl, cp))

    async def diff_since(self, cp: Checkpoint, max_chars: int = 20_000) -> str:
        return await self._run(lambda pl: diff_since(pl, cp, max_chars))

    async def changes(self, cp: Checkpoint) -> tuple[FileChange, ...]:
        return await self._run(lambda pl: file_changes(pl, cp))

    async def export_checkpoint(self, cp: Checkpoint, dest: Path) -> None:
        await self._run(lambda pl: export_checkpoint(pl, cp, dest))

    async def export_head(self, dest: Path) -> None:
        """The committed tree of HEAD into `dest` (an empty folder); nothing else is touched."""
        await self._run(lambda pl: export_commit(pl, "HEAD", dest))

    async def restore(self, cp: Checkpoint) -> RollbackOutcome:
        return await self._run(lambda pl: restore_checkpoint(pl, cp))

    async def commit_task(
        self,
        cp: Checkpoint,
        *,
        title: str,
        task_id: str,
        attempts: int,
        branch_mode: Literal["current", "per-task", "pr"] = "current",
    ) -> CommitOutcome:
        return await self._run(
            lambda pl: commit_task(
                pl,
                cp,
                title=title,
                task_id=task_id,
                attempts=attempts,
                branch_mode=branch_mode,
                hooks=self.hooks,
                base_branch=self.base_branch,
            )
        )

    async def rollback(
        self, task_id: str, *, force: bool = False, dependants: Sequence[str] = ()
    ) -> RollbackOutcome:
        deps = tuple(dependants)
        return await self._run(lambda pl: rollback_task(pl, task_id, force=force, dependants=deps))

    async def undo_rollback(self) -> RollbackOutcome:
        return await self._run(undo_rollback)

    async def list_checkpoints(self) -> list[CheckpointInfo]:
        return await self._run(list_checkpoints)

    async def prune_refs(
        self, policy: PrunePolicy, approved: PrunePlan | None = None
    ) -> PruneReport:
        """List what `roadmapd gc` may delete; with `approved`, delete it (see `vcs/prune.py`)."""
        return await self._run(lambda pl: prune(pl, policy, approved))

    async def open_lane(self, task_id: str, parent_dir: Path) -> Lane:
        """A worktree for the task on branch `roadmapd/<task>` (see `vcs/lanes.py`)."""
        return await self._run(lambda pl: open_lane(pl, task_id, parent_dir))

    async def close_lane(self, lane: Lane, *, keep_work: bool) -> str | None:
        return await self._run(
            lambda pl: close_lane(pl, lane.task_id, lane.path, keep_work=keep_work)
        )

    async def integrate(
        self,
        task_id: str,
        n: int,
        commit: str,
        *,
        branch_name: str,
        edits: Mapping[str, Edit] | None = None,
    ) -> Integration:
        """Put a lane's commit onto the user's branch (see `vcs/integrate.py`)."""
        return await self._run(
            lambda pl: integrate(pl, task_id, n, commit, branch_name=branch_name, edits=edits)
        )
