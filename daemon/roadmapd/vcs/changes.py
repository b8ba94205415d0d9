"""What a task changed so far: paths and a size-capped diff between a checkpoint and now."""

from __future__ import annotations

from .outcomes import Checkpoint
from .plumbing import Plumbing
from .snapshot import current_trees


def changed_files(pl: Plumbing, cp: Checkpoint) -> tuple[str, ...]:
    """Paths that differ between the checkpoint's working tree and the working tree now."""
    return tuple(pl.changed_paths(pl.tree_of(cp.commit), current_trees(pl)[0]))


def diff_since(pl: Plumbing, cp: Checkpoint, max_chars: int = 20_000) -> str:
    """A unified diff (binary files summarised), cut at max_chars with a note saying so."""
    now = current_trees(pl)[0]
    text = pl.run("diff-tree", "-p", "--no-renames", "--no-color", pl.tree_of(cp.commit), now)[1]
    diff = text.decode(errors="replace")
    if len(diff) <= max_chars:
        return diff
    return diff[:max_chars] + f"\n[diff truncated: {len(diff) - max_chars} more characters]\n"
