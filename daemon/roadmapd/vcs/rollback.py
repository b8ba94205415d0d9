"""Rolling a task back: exactly its changes are undone, everything else stays, a backup comes first.

Committed task: the files it touched return to their checkpoint content (later edits to other
lines of those files are kept when the task's hunks can still be located; otherwise the file is a
conflict and only `force` overwrites it). The branch moves back only when the task's commit is
its unpushed tip; a commit further down gets a revert commit, built without touching the work
tree. Uncommitted task (failed / passed-uncommitted) and `restore(cp)`: every path that differs
from the checkpoint goes back to it. A task that ran in a parallel lane and whose commit never
landed on the user's branch: only its lane is removed (`lanes.discard_lane`).
"""

from __future__ import annotations

from collections.abc import Sequence

from .checkpoints import latest_checkpoint
from .faults import fault_point
from .lanes import discard_lane
from .merge import replay_entries
from .outcomes import Checkpoint, RollbackOutcome, VcsError, refused
from .plumbing import Entry, Plumbing
from .refs import BACKUPS, commit_ref, pr_branch, result_ref, task_branch
from .restore import (
    describe_skipped,
    entries_for,
    ignored_paths,
    ignored_targets,
    join_notes,
    nested_note,
    save_ref,
    set_index_paths,
)
from .snapshot import Snapshot, capture, load
from .worktree import apply_entries


def rollback_task(
    pl: Plumbing, task_id: str, *, force: bool = False, dependants: Sequence[str] = ()
) -> RollbackOutcome:
    """Undo the newest attempt series of `task_id`; refusals change nothing."""
    try:
        return _rollback(pl, task_id, force, dependants)
    except VcsError as exc:
        return refused(str(exc))


def _rollback(
    pl: Plumbing, task_id: str, force: bool, dependants: Sequence[str]
) -> RollbackOutcome:
    if dependants and not force:
        return refused(
            f"tasks {', '.join(dependants)} depend on {task_id}: roll them back first, or force"
        )
    cp = latest_checkpoint(pl, task_id)
    if cp is None:
        return refused(f"task {task_id} has no checkpoint to roll back to")
    pre = load(pl, cp.commit)
    commit = pl.resolve(commit_ref(task_id, cp.n))
    landed = commit is not None and _is_ancestor(pl, commit, "HEAD")
    if pre.meta.branch == task_branch(task_id) and not landed:
        return discard_lane(pl, task_id)
    backup = capture(
        pl, "backup", task_id, f"before rolling back {cp.title or task_id}",
        keep=ignored_paths(pl, pre),
    )  # fmt: skip
    if commit is None:
        if backup.meta.head != pre.meta.head and not force:
            return refused(
                "commits were made since the task's checkpoint; restoring its files would undo "
                "their changes in the working tree too: force to do it anyway"
            )
        return files_back(pl, pre, backup)
    result = pl.resolve(result_ref(task_id, cp.n))
    if result is None:
        raise VcsError(f"task {task_id} has a commit but no result snapshot")
    return _undo_commit(pl, cp, pre, load(pl, result), backup, commit, force)


def restore_checkpoint(pl: Plumbing, cp: Checkpoint) -> RollbackOutcome:
    """Put every path that differs from the checkpoint back (a backup ref first)."""
    pre = load(pl, cp.commit)
    backup = capture(
        pl, "backup", cp.task_id, f"before restoring {cp.ref}", keep=ignored_paths(pl, pre)
    )
    return files_back(pl, pre, backup)


def files_back(pl: Plumbing, pre: Snapshot, backup: Snapshot) -> RollbackOutcome:
    """Every path that differs from `pre` goes back, and every ignored file `pre` recorded that
    differs now (ignored files made since are left alone; see `restore.ignored_targets`)."""
    paths = pl.changed_paths(pre.tree, backup.tree)
    ignored = ignored_targets(pl, pre, backup)
    nested = nested_note(pre, backup)
    if not paths and not ignored:
        why = join_notes("nothing to restore", nested)
        return RollbackOutcome(True, None, (), (), "files-restored", why)
    ref = save_ref(pl, BACKUPS, backup)
    set_index_paths(pl, pre.index_tree, paths)
    skipped = apply_entries(pl, {**entries_for(pl, pre.tree, paths), **ignored})
    fault_point("rollback.done")
    why = join_notes(describe_skipped(skipped), nested)
    files = tuple(sorted(set(paths) | set(ignored)))
    return RollbackOutcome(True, ref, files, tuple(skipped), "files-restored", why)


