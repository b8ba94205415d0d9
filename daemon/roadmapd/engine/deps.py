"""Dependencies between tasks: which are done, which block a task, and the order of a run.

A dependency is done when its checkbox is ticked in the roadmap or its status is passed or
committed. Pure functions; the engine passes in what it knows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from roadmapd.engine.ports import TaskLike, TaskT
from roadmapd.statuses import DONE, TaskStatus


@dataclass(frozen=True, slots=True)
class Blocker:
    task_id: str
    why: str  # "failed", "not done", "not in the roadmap", ...


def blockers(
    task: TaskLike,
    *,
    known: Mapping[str, TaskLike],
    status_of: Callable[[str], TaskStatus],
    pending: Collection[str] = (),
) -> tuple[Blocker, ...]:
    """The dependencies of `task` that are not done.

    `pending` are ids that run earlier in the same run: they are assumed to get done (the
    run checks again when their turn has passed).
    """
    found: list[Blocker] = []
    for dep in dict.fromkeys(task.depends):
        if dep == task.id:
            found.append(Blocker(dep, "depends on itself"))
            continue
        status = status_of(dep)
        dep_task = known.get(dep)
        if status in DONE or (dep_task is not None and dep_task.checked) or dep in pending:
            continue
        if dep_task is None and status is TaskStatus.IDLE:
            found.append(Blocker(dep, "not in the roadmap"))
        elif status is TaskStatus.IDLE:
            found.append(Blocker(dep, "not done"))
        else:
            found.append(Blocker(dep, status.value))
    return tuple(found)


def describe(found: Sequence[Blocker]) -> str:
    """`depends on T1 (failed), T2 (not done)`."""
    return "depends on " + ", ".join(f"{b.task_id} ({b.why})" for b in found)


def run_order(tasks: Sequence[TaskT]) -> list[TaskT]:
    """The requested tasks, dependencies first, otherwise in the given order (stable).

    Duplicates are dropped. Tasks caught in a dependency cycle keep their given order; their
    blockers report it. Iterative: a chain of thousands of tasks needs no deep recursion.
    """
    by_id = {t.id: t for t in tasks}
    placed: set[str] = set()
    ordered: list[TaskT] = []
    for root in tasks:
        if root.id in placed:
            continue
        stack: list[tuple[TaskT, int]] = [(root, 0)]
        on_stack = {root.id}
        while stack:
            task, i = stack.pop()
            deps = [d for d in task.depends if d in by_id]
            if i < len(deps):
                stack.append((task, i + 1))
                dep = by_id[deps[i]]
                if dep.id not in placed and dep.id not in on_stack:
                    stack.append((dep, 0))
                    on_stack.add(dep.id)
                continue
            on_stack.discard(task.id)
            placed.add(task.id)
            ordered.append(task)
    return ordered
