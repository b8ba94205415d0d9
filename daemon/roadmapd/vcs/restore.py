"""Shared steps of every undo-like operation: save a backup ref, set index entries, write files.

Order matters for crash safety: the backup ref exists before the first byte changes, so a kill
at any later point leaves the previous state one `git checkout <backup> -- .` away.
"""

from __future__ import annotations

from .faults import fault_point
from .outcomes import VcsError
from .plumbing import Entry, Plumbing
from .refs import stamp
from .snapshot import Snapshot


def save_ref(pl: Plumbing, namespace: str, snap: Snapshot) -> str:
    """Keep a snapshot under `<namespace>/<timestamp>` (a fresh name, never overwritten)."""
    for _ in range(10):
        ref = f"{namespace}/{stamp()}"
        status, _, _ = pl.run(
            "update-ref", "-m", "roadmapd: backup", ref, snap.commit, pl.zero_oid, check=False
        )
        if status == 0:
            fault_point("backup.saved")
            return ref
    raise VcsError(f"could not create a backup ref under {namespace}")


def set_index_paths(pl: Plumbing, source_tree: str, paths: list[str]) -> None:
    """Make the user's index hold source_tree's entries for these paths (absent: removed)."""
    if not paths:
        return
    entries = pl.ls_tree(source_tree, paths)
    wanted = {p: entries[p] for p in paths if p in entries}
    pl.set_index_entries(wanted, [p for p in paths if p not in entries], {})
    fault_point("index.restored")


def entries_for(pl: Plumbing, tree: str, paths: list[str]) -> dict[str, Entry | None]:
    """path -> entry in tree, or None where the tree does not have the path."""
    found = pl.ls_tree(tree, paths)
    return {p: found.get(p) for p in paths}


def ignored_paths(pl: Plumbing, snap: Snapshot) -> list[str]:
    """The ignored files `snap` recorded (a backup taken before restoring them keeps them all)."""
    return sorted(pl.ls_tree(snap.ignored_tree)) if snap.ignored_tree else []


def ignored_targets(
    pl: Plumbing, source: Snapshot, now: Snapshot, after: Snapshot | None = None
) -> dict[str, Entry | None]:
    """Ignored files recorded in `source` that differ now: path -> source's entry.

    Only files `source` recorded are touched, and only when they differ from it: an ignored file
    made later is never deleted, an unchanged one never rewritten. `after` (the task's result
    snapshot, for a committed task): only files the task changed (source != after) go back."""
    if source.ignored_tree is None:
        return {}
    wanted = pl.ls_tree(source.ignored_tree)
    current = pl.ls_tree(now.ignored_tree) if now.ignored_tree else {}
    post = None
    if after is not None:
        post = pl.ls_tree(after.ignored_tree) if after.ignored_tree else {}
    out: dict[str, Entry | None] = {}
    for path, entry in wanted.items():
        if current.get(path) == entry or (post is not None and post.get(path) == entry):
            continue
        out[path] = entry
    return out


def describe_skipped(skipped: list[str]) -> str | None:
    if not skipped:
        return None
    return (
        "these paths could not be restored because other files are in the way: "
        + ", ".join(skipped)
        + " (their content is in the backup ref)"
    )


def nested_note(pre: Snapshot, now: Snapshot) -> str | None:
    """What a rollback leaves in place: nested repositories made since `pre` (never recorded,
    so never deleted; see snapshot.py)."""
    left = sorted(set(now.meta.nested) - set(pre.meta.nested))
    if not left:
        return None
    listed = ", ".join(f"{p}/" for p in left)
    return (
        f"left in place: {listed} (nested git repositories made since the checkpoint; roadmapd "
        "neither records nor deletes them: remove them yourself)"
    )


def join_notes(*notes: str | None) -> str | None:
    kept = [n for n in notes if n]
    return "; ".join(kept) or None
