"""The rollback picker's rows: every checkpoint with its task, title, time, commit and files."""

from __future__ import annotations

from .outcomes import CheckpointInfo
from .plumbing import Plumbing
from .refs import (
    CHECKPOINTS,
    COMMITS,
    RESULTS,
    TaskRef,
    checkpoint_ref,
    parse_meta,
    parse_task_ref,
)
from .snapshot import current_trees

_FORMAT = "%(refname)%00%(objectname)%00%(tree)%00%(contents)%00%00"


def _refs(pl: Plumbing, namespace: str) -> dict[TaskRef, tuple[str, str, str]]:
    """TaskRef -> (object, tree, message) for every ref in a task namespace."""
    out = pl.run("for-each-ref", f"--format={_FORMAT}", namespace)[1]
    found: dict[TaskRef, tuple[str, str, str]] = {}
    for record in out.split(b"\0\0\n"):
        fields = record.split(b"\0", 3)
        if len(fields) != 4:
            continue
        name, oid, tree, message = (f.decode(errors="replace") for f in fields)
        parsed = parse_task_ref(name, namespace)
        if parsed is not None:
            found[parsed] = (oid, tree, message)
    return found


def list_checkpoints(pl: Plumbing) -> list[CheckpointInfo]:
    """Newest first. Files: what the committed task changed, or what changed since the
    checkpoint for a task that was never committed."""
    checkpoints = _refs(pl, CHECKPOINTS)
    if not checkpoints:
        return []
    results, commits = _refs(pl, RESULTS), _refs(pl, COMMITS)
    now_tree: str | None = None
    rows: list[CheckpointInfo] = []
    for key, (oid, tree, message) in checkpoints.items():
        try:
            meta = parse_meta(message)
        except ValueError:
            continue
        commit = commits.get(key)
        if commit is not None and key in results:
            files = pl.changed_paths(tree, results[key][1])
        else:
            if now_tree is None:
                now_tree = current_trees(pl)[0]
            files = pl.changed_paths(tree, now_tree)
        rows.append(
            CheckpointInfo(
                key.task_id,
                meta.title,
                meta.created_at,
                checkpoint_ref(key.task_id, key.n),
                oid,
                commit[0] if commit else None,
                tuple(files),
            )
        )
    rows.sort(key=lambda row: (row.created_at, row.ref), reverse=True)
    return rows
