"""The waves of a roadmap: which open tasks can run side by side now, and which after them.

`roadmapd plan` prints them for CI runners (docs/ci.md). A task joins a wave when every
dependency is done (ticked, committed, or in an earlier wave) and it shares no `Files:` entry
and no dependency edge with a task already in that wave (`parallel.must_wait`, the rule of
parallel lanes). Spec Kit's `[P]` marker: when any task title of the roadmap carries `[P]`, a
task without it is not marked parallel-safe: it gets a wave of its own, and the tasks after
it wait for it. Pure: the caller says
which tasks are done.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Generic

from roadmapd.engine.deps import run_order
from roadmapd.engine.parallel import must_wait
from roadmapd.engine.ports import TaskT

P_MARKER = "[P]"


@dataclass(frozen=True, slots=True)
class Plan(Generic[TaskT]):
    waves: tuple[tuple[TaskT, ...], ...]
    blocked: tuple[tuple[TaskT, str], ...]  # tasks no wave can hold, with why
    uses_markers: bool  # the roadmap marks parallel tasks with [P]


def parallel_marked(task: object) -> bool:
    return P_MARKER in str(getattr(task, "title", ""))


def plan_waves(
    tasks: Sequence[TaskT], done: Collection[str] = (), in_review: Collection[str] = ()
) -> Plan[TaskT]:
    """Waves of the open tasks of `tasks` (a roadmap's, in document order); `done`: ids whose
    commits are already on the base branch (checked boxes count as done too); `in_review`:
    ids whose branch was pushed but not merged (not planned again; their dependants wait)."""
    finished = {t.id for t in tasks if t.checked} | set(done)
    review = set(in_review) - finished
    uses_markers = any(parallel_marked(t) for t in tasks)
    open_tasks = [t for t in run_order(list(tasks)) if t.id not in finished and t.id not in review]
    known = {t.id for t in tasks}
    waves: list[tuple[TaskT, ...]] = []
    while open_tasks:
        wave: list[TaskT] = []
        for task in open_tasks:
            if not all(dep in finished for dep in task.depends):
                continue
            alone = uses_markers and not parallel_marked(task)
            if wave and alone:
                break  # an unmarked task is a barrier: what follows it waits for it
            if wave and must_wait(task, wave):
                continue
            if wave and uses_markers and not parallel_marked(wave[0]):
                break
            wave.append(task)
            if alone:
                break
        if not wave:
            break
        waves.append(tuple(wave))
        finished |= {t.id for t in wave}
        placed = {t.id for t in wave}
        open_tasks = [t for t in open_tasks if t.id not in placed]
    blocked = tuple((t, _why(t, finished, known, review)) for t in open_tasks)
    return Plan(tuple(waves), blocked, uses_markers)


def _why(task: object, finished: set[str], known: set[str], review: set[str]) -> str:
    deps = [d for d in getattr(task, "depends", ()) if d not in finished]
    missing = [d for d in deps if d not in known]
    if missing:
        return "depends on tasks not in the roadmap: " + ", ".join(missing)
    waiting = [d for d in deps if d in review]
    if waiting:
        return "waits for the merge of " + ", ".join(waiting) + " (in review)"
    return "depends on " + ", ".join(deps) + " (a cycle)" if deps else "not plannable"
