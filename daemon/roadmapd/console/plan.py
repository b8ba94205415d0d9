"""`roadmapd plan [ROADMAP.md] [--base REV] [--json]`: the waves of tasks for CI runners.

The open tasks (not ticked, no `Roadmap-Task:` commit reachable from the base, and no
`roadmap/<task>` branch on the remote as last fetched: those are in review) in waves
(`engine/waves.py`: dependencies, `Files:` overlaps, Spec Kit `[P]` markers), each task with the
exact command a runner executes. `--json` also gives `matrix`, the first wave in the shape of a
GitHub Actions `strategy.matrix` (`{"include": [{"task": ..., "command": ...}]}`), see docs/ci.md.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from roadmapd.console.common import EXIT_OK, CommandError, read_project, show_path
from roadmapd.engine.waves import plan_waves
from roadmapd.roadmap import Task
from roadmapd.vcs.outcomes import VcsError
from roadmapd.vcs.publish import pushed_task_branches, reachable_tasks, resolve


def runner_command(task: Task, roadmap: str | None) -> str:
    where = f" {shlex.quote(roadmap)}" if roadmap else ""
    return f"roadmapd run{where} --task {shlex.quote(task.id)} --branch-mode pr --yes --json"


def _entry(task: Task, roadmap: str | None) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "line": task.line + 1,
        "depends": list(task.depends),
        "files": list(task.files),
        "command": runner_command(task, roadmap),
    }


def plan_command(roadmap: str | None, *, base: str | None, as_json: bool) -> int:
    project = read_project(roadmap)
    ws = project.workspace
    rev = base or "HEAD"
    if base is not None and resolve(ws.root, base) is None:
        raise CommandError(f"--base {base}: no such branch or commit")
    try:
        merged = reachable_tasks(ws.root, rev)
    except VcsError as exc:
        raise CommandError(str(exc)) from exc
    rel = project.roadmap_path.relative_to(ws.root).as_posix()
    default = ws.roadmap_paths()[:1] == [project.roadmap_path]
    named = None if default else rel
    tasks = project.roadmap.tasks
    review = pushed_task_branches(ws.root, ws.config.remote) - merged
    plan = plan_waves(tasks, merged, review)
    waves = [[_entry(t, named) for t in wave] for wave in plan.waves]
    done = [t.id for t in tasks if t.checked or t.id in merged]
    if as_json:
        data = {
            "roadmap": rel,
            "base": rev,
            "done": done,
            "in_review": sorted(review & {t.id for t in tasks if not t.checked}),
            "waves": waves,
            "blocked": [{"id": t.id, "why": why} for t, why in plan.blocked],
            "parallel_markers": plan.uses_markers,
            "matrix": {"include": [{"task": e["id"], "command": e["command"]} for e in waves[0]]}
            if waves
            else {"include": []},
        }
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return EXIT_OK
    print(f"{show_path(project.roadmap_path)}: {len(done)} done, {sum(map(len, waves))} to plan")
    for n, wave in enumerate(waves, 1):
        print(f"wave {n}:")
        for e in wave:
            print(f"  {e['id']}: {e['title']}\n    {e['command']}")
    for task_id in sorted(review & {t.id for t in tasks if not t.checked}):
        print(f"in review: {task_id} (roadmap/{task_id} is on {ws.config.remote}, not merged)")
    for t, why in plan.blocked:
        print(f"blocked: {t.id}: {why}")
    if not waves and not plan.blocked:
        print("nothing to plan: every task is done")
    return EXIT_OK
