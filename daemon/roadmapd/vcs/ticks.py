"""`roadmapd sync --commit`: one commit on the current branch that holds only the roadmap's ticks.

Built like the task commit (`commit.py`): a private index from HEAD's tree with the roadmap's
new content, `commit-tree`, the branch moved from the HEAD it was built on (a concurrent commit
makes the update fail rather than be lost), then the user's index entry of that one file
updated so `git status` shows it clean. The message names the ticked tasks in a
`Roadmap-Ticked:` trailer and has no `Roadmap-Task:` line, so the tick commit is never counted
as a task's commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .outcomes import VcsError
from .plumbing import Plumbing


def tick_message(task_ids: Sequence[str]) -> str:
    n = len(task_ids)
    return (
        f"roadmapd: tick {n} task{'s' if n != 1 else ''}\n\nRoadmap-Ticked: {' '.join(task_ids)}\n"
    )


def head_blob(root: Path, rel: str) -> bytes | None:
    """The file's content at HEAD, or None when HEAD does not hold it (or is unborn)."""
    pl = Plumbing(root)
    head, _ = pl.head()
    if head is None:
        return None
    entry = pl.ls_tree(head, [rel]).get(rel)
    return pl.read_blob(entry[1]) if entry else None


def commit_ticks(root: Path, rel: str, data: bytes, task_ids: Sequence[str]) -> str:
    """Commit `data` as the new content of `rel` on the current branch; the new commit."""
    pl = Plumbing(root)
    busy = pl.in_progress()
    if busy is not None:
        raise VcsError(f"{busy} is in progress; finish or abort it, then sync")
    head, branch = pl.head()
    if head is None or branch is None:
        raise VcsError("HEAD is detached or has no commit; check out the base branch")
    mode = pl.ls_tree(head, [rel]).get(rel, ("100644", ""))[0]
    blob = pl.write_blob(data)
    with pl.temp_index() as env:
        pl.run("read-tree", pl.tree_of(head), env=env)
        pl.set_index_entries({rel: (mode, blob)}, [], env)
        tree = pl.text("write-tree", env=env)
    commit = pl.commit_tree(tree, [head], tick_message(task_ids))
    pl.update_ref(branch, commit, head, "roadmapd: sync ticks")
    pl.set_index_entries({rel: (mode, blob)}, [], {})
    return commit
