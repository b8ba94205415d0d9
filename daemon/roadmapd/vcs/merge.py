"""Replaying one change of a file onto another version of that file, hunk by hunk.

`replay_change(before, after, onto)` applies the line changes before -> after to `onto` when every
line the change replaces is still there, unchanged, where its neighbours put it. Rollback uses it
backwards (post -> pre onto the current file) to take a task's hunks out of a file edited again
later; commit uses it forwards (pre -> post onto HEAD's version) to commit only the task's hunks
of a file the user had already changed. Unlike a three-way merge, an edit on an *adjacent* line
does not conflict: ticking task 2's checkbox right below task 1's does not block rolling back
task 1. Text only (no NUL bytes); None means "cannot be located", the caller's conflict.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from .plumbing import Entry, Plumbing

REGULAR = ("100644", "100755")


def replay_change(before: bytes, after: bytes, onto: bytes) -> bytes | None:
    """onto with the change before -> after applied, or None when it cannot be located exactly."""
    if onto == before:
        return after
    if b"\0" in before + after + onto:
        return None
    post_l, pre_l, cur_l = (x.splitlines(keepends=True) for x in (before, after, onto))
    where = _line_map(post_l, cur_l)
    result = list(cur_l)
    hunks = SequenceMatcher(None, post_l, pre_l, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in reversed(hunks):  # bottom-up keeps the earlier positions valid
        if tag == "equal":
            continue
        span = _locate(where, i1, i2, len(post_l), len(cur_l))
        if span is None:
            return None
        start, end = span
        result[start:end] = pre_l[j1:j2]
    return b"".join(result)


def _line_map(post_l: list[bytes], cur_l: list[bytes]) -> dict[int, int]:
    """before-line index -> onto-line index, for the lines the other edits left alone."""
    where: dict[int, int] = {}
    for block in SequenceMatcher(None, post_l, cur_l, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            where[block.a + k] = block.b + k
    return where


def _locate(
    where: dict[int, int], i1: int, i2: int, n_post: int, n_cur: int
) -> tuple[int, int] | None:
    """The span of onto matching before[i1:i2], anchored by unchanged neighbours."""
    if i1 < i2:  # lines are replaced: all of them must still be there, in a row
        mapped = [where[i] for i in range(i1, i2) if i in where]
        if not mapped or mapped != list(range(mapped[0], mapped[0] + (i2 - i1))):
            return None
        return mapped[0], mapped[0] + (i2 - i1)
    # lines are inserted between before[i1-1] and before[i1]: both must be adjacent
    before = where.get(i1 - 1, -1 if i1 == 0 else None)
    after = where.get(i1, n_cur if i1 == n_post else None)
    if before is None or after is None or after != before + 1:
        return None
    return after, after


def replay_entries(
    pl: Plumbing, paths: list[str], before: str, after: str, onto: str
) -> tuple[dict[str, Entry | None], list[str]]:
    """Carry the change before -> after (two trees) onto a third tree, path by path.

    Returns each path's resulting entry (None: absent) and the paths where it cannot be carried:
    `onto` changed them differently and they are not text files whose hunks can be located.
    """
    old, new, base = pl.ls_tree(before, paths), pl.ls_tree(after, paths), pl.ls_tree(onto, paths)
    result: dict[str, Entry | None] = {}
    conflicts: list[str] = []
    for path in paths:
        was, want, have = old.get(path), new.get(path), base.get(path)
        if have in (was, want):
            result[path] = want
            continue
        merged = _replay_blob(pl, was, want, have)
        if merged is None:
            conflicts.append(path)
        else:
            result[path] = merged
    return result, conflicts


def _replay_blob(
    pl: Plumbing, was: Entry | None, want: Entry | None, have: Entry | None
) -> Entry | None:
    if was is None or want is None or have is None:
        return None
    if not all(e[0] in REGULAR for e in (was, want, have)) or have[0] != was[0]:
        return None
    data = replay_change(pl.read_blob(was[1]), pl.read_blob(want[1]), pl.read_blob(have[1]))
    return None if data is None else (want[0], pl.write_blob(data))
