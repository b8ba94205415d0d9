"""Snapshots of the complete working state, written as commits without touching the user's files.

A snapshot commit's tree is the working tree as `git add -A` would see it (tracked changes,
deletions, untracked files that are not ignored). Its parents are HEAD (when born), an
"index commit" whose tree is the user's index, and, when there are ignored files to record, an
"ignored commit" whose tree holds them (see `ignored.py`: up to a size cap, never in the
snapshot's own tree, read only by restore, rollback and undo), so all are kept alive by one ref.
The message carries the metadata (`refs.SnapshotMeta`). Everything is built in a private index.

Nested repositories: git is never let into one. A nested repository's config can run commands
(`core.fsmonitor`, a clean filter with its own `.gitattributes`) that `git add` runs when it
looks into it, outside the jail; an empty one makes `git add` fail. So:

- a folder below the root that holds a `.git` (a directory, a `gitdir:` file or a symlink) and
  that git lists as untracked is left out of the snapshot, files and all; its path goes into the
  metadata (`Roadmap-Nested`), so a task commit can tell that the task created it and refuse;
- a gitlink of the user's index (a submodule) is recorded as the index has it, without asking
  the submodule for its HEAD;
- a `.git` that appears in a folder git already tracks (`git init src`) changes nothing in the
  snapshot (git records that folder's files as plain files) but is listed in the metadata too.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from .faults import fault_point
from .ignored import record_ignored
from .plumbing import SNAPSHOT_IDENTITY, Plumbing
from .refs import SnapshotMeta, format_meta, parse_meta


@dataclass(frozen=True)
class Snapshot:
    commit: str
    tree: str  # working tree
    index_tree: str  # the user's index
    meta: SnapshotMeta
    ignored_tree: str | None = None  # the ignored files recorded (None: none, see ignored.py)


@dataclass(frozen=True)
class WorkState:
    tree: str  # the working tree, nested repositories left out
    index_tree: str  # the user's index
    nested: tuple[str, ...]  # folders holding a nested repository (see the module docstring)


def current_trees(pl: Plumbing) -> tuple[str, str]:
    """(working-tree tree, index tree) of the repository right now; writes only new objects."""
    state = current_state(pl)
    return state.tree, state.index_tree


def current_state(pl: Plumbing) -> WorkState:
    """The working tree and the index as trees, and the nested repositories left out."""
    with pl.temp_index(copy_user_index=True) as env:
        status, out, _ = pl.run("write-tree", env=env, check=False)
        # Unmerged entries cannot be written as a tree: HEAD's tree stands in for the index then.
        index_tree = out.decode().strip() if status == 0 else _head_tree(pl)
        fault_point("snapshot.index-tree")
        untracked_repos, gitlinks, nested = _nested_repos(pl, env)
        skipped = sorted(untracked_repos | gitlinks)
        if skipped:
            feed = [":(top,literal)"] + [f":(exclude,top,literal){p}" for p in skipped]
            pl.run(
                "add", "-A", "--pathspec-from-file=-", "--pathspec-file-nul",
                env={**env, "GIT_LITERAL_PATHSPECS": "0"},
                stdin=("\0".join(feed) + "\0").encode(errors="surrogateescape"),
            )  # fmt: skip
        else:
            pl.run("add", "-A", "--", ".", env=env)
        fault_point("snapshot.added")
        return WorkState(pl.text("write-tree", env=env), index_tree, nested)


def _nested_repos(pl: Plumbing, env: dict[str, str]) -> tuple[set[str], set[str], tuple[str, ...]]:
    """(untracked nested repositories, gitlinks of the index, every nested repository folder).

    One `ls-files` lists the index and the untracked files; git shows an untracked nested
    repository as one `dir/` entry and never looks inside it. Folders of listed files are then
    checked for a `.git` of their own (a repository made over tracked files)."""
    out = pl.run("ls-files", "-z", "-t", "--stage", "--others", "--exclude-standard", env=env)[
        1
    ].decode(errors="surrogateescape")
    untracked: set[str] = set()
    gitlinks: set[str] = set()
    files: list[str] = []
    for record in out.split("\0"):
        if len(record) < 3:
            continue
        tag, rest = record[0], record[2:]
        if tag == "?":
            if rest.endswith("/"):
                untracked.add(rest.rstrip("/"))
            else:
                files.append(rest)
            continue
        meta, _, path = rest.partition("\t")
        if meta.startswith("160000 "):
            gitlinks.add(path)
        else:
            files.append(path)
    found = untracked | (_folders_with_git(pl.root, _folders(files)) - gitlinks)
    return untracked, gitlinks, tuple(sorted(found))


def _folders(paths: Iterable[str]) -> set[str]:
    folders: set[str] = set()
    for path in paths:
        parent = path.rpartition("/")[0]
        while parent and parent not in folders:
            folders.add(parent)
            parent = parent.rpartition("/")[0]
    return folders


def _folders_with_git(root: Path, folders: Iterable[str]) -> set[str]:
    return {f for f in folders if os.path.lexists(os.path.join(root, f, ".git"))}


def _head_tree(pl: Plumbing) -> str:
    head = pl.resolve("HEAD")
    return pl.tree_of(head) if head else pl.empty_tree


def capture(
    pl: Plumbing, kind: str, task_id: str = "", title: str = "", keep: Collection[str] = ()
) -> Snapshot:
    """Write a snapshot commit of the current state; the caller decides which ref keeps it.

    `keep`: ignored files to record whatever the size cap (see `ignored.py`)."""
    head, branch = pl.head()
    state = current_state(pl)
    tree, index_tree = state.tree, state.index_tree
    parents = [head] if head else []
    index_commit = pl.commit_tree(index_tree, parents, "roadmapd index\n", env=SNAPSHOT_IDENTITY)
    fault_point("snapshot.index-commit")
    ignored = record_ignored(pl, pl.ignored, keep)
    meta = SnapshotMeta(
        kind, task_id, title, head, branch, index_commit, time.time(), state.nested,
        ignored.commit, ignored.unprotected,
    )  # fmt: skip
    extra = [ignored.commit] if ignored.commit else []
    commit = pl.commit_tree(
        tree, [*parents, index_commit, *extra], format_meta(meta), env=SNAPSHOT_IDENTITY
    )
    fault_point("snapshot.commit")
    ignored_tree = pl.tree_of(ignored.commit) if ignored.commit else None
    return Snapshot(commit, tree, index_tree, meta, ignored_tree)


def load(pl: Plumbing, commit: str) -> Snapshot:
    """Read a snapshot back from its commit (raises VcsError/ValueError if it is not one)."""
    meta = parse_meta(pl.message_of(commit))
    ignored_tree = pl.tree_of(meta.ignored) if meta.ignored else None
    return Snapshot(commit, pl.tree_of(commit), pl.tree_of(meta.index_commit), meta, ignored_tree)
