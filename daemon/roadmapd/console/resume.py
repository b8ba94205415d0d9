"""`roadmapd run --resume`: the project and the tasks of the paused run (`store/paused.py`).

The tasks the pause did not start, in their order, from the roadmap the run ran on; a task
ticked since is done and left out, a task no longer in the roadmap is named and left out.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from roadmapd.console.common import CommandError, Project, ProjectOf, open_workspace, read_roadmap
from roadmapd.roadmap import Task
from roadmapd.store.paused import load_paused


def resumed_tasks(overrides: dict[str, Any]) -> tuple[Project, list[Task]]:
    ws = open_workspace(Path.cwd(), overrides)
    paused = load_paused(ws.store)
    if paused is None:
        ws.close()
        why = f" ({ws.store.warnings[-1]})" if ws.store.warnings else ""
        raise CommandError(f"no paused run to resume in {ws.root}{why}")
    path = (ws.root / paused.roadmap).resolve()
    if not path.is_relative_to(ws.root):
        ws.close()
        raise CommandError(f"the paused run's roadmap {paused.roadmap!r} is outside {ws.root}")
    project = ProjectOf(ws, path, read_roadmap(path, ws.config.kiro_roadmaps))
    tasks: list[Task] = []
    for task_id in paused.task_ids:
        task = project.roadmap.task(task_id)
        if task is None:
            print(f"roadmapd: {task_id}: no longer in {paused.roadmap}; left out", file=sys.stderr)
        elif not task.checked:
            tasks.append(task)
    print(f"roadmapd: resuming run {paused.run_id}: {', '.join(t.id for t in tasks) or '-'}")
    return project, tasks
