"""Rolling a task back: the refusals, the git port's undo, the unticked checkbox; and undoing
the latest rollback, which gives the task back the status it had before.

`roll_back` is what `TaskEngine.rollback` does once the engine has said whether the task is
busy (queued or running); it needs only the ports and the engine's status bookkeeping.
`undo_last_rollback` is `TaskEngine.undo_rollback`: the git port restores the newest backup
(files, index, branch; the roadmap file with its tick) and names the task it belonged to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from roadmapd.engine.events import CheckboxUpdated, EventSink, RolledBack
from roadmapd.engine.ports import CheckboxPort, GitPort, RollbackOutcomeLike, TaskT
from roadmapd.statuses import DONE, TaskStatus, Trigger, can

Transition = Callable[[str, Trigger, str | None], Any]  # (task id, trigger, reason)


def refused(run_id: str, task_id: str, reason: str, *, undo: bool = False) -> RolledBack:
    return RolledBack(
        run_id=run_id,
        task_id=task_id,
        done=False,
        method="refused",
        backup_ref=None,
        files=(),
        conflicts=(),
        reason=reason,
        undo=undo,
    )


def _event(run_id: str, task_id: str, out: RollbackOutcomeLike, *, undo: bool) -> RolledBack:
    return RolledBack(
        run_id=run_id,
        task_id=task_id,
        done=out.done,
        method=out.method,
        backup_ref=out.backup_ref,
        files=out.files,
        conflicts=out.conflicts,
        reason=out.reason,
        undo=undo,
    )


async def undo_last_rollback(
    *,
    run_id: str,
    git: GitPort[Any],
    status_of: Callable[[str], TaskStatus],
    before_of: Callable[[str], TaskStatus | None],
    reinstate: Callable[[str, TaskStatus], Any],
    emit: EventSink,
) -> RolledBack:
    """Undo the latest rollback through `git`; a task that is still rolled back gets back the
    status it had before (`reinstate`). The `RolledBack(undo=True)` event is emitted last."""
    try:
        out = await git.undo_rollback()
    except Exception as exc:
        event = refused(run_id, "", f"undo failed: {exc}", undo=True)
        emit(event)
        return event
    task_id = out.task_id or ""
    event = _event(run_id, task_id, out, undo=True)
    if out.done and task_id and status_of(task_id) is TaskStatus.ROLLED_BACK:
        before = before_of(task_id)
        if before is not None:
            reinstate(task_id, before)
    emit(event)
    return event


async def roll_back(
    task: TaskT,
    *,
    run_id: str,
    busy: bool,
    force: bool,
    all_tasks: Sequence[TaskT],
    status_of: Callable[[str], TaskStatus],
    git: GitPort[Any],
    checkbox: CheckboxPort[TaskT],
    transition: Transition,
    emit: EventSink,
) -> RolledBack:
    """Undo `task` through `git` (backup first), untick it, mark it rolled back.

    Refusals (task busy, nothing to roll back, git refused) come back with `done=False`.
    The `RolledBack` event is emitted last, as `RunFinished` is of a run.
    """
    status = status_of(task.id)
    refusal: str | None = None
    if busy:
        refusal = "the task is queued or running: cancel it first"
    elif not can(status, Trigger.ROLL_BACK):
        refusal = f"nothing to roll back: the task is {status.value}"
    if refusal is not None:
        event = refused(run_id, task.id, refusal)
        emit(event)
        return event
    dependants = [
        t.id for t in all_tasks if task.id in t.depends and (t.checked or status_of(t.id) in DONE)
    ]
    try:
        out = await git.rollback(task.id, force=force, dependants=dependants)
        event = _event(run_id, task.id, out, undo=False)
    except Exception as exc:
        event = refused(run_id, task.id, f"rollback failed: {exc}")
    if event.done:
        transition(task.id, Trigger.ROLL_BACK, event.reason)
        try:
            await checkbox.set_checked(task, False)
            emit(CheckboxUpdated(run_id=run_id, task_id=task.id, checked=False))
        except Exception as exc:
            emit(CheckboxUpdated(run_id=run_id, task_id=task.id, checked=True, error=str(exc)))
    emit(event)
    return event