def _undo_commit(
    pl: Plumbing,
    cp: Checkpoint,
    pre: Snapshot,
    post: Snapshot,
    now: Snapshot,
    commit: str,
    force: bool,
) -> RollbackOutcome:
    touched = pl.changed_paths(pre.tree, post.tree)
    targets, conflicts = _targets(pl, pre, post, now, touched, force)
    if conflicts and not force:
        return refused(
            "you changed these files after the task: "
            + ", ".join(conflicts)
            + "; roll back with force to overwrite them (the backup ref keeps both versions)",
            tuple(conflicts),
        )
    plan = _branch_plan(pl, cp.task_id, commit, now)
    if isinstance(plan, str):
        return refused(plan, tuple(conflicts))
    method, ref, new, old = plan
    backup_ref = save_ref(pl, BACKUPS, now)
    if method == "branch-moved" and new is None:
        pl.delete_ref(ref, old)
    elif method != "files-restored" and new is not None:
        pl.update_ref(ref, new, old, f"roadmapd: roll back task {cp.task_id}")
    fault_point("rollback.branch-moved")
    set_index_paths(pl, new if method == "revert-commit" and new else pre.index_tree, touched)
    targets.update(ignored_targets(pl, pre, now, post))
    skipped = apply_entries(pl, targets)
    fault_point("rollback.done")
    return RollbackOutcome(
        True, backup_ref, tuple(sorted(targets)), tuple(conflicts), method,
        join_notes(describe_skipped(skipped), nested_note(pre, now)),
    )  # fmt: skip


def _targets(
    pl: Plumbing, pre: Snapshot, post: Snapshot, now: Snapshot, touched: list[str], force: bool
) -> tuple[dict[str, Entry | None], list[str]]:
    """What each touched path should become, and the paths edited since the task."""
    entries, conflicts = replay_entries(pl, touched, post.tree, pre.tree, now.tree)
    if force:
        entries.update(entries_for(pl, pre.tree, conflicts))
    current = pl.ls_tree(now.tree, touched)
    return {p: e for p, e in entries.items() if current.get(p) != e}, conflicts


Plan = tuple[str, str, str | None, str]  # method, ref, new value (None: delete), expected old


def _branch_plan(pl: Plumbing, task_id: str, commit: str, now: Snapshot) -> Plan | str:
    """How the task's commit leaves history, or why it cannot."""
    head, branch = now.meta.head, now.meta.branch
    pushed = bool(
        pl.text("for-each-ref", "--contains", commit, "--format=%(refname)", "refs/remotes")
    )
    parent = pl.resolve(f"{commit}^")
    if head == commit and branch is not None and not pushed:
        return "branch-moved", branch, parent, commit
    for own in (task_branch(task_id), pr_branch(task_id)):  # per-task and PR mode's branch
        if pl.resolve(own) == commit and not pushed:
            return "branch-moved", own, None, commit
    if head is None or not _is_ancestor(pl, commit, head):
        return "files-restored", "", None, ""
    busy = pl.in_progress()
    if busy is not None or branch is None or parent is None:
        why = busy or ("a detached HEAD" if branch is None else "a root commit")
        return f"cannot write a revert commit with {why}; revert {commit[:12]} by hand"
    return "revert-commit", branch, _revert_commit(pl, commit, parent, head, task_id), head


def _is_ancestor(pl: Plumbing, commit: str, head: str) -> bool:
    return pl.run("merge-base", "--is-ancestor", commit, head, check=False)[0] == 0


def _revert_commit(pl: Plumbing, commit: str, parent: str, head: str, task_id: str) -> str:
    """A commit on top of head that takes the task commit's changes out (work tree untouched)."""
    paths = pl.changed_paths(pl.tree_of(parent), pl.tree_of(commit))
    entries, conflicts = replay_entries(pl, paths, commit, parent, head)
    if conflicts:
        raise VcsError(
            f"later commits changed the same lines as task {task_id} in {', '.join(conflicts)}; "
            f"revert {commit[:12]} by hand (git revert {commit[:12]})"
        )
    with pl.temp_index() as env:
        pl.run("read-tree", head, env=env)
        keep = {p: e for p, e in entries.items() if e is not None}
        pl.set_index_entries(keep, [p for p, e in entries.items() if e is None], env)
        tree = pl.text("write-tree", env=env)
    subject = pl.text("log", "-1", "--format=%s", commit)
    message = (
        f'Revert "{subject}"\n\nThis reverts commit {commit}.\n\n'
        f"Roadmap-Task: {' '.join(task_id.split())}\nRoadmap-Rollback: yes\n"
    )
    return pl.commit_tree(tree, [head], message)
