"""`roadmapd tasks FILE [--json]`: the tasks of a roadmap file, and its problems on stderr."""

from __future__ import annotations

import sys
from pathlib import Path

from roadmapd.console.common import EXIT_OK, json_array, problem_line, read_roadmap
from roadmapd.roadmap import Roadmap, task_to_json


def render_tasks(roadmap: Roadmap) -> list[str]:
    """One line per task: box (`[-]`: in progress, in a Kiro file), id, title, its dependencies
    and whether it is optional (Kiro's `[ ]*`), indented by depth."""
    lines = []
    for task in roadmap.tasks:
        box = "[x]" if task.checked else "[-]" if task.id in roadmap.in_progress else "[ ]"
        deps = f"  (depends on {', '.join(task.depends)})" if task.depends else ""
        optional = "  (optional)" if task.id in roadmap.optional else ""  # Kiro's `[ ]*`
        lines.append(f"{'  ' * task.depth}{box} {task.id}: {task.title}{deps}{optional}")
    return lines


def tasks_command(file: str, as_json: bool) -> int:
    path = Path(file)
    roadmap = read_roadmap(path)
    if as_json:
        print(json_array([task_to_json(t) for t in roadmap.tasks]))
    else:
        lines = render_tasks(roadmap)
        done = sum(t.checked for t in roadmap.tasks)
        lines.append(f"{len(roadmap.tasks)} tasks, {done} done")
        print("\n".join(lines))
    for problem in roadmap.problems:
        print(problem_line(problem, path.parent, path), file=sys.stderr)
    return EXIT_OK
