"""Task worktrees ("lanes") for parallel runs: one `git worktree` per task, on its own branch.

A lane is `git worktree add -b roadmapd/<task> <dir> <base>` in a folder the caller owns (the
store's `worktrees/`), so the user's working tree, index and HEAD are never touched. Before a
lane is made again for a task, whatever an earlier lane left (uncommitted work, its branch) is
kept in a backup ref first; nothing is deleted that no ref holds.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .faults import fault_point
from .gitproc import run_git
from .outcomes import RollbackOutcome, VcsError
from .plumbing import Plumbing
from .refs import BACKUPS, encode_id, stamp, task_branch
from .snapshot import capture


@dataclass(frozen=True)
class Lane:
    task_id: str
    path: Path  # the worktree's root
    branch: str  # refs/heads/roadmapd/<task>
    base: str  # the commit the lane started from


def _git(cwd: Path, *args: str) -> str:
    """Porcelain `git worktree` in `cwd`, through the one door (`gitproc`): no inherited
    variable redirects it, and its checkout runs no hook (`post-checkout`)."""
    done = run_git(args, cwd=cwd, root=cwd, timeout=120)
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip()
        raise VcsError(f"git {args[0]} {args[1] if len(args) > 1 else ''}: {err}")
    return done.stdout.decode(errors="surrogateescape")


def open_lane(pl: Plumbing, task_id: str, parent_dir: Path) -> Lane:
    """A fresh worktree for `task_id` at the current HEAD (earlier leftovers backed up first)."""
    head = pl.head()[0]
    if head is None:
        raise VcsError("the repository has no commit yet: commit once, then run tasks in parallel")
    path = parent_dir / encode_id(task_id)
    close_lane(pl, task_id, path, keep_work=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    short = task_branch(task_id).removeprefix("refs/heads/")
    _git(pl.root, "worktree", "add", "-q", "-b", short, str(path), head)
    fault_point("lane.added")
    return Lane(task_id, path, task_branch(task_id), head)


def lane_path(pl: Plumbing, task_id: str) -> Path | None:
    """The worktree that has the task's branch checked out, if any."""
    branch = task_branch(task_id)
    worktree: Path | None = None
    for line in _git(pl.root, "worktree", "list", "--porcelain").splitlines():
        if line.startswith("worktree "):
            worktree = Path(line.removeprefix("worktree "))
        elif line == f"branch {branch}":
            return worktree
    return None


def discard_lane(pl: Plumbing, task_id: str) -> RollbackOutcome:
    """Roll back a task whose work never reached the user's branch: its lane (worktree and
    branch) is removed after its complete state is kept in a backup ref; the user's working
    tree, index and branch are not touched."""
    backup = close_lane(pl, task_id, lane_path(pl, task_id), keep_work=True)
    short = task_branch(task_id).removeprefix("refs/heads/")
    if backup is None:
        return RollbackOutcome(True, None, (), (), "lane-removed", "nothing was left of its lane")
    why = f"its work never reached your branch: its worktree and branch {short} were removed"
    return RollbackOutcome(True, backup, (), (), "lane-removed", why)


def close_lane(pl: Plumbing, task_id: str, path: Path | None, *, keep_work: bool) -> str | None:
    """Remove the task's worktree and branch; returns the backup ref of what they held.

    With `keep_work`, the worktree's complete state (on top of its branch) is stored under
    `refs/roadmapd/backups/` before anything is removed. `path` None: no worktree is left.
    """
    backup: str | None = None
    branch = task_branch(task_id)
    tip = pl.resolve(branch)
    if keep_work and path is not None and path.is_dir() and (path / ".git").exists():
        snap = capture(Plumbing(path), "backup", task_id, "work left in a parallel lane")
        backup = f"{BACKUPS}/{stamp()}"
        pl.update_ref(backup, snap.commit, pl.zero_oid, "roadmapd: lane backup")
    elif keep_work and tip is not None:
        backup = f"{BACKUPS}/{stamp()}"
        pl.update_ref(backup, tip, pl.zero_oid, "roadmapd: lane branch backup")
    fault_point("lane.backed-up")
    if path is not None and path.exists():
        _git(pl.root, "worktree", "remove", "--force", str(path))
        shutil.rmtree(path, ignore_errors=True)
    _git(pl.root, "worktree", "prune")
    if tip is not None:
        pl.delete_ref(branch, tip)
    return backup
