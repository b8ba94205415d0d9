"""`roadmapd rollback TASK [--yes] [--force]` and `roadmapd rollback --undo`.

Before asking, it names the files that will change and the done tasks that depend on this one.
Without `--yes` it asks on a terminal and refuses when stdin is not one. The rollback itself
goes through `TaskEngine.rollback` (backup ref first, untick the box, status rolled_back);
`--undo` through `TaskEngine.undo_rollback` (the files, the tick and the task's earlier status
come back).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from roadmapd.console.common import (
    EXIT_FAILED,
    EXIT_OK,
    CommandError,
    Project,
    find_task_anywhere,
    open_workspace,
)
from roadmapd.engine import DONE, RolledBack
from roadmapd.roadmap import Task
from roadmapd.vcs import CheckpointInfo
from roadmapd.workspace import DiskCheckbox, Workspace

_MAX_FILES_SHOWN = 20


def _dependants(project: Project, task: Task) -> list[str]:
    status_of = project.workspace.store.status_of
    return [
        t.id
        for t in project.roadmap.tasks
        if task.id in t.depends and (t.checked or status_of(t.id) in DONE)
    ]


def _latest(rows: list[CheckpointInfo], task_id: str) -> CheckpointInfo | None:
    return next((r for r in rows if r.task_id == task_id), None)


def _confirm(question: str) -> bool:
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _describe(project: Project, task: Task, row: CheckpointInfo | None) -> list[str]:
    lines = [f"Roll back {task.id}: {task.title}"]
    if row is not None:
        files = list(row.files)
        shown = files[:_MAX_FILES_SHOWN]
        more = f" and {len(files) - len(shown)} more" if len(files) > len(shown) else ""
        lines.append(f"  files that will change: {', '.join(shown) or 'none'}{more}")
        if row.task_commit:
            lines.append(f"  undoes commit {row.task_commit[:10]}")
    deps = _dependants(project, task)
    if deps:
        lines.append(f"  done tasks that depend on it: {', '.join(deps)} (needs --force)")
    lines.append(
        "  your other uncommitted and untracked changes are kept; the current state is saved "
        "first (undo: roadmapd rollback --undo)"
    )
    return lines


def _report(outcome: RolledBack, what: str) -> int:
    if not outcome.done:
        print(f"roadmapd: {what} refused: {outcome.reason}", file=sys.stderr)
        return EXIT_FAILED
    files = ", ".join(outcome.files[:_MAX_FILES_SHOWN]) or "none"
    print(f"{what} done ({outcome.method}): files restored: {files}")
    if outcome.conflicts:
        print(f"  left alone (changed since): {', '.join(outcome.conflicts)}")
    if outcome.reason:
        print(f"  note: {outcome.reason}")
    if outcome.backup_ref:
        print(f"  the state before is saved at {outcome.backup_ref}")
    return EXIT_OK


def _undo(ws: Workspace) -> int:
    # The engine's checkbox is not used by an undo: the restored roadmap file holds the tick.
    roadmaps = ws.roadmap_paths()
    first = roadmaps[0] if roadmaps else ws.root / "ROADMAP.md"
    engine = ws.engine(DiskCheckbox(first, ws.config.kiro_roadmaps))
    event = asyncio.run(engine.undo_rollback())
    code = _report(event, "undo of the last rollback")
    if code == EXIT_OK and event.task_id:
        status = engine.status(event.task_id).value.replace("_", " ")
        print(f"  {event.task_id} is {status} again; its checkbox is as it was before the rollback")
    return code


@dataclass(frozen=True)
class StoredTask:
    """A task known only from roadmapd's own state (its roadmap file, or the whole tree, is
    gone): enough for the engine to roll it back from its checkpoint refs."""

    id: str
    title: str
    checked: bool = True
    depends: tuple[str, ...] = ()
    verify: tuple[str, ...] = ()
    files: tuple[str, ...] = ()


def _stored_task(ws: Workspace, task_id: str, why: CommandError) -> StoredTask:
    state = ws.store.load(task_id)
    if state is None:
        raise why
    return StoredTask(task_id, state.title or task_id)


def _rollback_stored(ws: Workspace, task: StoredTask, *, yes: bool, force: bool) -> int:
    """Roll back a task whose roadmap is gone: the checkpoint brings the files back."""
    rows = asyncio.run(ws.git.list_checkpoints())
    row = _latest(rows, task.id)
    if row is None:
        print(f"roadmapd: task {task.id} has no checkpoint: nothing to roll back")
        return EXIT_FAILED
    print(f"Roll back {task.id}: {task.title} (its roadmap file is gone; from roadmapd's state)")
    print(f"  files that will change: {', '.join(list(row.files)[:_MAX_FILES_SHOWN]) or 'none'}")
    roadmap = ws.root / ws.config.roadmaps[0]
    return _confirm_and_roll_back(ws, task, roadmap, (), yes=yes, force=force)  # type: ignore[arg-type]


def _confirm_and_roll_back(
    ws: Workspace,
    task: Task,
    roadmap: Path,
    all_tasks: Sequence[Task],
    *,
    yes: bool,
    force: bool,
) -> int:
    """Ask (unless --yes), roll back through the engine, report; the exit code."""
    if not yes:
        if not sys.stdin.isatty():
            raise CommandError("stdin is not a terminal: pass --yes to roll back")
        if not _confirm("Roll back? [y/N] "):
            print("nothing changed")
            return EXIT_FAILED
    engine = ws.engine(DiskCheckbox(roadmap, ws.config.kiro_roadmaps))
    event = asyncio.run(engine.rollback(task, all_tasks=all_tasks, force=force))
    code = _report(event, f"rollback of {task.id}")
    if code == EXIT_OK:
        print("  undo it with: roadmapd rollback --undo")
    return code


def rollback_command(
    task_id: str | None, roadmap: str | None, *, yes: bool, force: bool, undo: bool
) -> int:
    ws = open_workspace(Path.cwd())
    try:
        if undo:
            if task_id is not None:
                raise CommandError("--undo takes no task id: it undoes the latest rollback")
            return _undo(ws)
        if task_id is None:
            raise CommandError("name the task to roll back (or --undo the last rollback)")
        try:
            project = find_task_anywhere(ws, task_id, roadmap)
        except CommandError as missing:
            return _rollback_stored(ws, _stored_task(ws, task_id, missing), yes=yes, force=force)
        task = project.task(task_id)
        row = _latest(asyncio.run(ws.git.list_checkpoints()), task_id)
        if row is None:
            print(f"roadmapd: task {task_id} has no checkpoint: nothing to roll back")
            return EXIT_FAILED
        print("\n".join(_describe(project, task, row)))
        return _confirm_and_roll_back(
            ws, task, project.roadmap_path, project.roadmap.tasks, yes=yes, force=force
        )
    finally:
        ws.close()
