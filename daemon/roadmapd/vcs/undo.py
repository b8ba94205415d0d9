"""Undoing the latest rollback (or restore): the work tree, index and branch go back to the
newest `refs/roadmapd/backups/*` snapshot, after the current state is saved under
`refs/roadmapd/safety/`. The consumed backup moves to `refs/roadmapd/undone/`, so a second undo
reaches the backup before it. Ignored files the backup recorded come back where they differ
now; an ignored file the backup did not have (one the rollback brought back) stays: roadmapd
never deletes ignored files. A backup of a parallel lane (a task rolled back before its work
reached the user's branch) brings back the task's branch instead; the user's working tree is
not touched.
"""

from __future__ import annotations

from .faults import fault_point
from .outcomes import RollbackOutcome, VcsError, refused
from .plumbing import Plumbing
from .refs import BACKUPS, SAFETY, UNDONE, task_branch
from .restore import describe_skipped, entries_for, ignored_paths, ignored_targets, save_ref
from .snapshot import Snapshot, capture, load
from .worktree import apply_entries


def latest_backup(pl: Plumbing) -> str | None:
    out = pl.text("for-each-ref", "--sort=-refname", "--count=1", "--format=%(refname)", BACKUPS)
    return out or None


def undo_rollback(pl: Plumbing) -> RollbackOutcome:
    try:
        return _undo(pl)
    except VcsError as exc:
        return refused(str(exc))


def _undo(pl: Plumbing) -> RollbackOutcome:
    ref = latest_backup(pl)
    if ref is None:
        return refused("there is no rollback to undo")
    busy = pl.in_progress()
    if busy is not None:
        return refused(f"{busy} is in progress; finish or abort it first")
    backup_commit = pl.resolve(ref)
    if backup_commit is None:
        return refused(f"{ref} does not point to a commit")
    backup = load(pl, backup_commit)
    if backup.meta.task_id and backup.meta.branch == task_branch(backup.meta.task_id):
        return _branch_back(pl, ref, backup)
    now = capture(
        pl, "safety", backup.meta.task_id, "before undoing a rollback",
        keep=ignored_paths(pl, backup),
    )  # fmt: skip
    if backup.meta.branch != now.meta.branch:
        return refused(
            f"the checkout changed from {backup.meta.branch or 'a detached HEAD'} to "
            f"{now.meta.branch or 'a detached HEAD'} since the rollback; switch back first"
        )
    safety_ref = save_ref(pl, SAFETY, now)
    moved = _move_head(pl, backup, now)
    index_paths = pl.changed_paths(now.index_tree, backup.index_tree)
    entries = pl.ls_tree(backup.index_tree, index_paths)
    pl.set_index_entries(entries, [p for p in index_paths if p not in entries], {})
    fault_point("undo.index-restored")
    paths = pl.changed_paths(now.tree, backup.tree)
    ignored = ignored_targets(pl, backup, now)
    skipped = apply_entries(pl, {**entries_for(pl, backup.tree, paths), **ignored})
    paths = sorted(set(paths) | set(ignored))
    fault_point("undo.files-restored")
    pl.update_ref(f"{UNDONE}/{ref.rsplit('/', 1)[1]}", backup.commit, None, "roadmapd: undone")
    pl.delete_ref(ref, backup.commit)
    fault_point("undo.done")
    method = "branch-moved" if moved else "files-restored"
    return RollbackOutcome(
        True,
        safety_ref,
        tuple(paths),
        tuple(skipped),
        method,
        describe_skipped(skipped),
        backup.meta.task_id or None,
    )


def _branch_back(pl: Plumbing, ref: str, backup: Snapshot) -> RollbackOutcome:
    """Undo the removal of a lane: its branch returns where it was (its uncommitted work stays
    in the consumed backup, under `refs/roadmapd/undone/`)."""
    branch, tip = backup.meta.branch, backup.meta.head
    assert branch is not None
    short = branch.removeprefix("refs/heads/")
    if tip is None:
        return refused(f"the backup of {short} records no commit to bring back")
    if pl.resolve(branch) is not None:
        return refused(f"branch {short} exists again: delete or rename it first")
    pl.update_ref(branch, tip, pl.zero_oid, "roadmapd: undo lane removal")
    undone = f"{UNDONE}/{ref.rsplit('/', 1)[1]}"
    pl.update_ref(undone, backup.commit, None, "roadmapd: undone")
    pl.delete_ref(ref, backup.commit)
    fault_point("undo.done")
    note = f"branch {short} is back at {tip[:10]}; the lane's files as they were are in {undone}"
    return RollbackOutcome(True, None, (), (), "lane-restored", note, backup.meta.task_id)


def _move_head(pl: Plumbing, backup: Snapshot, now: Snapshot) -> bool:
    """Put the branch (or detached HEAD) back where it was before the rollback."""
    want, have = backup.meta.head, now.meta.head
    if want == have:
        return False
    target = backup.meta.branch or "HEAD"
    extra = [] if backup.meta.branch else ["--no-deref"]
    if want is None:
        pl.run("update-ref", *extra, "-d", target, have or pl.zero_oid)
    else:
        pl.run(
            "update-ref", *extra, "-m", "roadmapd: undo rollback", target, want, have or pl.zero_oid
        )
    fault_point("undo.branch-moved")
    return True
