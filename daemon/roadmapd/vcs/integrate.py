"""Bringing a task's commit from its lane onto the user's branch, without a half-merge ever.

The task's commit (made in its worktree on `roadmapd/<task>`) is replayed onto the current tip
of the user's branch: a fast-forward when the tip has not moved, else a three-way merge computed
entirely in objects (`git merge-tree --write-tree`). `edits` (the checkbox tick) are applied to
the result in objects too. Only then is the user's working tree touched, and only when every
path the integration writes is exactly as HEAD has it in the working tree and the index — so no
uncommitted byte of the user's can be overwritten, and a path that is written already has its
old content in HEAD. Order: commit object -> `refs/roadmapd/commits/<task>/<n>` -> files ->
index -> branch (compare-and-swap). A SIGKILL anywhere leaves every version in some ref.
A conflict or an unsafe working tree changes nothing: the task needs attention, its branch stays.

One exception keeps the common case working: a path that only `edits` change (the roadmap,
which the task itself left alone) may hold the user's uncommitted edits. The commit then gets the
edit applied to the branch's version, the index entry follows only if it was unchanged, and the
working-tree file is left alone: it is reported in `kept`, and the caller applies the same edit
to it (the one-character tick, every other byte of the user's kept).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .faults import fault_point
from .plumbing import Entry, Plumbing
from .refs import commit_ref
from .snapshot import current_trees
from .worktree import apply_entries

Edit = Callable[[bytes], bytes]


@dataclass(frozen=True)
class Integration:
    done: bool
    commit: str | None
    files: tuple[str, ...]
    reason: str | None
    conflicts: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()  # edited paths whose working-tree copy the caller must edit


def integrate(
    pl: Plumbing,
    task_id: str,
    n: int,
    task_commit: str,
    *,
    branch_name: str,
    edits: Mapping[str, Edit] | None = None,
) -> Integration:
    """Put `task_commit` (one commit on top of an ancestor of HEAD) onto the user's branch."""
    tip, branch = pl.head()
    busy = pl.in_progress()
    keep = f"; the task's work is on branch {branch_name}"
    if busy is not None or branch is None or tip is None:
        why = f"{busy} is in progress" if busy else "HEAD is detached or unborn"
        return Integration(False, None, (), f"needs attention: {why}{keep}")
    merged, conflicts = _merged_tree(pl, tip, task_commit)
    if merged is None:
        listed = ", ".join(conflicts) or "(see git merge-tree)"
        reason = f"needs attention: conflicts with the work already on the branch in {listed}"
        return Integration(False, None, (), reason + keep, tuple(conflicts))
    tree = _apply_edits(pl, merged, edits or {})
    tip_tree = pl.tree_of(tip)
    paths = pl.changed_paths(tip_tree, tree)
    if not paths:
        return Integration(False, None, (), "not committed: already on the branch" + keep)
    in_work, in_index = _differing(pl, tip_tree, paths)
    edit_only = _edit_only(pl, tip_tree, merged, [p for p in edits or {} if p in paths])
    kept = sorted(p for p in edit_only if p in in_work or p in in_index)
    dirty = sorted((in_work | in_index) - set(kept))
    if dirty:
        reason = f"needs attention: you have uncommitted changes in {', '.join(dirty)}"
        return Integration(False, None, tuple(paths), reason + keep)
    commit = pl.commit_tree(tree, [tip], pl.message_of(task_commit))
    fault_point("integrate.commit-written")
    pl.update_ref(commit_ref(task_id, n), commit, None, "roadmapd: task commit (integrated)")
    written = [p for p in paths if p not in kept]
    targets: dict[str, Entry | None] = {p: None for p in written}
    targets.update(pl.ls_tree(commit, written))
    skipped = apply_entries(pl, targets)
    fault_point("integrate.files-written")
    staged = {p: e for p, e in targets.items() if e is not None}
    staged.update(pl.ls_tree(commit, [p for p in kept if p not in in_index]))
    pl.set_index_entries(staged, [p for p, e in targets.items() if e is None], {})
    fault_point("integrate.index-updated")
    pl.update_ref(branch, commit, tip, f"roadmapd: integrate {task_id}")
    fault_point("integrate.branch-moved")
    note = f"; could not write {', '.join(skipped)}" if skipped else None
    return Integration(True, commit, tuple(paths), note, kept=tuple(kept))


def _merged_tree(pl: Plumbing, tip: str, task_commit: str) -> tuple[str | None, list[str]]:
    parent = pl.resolve(f"{task_commit}^")
    if parent == tip:
        return pl.tree_of(task_commit), []
    status, out, err = pl.run(
        "merge-tree", "--write-tree", "--name-only", "--no-messages", tip, task_commit, check=False
    )
    lines = out.decode(errors="surrogateescape").splitlines()
    if status == 0 and lines:
        return lines[0].strip(), []
    if status == 1:
        return None, sorted({line for line in lines[1:] if line.strip()})
    raise_message = err.strip() or f"exit {status}"
    return None, [f"(git merge-tree failed: {raise_message})"]


def _apply_edits(pl: Plumbing, tree: str, edits: Mapping[str, Edit]) -> str:
    if not edits:
        return tree
    current = pl.ls_tree(tree, list(edits))
    changed: dict[str, Entry] = {}
    for path, edit in edits.items():
        if path not in current:
            continue
        mode, oid = current[path]
        old = pl.read_blob(oid)
        new = edit(old)
        if new != old:
            changed[path] = (mode, pl.write_blob(new))
    if not changed:
        return tree
    with pl.temp_index() as env:
        pl.run("read-tree", tree, env=env)
        pl.set_index_entries(changed, (), env)
        return pl.text("write-tree", env=env)


def _differing(pl: Plumbing, tip_tree: str, paths: list[str]) -> tuple[set[str], set[str]]:
    """The paths whose working-tree version, and those whose index version, differ from HEAD's."""
    work_tree, index_tree = current_trees(pl)
    at_tip = pl.ls_tree(tip_tree, paths)
    in_work = pl.ls_tree(work_tree, paths)
    in_index = pl.ls_tree(index_tree, paths)
    return (
        {p for p in paths if in_work.get(p) != at_tip.get(p)},
        {p for p in paths if in_index.get(p) != at_tip.get(p)},
    )


def _edit_only(pl: Plumbing, tip_tree: str, merged: str, edited: list[str]) -> list[str]:
    """The edited paths that the task's commit itself left as they are on the branch."""
    if not edited:
        return []
    at_tip, in_merged = pl.ls_tree(tip_tree, edited), pl.ls_tree(merged, edited)
    return [p for p in edited if p in at_tip and at_tip[p] == in_merged.get(p)]
