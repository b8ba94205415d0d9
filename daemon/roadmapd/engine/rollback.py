"""Rolling a task back: the refusals, the git port's undo, the unticked checkbox.

`roll_back` is what `TaskEngine.rollback` does once the engine has said whether the task is
busy (queued or running); it needs only the ports and the engine's status bookkeeping.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from roadmapd.engine.events import CheckboxUpdated, EventSink, RolledBack
from roadmapd.engine.ports import CheckboxPort, GitPort, TaskT
from roadmapd.engine.states import DONE, TaskStatus, Trigger, can

Transition = Callable[[str, Trigger, str | None], Any]  # (task id, trigger, reason)


def refused(run_id: str, task_id: str, reason: str) -> RolledBack:
    return RolledBack(
        run_id=run_id,
        task_id=task_id,
        done=False,
        method="refused",
        backup_ref=None,
        files=(),
        conflicts=(),
        reason=reason,
    )


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
        event = RolledBack(
            run_id=run_id,
            task_id=task.id,
            done=out.done,
            method=out.method,
            backup_ref=out.backup_ref,
            files=out.files,
            conflicts=out.conflicts,
            reason=out.reason,
        )
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
