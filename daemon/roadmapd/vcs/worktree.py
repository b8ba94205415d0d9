"""Writing chosen tree entries into the working tree, path by path, and nothing else.

Only the paths asked for are touched: files are removed or written (through `git
checkout-index`, so the repository's filters and attributes apply), directories are removed only
when empty. A path that cannot be written without disturbing other files (a non-empty directory
or a foreign file in the way) is skipped and reported. Nothing is removed through a symlink: when
a folder of a recorded path became a link (the agent can make `src` point anywhere, even outside
the working tree), the link itself is what goes, never a file it leads to.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .faults import fault_point
from .plumbing import Entry, Plumbing


def apply_entries(pl: Plumbing, targets: Mapping[str, Entry | None]) -> list[str]:
    """Make each path hold its target entry (None: absent). Returns the paths it had to skip."""
    root = pl.root
    for path in sorted(targets, reverse=True):
        if not _through_link(root, root / path):
            _remove_file(root / path)
    for path in sorted(targets, reverse=True):
        if not _through_link(root, root / path):
            _prune_empty_dirs(root, root / path)
    fault_point("worktree.removed")
    writes = {p: e for p, e in targets.items() if e is not None}
    skipped = [p for p in sorted(writes) if not _clear_way(root, p)]
    for path in skipped:
        del writes[path]
    if writes:
        with pl.temp_index() as env:
            pl.set_index_entries(writes, (), env)
            feed = "\0".join(sorted(writes)) + "\0"
            pl.run(
                "checkout-index", "-f", "-q", "-z", "--stdin",
                env=env, stdin=feed.encode(errors="surrogateescape"),
            )  # fmt: skip
    fault_point("worktree.written")
    return skipped


def _remove_file(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()


def _through_link(root: Path, path: Path) -> bool:
    """Whether a folder between root and path is a symlink or not a folder at all."""
    parent = path.parent
    while parent != root and root in parent.parents:
        if parent.is_symlink() or not parent.is_dir():
            return True
        parent = parent.parent
    return False


def _prune_empty_dirs(root: Path, path: Path) -> None:
    """Remove `path` if it is an empty directory, then its parents while they are empty."""
    current = path if path.is_dir() and not path.is_symlink() else path.parent
    while current != root and root in current.parents:
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent


def _clear_way(root: Path, rel: str) -> bool:
    """True when rel can be created: no directory at it, only directories above it."""
    target = root / rel
    if target.is_dir() and not target.is_symlink():
        return False
    parent = target.parent
    while parent != root:
        if parent.is_symlink() or (parent.exists() and not parent.is_dir()):
            return False
        parent = parent.parent
    return True
