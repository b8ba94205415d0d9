"""`roadmapd verify [ID...] [--done]`: re-verify done tasks at HEAD, in the jail, no model call.

The project's checks run once on HEAD's committed tree, each chosen task's `Verify:` commands
beside them; a task whose own checks (those commands, the tests that were its evidence) fail
is marked `regressed` and the command exits 1 (`engine/reverify.py` says what is judged how).
A failing project check that is no task's own is reported, not blamed. Also run after
`roadmapd run` when `verify_done = "on-run"`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from roadmapd.console.common import (
    EXIT_FAILED,
    EXIT_OK,
    CommandError,
    Project,
    open_project,
    problem_line,
)
from roadmapd.containment.jail import UNSANDBOXED
from roadmapd.engine.reverify import ReverifyResult
from roadmapd.roadmap import Task
from roadmapd.workspace import DiskCheckbox, WorkspaceError, sandbox_refusal


def chosen_tasks(project: Project, task_ids: Sequence[str]) -> list[Task]:
    """The given tasks (each must exist), or every done task of the roadmap."""
    if task_ids:
        return [project.task(task_id) for task_id in dict.fromkeys(task_ids)]
    return project.workspace.done_tasks(project.roadmap.tasks)


async def reverify_project(project: Project, tasks: Sequence[Task]) -> ReverifyResult:
    """One re-verify run of `tasks` through the workspace's engine (state and run log kept)."""
    ws = project.workspace
    engine = ws.engine(DiskCheckbox(project.roadmap_path, ws.config.kiro_roadmaps))
    return await ws.reverify(engine, tasks)


def print_result(project: Project, result: ReverifyResult, out: TextIO) -> None:
    root = project.workspace.root
    lines = [f"Re-verified at HEAD (run {result.run_id}):"]
    for r in result.rechecks:
        verdict = {True: "ok", False: "REGRESSED", None: "not checked"}[r.passed]
        lines.append(f"  {r.task_id}: {verdict}: {r.reason}")
        lines += [f"    {problem_line(p, root)}" for p in r.problems]
    for task_id, why in result.not_checked.items():
        lines.append(f"  {task_id}: not checked: {why}")
    for check in result.unblamed:
        lines.append(f"  project check {check.name}: failed ({check.summary}), blamed on no task")
        lines += [f"    {problem_line(p, root)}" for p in check.problems[:20]]
    if result.regressed:
        ids = ", ".join(result.regressed)
        lines.append(f"regressed: {ids} (roadmapd run --task ID retries one)")
    elif not result.rechecks:
        lines.append("  no done task to re-verify")
    print("\n".join(lines), file=out)


def result_json(result: ReverifyResult) -> str:
    doc = {
        "run_id": result.run_id,
        "tasks": [
            {"id": r.task_id, "passed": r.passed, "status": r.status.value, "reason": r.reason}
            for r in result.rechecks
        ],
        "not_checked": dict(result.not_checked),
        "unblamed": [{"check": c.name, "summary": c.summary} for c in result.unblamed],
        "regressed": result.regressed,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


def verify_command(roadmap: str | None, task_ids: Sequence[str], as_json: bool) -> int:
    project = open_project(roadmap)
    try:
        tasks = chosen_tasks(project, task_ids)
        refusal = asyncio.run(sandbox_refusal(project.workspace.config))
        if refusal is not None:
            raise CommandError(refusal)
        if project.workspace.config.sandbox == "off":
            print(f"roadmapd: {UNSANDBOXED}", file=sys.stderr)
        try:
            result = asyncio.run(reverify_project(project, tasks))
        except WorkspaceError as exc:
            raise CommandError(str(exc)) from None
    finally:
        project.workspace.close()
    if as_json:
        print(result_json(result))
    else:
        print_result(project, result, sys.stdout)
    return EXIT_FAILED if result.regressed else EXIT_OK
