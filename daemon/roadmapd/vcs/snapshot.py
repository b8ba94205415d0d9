"""Snapshots of the complete working state, written as commits without touching the user's files.

A snapshot commit's tree is the working tree as `git add -A` would see it (tracked changes,
deletions, untracked files that are not ignored). Its parents are HEAD (when born) and an
"index commit" whose tree is the user's index, so both are kept alive by one ref. The message
carries the metadata (`refs.SnapshotMeta`). Everything is built in a private copy of the index.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .faults import fault_point
from .plumbing import SNAPSHOT_IDENTITY, Plumbing
from .refs import SnapshotMeta, format_meta, parse_meta


@dataclass(frozen=True)
class Snapshot:
    commit: str
    tree: str  # working tree
    index_tree: str  # the user's index
    meta: SnapshotMeta


def current_trees(pl: Plumbing) -> tuple[str, str]:
    """(working-tree tree, index tree) of the repository right now; writes only new objects."""
    with pl.temp_index(copy_user_index=True) as env:
        status, out, _ = pl.run("write-tree", env=env, check=False)
        # Unmerged entries cannot be written as a tree: HEAD's tree stands in for the index then.
        index_tree = out.decode().strip() if status == 0 else _head_tree(pl)
        fault_point("snapshot.index-tree")
        pl.run("add", "-A", "--", ".", env=env)
        fault_point("snapshot.added")
        return pl.text("write-tree", env=env), index_tree


def _head_tree(pl: Plumbing) -> str:
    head = pl.resolve("HEAD")
    return pl.tree_of(head) if head else pl.empty_tree


def capture(pl: Plumbing, kind: str, task_id: str = "", title: str = "") -> Snapshot:
    """Write a snapshot commit of the current state; the caller decides which ref keeps it."""
    head, branch = pl.head()
    tree, index_tree = current_trees(pl)
    parents = [head] if head else []
    index_commit = pl.commit_tree(index_tree, parents, "roadmapd index\n", env=SNAPSHOT_IDENTITY)
    fault_point("snapshot.index-commit")
    meta = SnapshotMeta(kind, task_id, title, head, branch, index_commit, time.time())
    commit = pl.commit_tree(
        tree, [*parents, index_commit], format_meta(meta), env=SNAPSHOT_IDENTITY
    )
    fault_point("snapshot.commit")
    return Snapshot(commit, tree, index_tree, meta)


def load(pl: Plumbing, commit: str) -> Snapshot:
    """Read a snapshot back from its commit (raises VcsError/ValueError if it is not one)."""
    meta = parse_meta(pl.message_of(commit))
    return Snapshot(commit, pl.tree_of(commit), pl.tree_of(meta.index_commit), meta)
