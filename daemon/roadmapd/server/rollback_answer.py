"""The answer of a rollback (`rollbackTask`, `rollbackUndo`) as the protocol's `RollbackResult`:
the engine's `RolledBack` event in words, with the tasks that depend on a refused one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, get_args

from roadmapd.engine import RolledBack
from roadmapd.roadmap import DocumentTask
from roadmapd_protocol import RollbackMethod, RollbackResult

METHODS = get_args(RollbackMethod)


def method_of(value: str) -> Any:
    return value if value in METHODS else "none"


def rollback_result(
    event: RolledBack, all_tasks: Sequence[DocumentTask], task_id: str
) -> RollbackResult:
    dependants = [t.id for t in all_tasks if task_id in t.depends and t.checked]
    if event.done:
        message = f"rolled back {task_id} ({event.method})"
        if event.backup_ref:
            message += f"; your previous state is saved at {event.backup_ref} (Undo rollback)"
    else:
        message = event.reason or "rollback refused"
    return RollbackResult(
        ok=event.done,
        message=message,
        method=method_of(event.method),
        files=list(event.files),
        conflicts=list(event.conflicts),
        dependants=[] if event.done else dependants,
        backupRef=event.backup_ref,
    )
