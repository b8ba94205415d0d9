"""Which tasks `roadmapd run` works on: `--task`, `--section`, `--all`, in a runnable order."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from roadmapd.console.common import CommandError, unknown_task
from roadmapd.engine import run_order
from roadmapd.roadmap import Roadmap, Task


def select_tasks(
    roadmap: Roadmap,
    path: Path,
    *,
    task_ids: Sequence[str],
    section: str | None,
    everything: bool,
) -> list[Task]:
    """The chosen tasks, dependencies first, else document order.

    `--all` is every unchecked task (not Kiro's optional ones); `--section` the unchecked tasks
    under a heading of that name (case-insensitive); `--task` the named tasks, checked or not
    (the engine refuses a ticked one with its reason). No selector is a usage error that lists
    the options.
    """
    if not (task_ids or section or everything):
        pending = [t.id for t in roadmap.tasks if not t.checked]
        shown = ", ".join(pending[:8]) + (", ..." if len(pending) > 8 else "")
        raise CommandError(
            "choose what to run: --task ID (repeatable), --section NAME, or --all "
            f"(every unchecked task); pending in {path.name}: {shown or 'none'}"
        )
    if everything:  # Kiro's optional tasks (`[ ]*`) only when named
        chosen = [t for t in roadmap.tasks if not t.checked and t.id not in roadmap.optional]
    else:
        wanted: set[str] = set()
        for task_id in task_ids:
            if roadmap.task(task_id) is None:
                raise CommandError(unknown_task(task_id, roadmap.tasks, path))
            wanted.add(task_id)
        if section:
            wanted |= {t.id for t in _in_section(roadmap, section, path) if not t.checked}
        chosen = [t for t in roadmap.tasks if t.id in wanted]
    return list(run_order(chosen))


def _in_section(roadmap: Roadmap, section: str, path: Path) -> list[Task]:
    name = section.strip().casefold()
    found = [t for t in roadmap.tasks if any(h.casefold() == name for h in t.headings)]
    if not found:
        headings = sorted({h for t in roadmap.tasks for h in t.headings})
        raise CommandError(
            f"no tasks under a heading {section!r} in {path.name}"
            + (f" (headings with tasks: {', '.join(headings)})" if headings else "")
        )
    return found
