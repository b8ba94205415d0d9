"""Ignored files in snapshots: recorded in a tree of their own, read only by restore and rollback.

A snapshot's own tree is what `git add -A` sees, so ignored files (`.env.local`, local settings)
are not in it, and `git clean -fdx` by the agent could not be undone. So `capture` also records
the ignored files, up to a size cap (`IgnoredPolicy.cap_bytes`, config `protect_ignored_mb`,
0 = off), in a separate tree: the tree of a parentless "ignored commit" that is the snapshot
commit's last parent (one ref keeps it alive) and named in the metadata (`Roadmap-Ignored`).

Separate, so that nothing else changes: the snapshot tree that commit, `changes`
(`changed_files`, `diff_since`, `file_changes`), hooks and `current_trees` compare holds no ignored
file, so an ignored file is never committed and never reported as a task's change. Only
`restore.ignored_targets` (rollback, restore, undo) reads the ignored tree.

What is recorded: files that `git ls-files --others --ignored --exclude-standard` lists, regular
files and symlinks (the link itself, never its target), smallest first until the cap is reached,
none below a folder named in `IgnoredPolicy.skip` (`node_modules`, `.venv`, ...) or a path with a
`.git` component, none inside a nested repository (git lists one as `dir/` and never looks in).
Listing runs with `--directory`, so a wholly ignored folder is one line and a skipped one is
never walked; the other wholly ignored folders are listed again, file by file. The files go into
a private empty index with `update-index --add` (git hashes them; nothing from the work tree
runs). What was left out (files over the cap; skipped folders, one entry each, ending in `/`) is
in the metadata (`Roadmap-Unprotected`) and on `Checkpoint.unprotected`.

`keep` paths are recorded whatever the cap (when git still lists them as ignored): a backup taken
before a rollback keeps every ignored file the rollback may overwrite.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection
from dataclasses import dataclass

from .outcomes import IgnoredPolicy
from .plumbing import SNAPSHOT_IDENTITY, Plumbing


@dataclass(frozen=True)
class IgnoredRecord:
    commit: str | None  # the ignored commit (None: nothing recorded)
    unprotected: tuple[str, ...]  # left out: files over the cap, skipped folders (ending in "/")


def record_ignored(
    pl: Plumbing, policy: IgnoredPolicy, keep: Collection[str] = ()
) -> IgnoredRecord:
    """Write the ignored files as a parentless commit; see the module docstring."""
    if policy.cap_bytes <= 0 and not keep:
        return IgnoredRecord(None, ())
    files, skipped = _list_ignored(pl, policy.skip)
    sizes: list[tuple[int, str]] = []
    for path in files:
        size = _size(pl, path)
        if size is not None:
            sizes.append((size, path))
    chosen: list[str] = []
    over: list[str] = []
    total = 0
    for size, path in sorted(sizes):
        if path in keep:
            chosen.append(path)
        elif policy.cap_bytes > 0 and total + size <= policy.cap_bytes:
            chosen.append(path)
            total += size
        else:
            over.append(path)
    # protection off (only `keep` asked for): nothing to report as left out
    left = sorted(over) + sorted(f"{d}/" for d in skipped) if policy.cap_bytes > 0 else []
    unprotected = tuple(left)
    if not chosen:
        return IgnoredRecord(None, unprotected)
    with pl.temp_index() as env:
        feed = "\0".join(sorted(chosen)) + "\0"
        pl.run(
            "update-index", "--add", "--remove", "-z", "--stdin",
            env=env, stdin=feed.encode(errors="surrogateescape"),
        )  # fmt: skip
        tree = pl.text("write-tree", env=env)
    if tree == pl.empty_tree:
        return IgnoredRecord(None, unprotected)
    commit = pl.commit_tree(tree, [], "roadmapd ignored files\n", env=SNAPSHOT_IDENTITY)
    return IgnoredRecord(commit, unprotected)


def _list_ignored(pl: Plumbing, skip: Collection[str]) -> tuple[list[str], set[str]]:
    """(ignored files to consider, skipped folders). Skipped folders are never walked."""
    base = ["ls-files", "-z", "--others", "--ignored", "--exclude-standard"]
    files: set[str] = set()
    skipped: set[str] = set()
    folders: list[str] = []
    for path in _entries(pl, [*base, "--directory"]):
        folder = _skipped_prefix(path.rstrip("/"), skip, whole=path.endswith("/"))
        if folder is not None:
            skipped.add(folder)
        elif path.endswith("/"):
            if not os.path.lexists(os.path.join(pl.root, path, ".git")):  # not a nested repo
                folders.append(path)
        else:
            files.add(path)
    if folders:
        specs = [f":(top,literal){f}" for f in folders]
        specs += [f":(exclude,glob)**/{name}/**" for name in skip]
        for path in _entries(pl, [*base, "--", *specs], {"GIT_LITERAL_PATHSPECS": "0"}):
            if path.endswith("/"):
                continue  # a nested repository: never recorded
            folder = _skipped_prefix(path, skip, whole=False)
            if folder is not None:
                skipped.add(folder)
            else:
                files.add(path)
    return sorted(files), skipped


def _entries(pl: Plumbing, args: list[str], env: dict[str, str] | None = None) -> list[str]:
    out = pl.run(*args, env=env)[1].decode(errors="surrogateescape")
    return [p for p in out.split("\0") if p]


def _skipped_prefix(path: str, skip: Collection[str], *, whole: bool) -> str | None:
    """The first folder of path named in skip (or `.git`), or None. `whole`: path is a folder."""
    parts = path.split("/")
    folders = parts if whole else parts[:-1]
    for i, part in enumerate(folders):
        if part in skip or part.lower() == ".git":
            return "/".join(parts[: i + 1])
    if not whole and parts[-1].lower() == ".git":
        return path
    return None


def _size(pl: Plumbing, path: str) -> int | None:
    """Bytes of a regular file or a symlink (its target's length); None for anything else."""
    try:
        info = os.lstat(os.path.join(pl.root, path))
    except OSError:
        return None
    if stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode):
        return info.st_size
    return None
