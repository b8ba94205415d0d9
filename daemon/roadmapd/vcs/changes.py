"""What a task changed so far: paths and a size-capped diff between a checkpoint and now."""

from __future__ import annotations

from pathlib import Path

from .outcomes import Checkpoint, FileChange
from .plumbing import Plumbing
from .snapshot import current_trees


def changed_files(pl: Plumbing, cp: Checkpoint) -> tuple[str, ...]:
    """Paths that differ between the checkpoint's working tree and the working tree now."""
    return tuple(pl.changed_paths(pl.tree_of(cp.commit), current_trees(pl)[0]))


def file_changes(
    pl: Plumbing, cp: Checkpoint, *, max_file_bytes: int = 256_000, max_total_bytes: int = 4_000_000
) -> tuple[FileChange, ...]:
    """Every path that differs between the checkpoint and now, with both texts where they are
    text and small enough (the verdict reads tests and configuration the task touched)."""
    before_tree, now = pl.tree_of(cp.commit), current_trees(pl)[0]
    paths = pl.changed_paths(before_tree, now)
    before, after = pl.ls_tree(before_tree, paths), pl.ls_tree(now, paths)
    budget = max_total_bytes
    out: list[FileChange] = []
    for path in paths:
        texts: list[str | None] = []
        binary = unread = False
        size = 0
        for entries in (before, after):
            entry = entries.get(path)
            if entry is None:
                texts.append(None)
                continue
            data = b""
            if entry[0].startswith("100"):  # a regular file (not a link or gitlink)
                size = int(pl.text("cat-file", "-s", entry[1]))
                if size <= min(max_file_bytes, budget):
                    data = pl.run("cat-file", "blob", entry[1])[1]
                    budget -= size
                else:
                    unread = True
            if b"\0" in data:
                binary = True
            readable = not (binary or unread)
            texts.append(data.decode("utf-8", errors="replace") if readable else None)
        now_size = size if path in after else 0
        out.append(
            FileChange(path, texts[0], texts[1], path in before, path in after, binary, now_size)
        )
    return tuple(out)


def diff_since(pl: Plumbing, cp: Checkpoint, max_chars: int = 20_000) -> str:
    """A unified diff (binary files summarised), cut at max_chars with a note saying so."""
    now = current_trees(pl)[0]
    args = ["-p", "--no-renames", "--no-color", "--no-ext-diff", "--no-textconv"]
    text = pl.run("diff-tree", *args, pl.tree_of(cp.commit), now)[1]
    diff = text.decode(errors="replace")
    if len(diff) <= max_chars:
        return diff
    return diff[:max_chars] + f"\n[diff truncated: {len(diff) - max_chars} more characters]\n"


def export_checkpoint(pl: Plumbing, cp: Checkpoint, dest: Path) -> None:
    """Write the checkpoint's working state into `dest` (an empty folder), touching nothing else
    (a private index; no worktree is registered, no ref moves)."""
    export_commit(pl, cp.commit, dest)


def export_commit(pl: Plumbing, rev: str, dest: Path) -> None:
    """Write the tree of the commit `rev` (`HEAD`: what re-verify checks) into `dest`, the same
    way: a private index, no worktree, no ref moves."""
    with pl.temp_index() as env:
        pl.run("read-tree", pl.tree_of(rev), env=env)
        pl.run("checkout-index", "-a", "-f", f"--prefix={dest}/", env=env)
