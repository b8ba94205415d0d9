"""Queries over a parsed roadmap plus the state view, shared by lenses, hover and commands.

Which tasks are pending, which block on unfinished dependencies, and which tasks sit under a
heading: one definition each, so a lens and the command it runs always agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from roadmapd.roadmap import Heading, Roadmap, Task
from roadmapd.statuses import ACTIVE, DONE
from roadmapd_protocol import TaskState

from .task_states import TaskStates


@dataclass(frozen=True, slots=True)
class Section:
    heading: Heading
    path: tuple[str, ...]  # heading titles, outermost first, ending with this heading


def is_done(task: Task, state: TaskState | None) -> bool:
    return task.checked or (state is not None and state.status in DONE)


def is_pending(task: Task, state: TaskState | None) -> bool:
    """Not done and not queued or running: what "Run all" and "Run section" would start."""
    return not is_done(task, state) and not (state is not None and state.status in ACTIVE)


def blocked_by(roadmap: Roadmap, uri: str, task: Task, states: TaskStates) -> list[str]:
    """Ids of the task's dependencies that are neither ticked nor passed (unknown ids too)."""
    waiting = []
    for dep_id in task.depends:
        dep = roadmap.task(dep_id)
        if dep is None or not is_done(dep, states.get(uri, dep_id)):
            waiting.append(dep_id)
    return waiting


def sections(roadmap: Roadmap) -> Iterator[Section]:
    """Every heading with its title path, in document order."""
    stack: list[Heading] = []
    for heading in roadmap.headings:
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        stack.append(heading)
        yield Section(heading, tuple(h.title for h in stack))


def section_tasks(roadmap: Roadmap, path: tuple[str, ...]) -> list[Task]:
    n = len(path)
    return [t for t in roadmap.tasks if tuple(t.headings[:n]) == path]


def pending_ids(tasks: list[Task] | tuple[Task, ...], uri: str, states: TaskStates) -> list[str]:
    return [t.id for t in tasks if is_pending(t, states.get(uri, t.id))]
