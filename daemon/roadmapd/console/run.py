"""`roadmapd run`: run the chosen tasks one at a time, stopping at the first failure.

Each task is its own engine run (so a failure can stop the rest before they start); a task
whose dependencies are not done is refused by the engine with the reason. Ctrl-C cancels the
task under way: the engine stops the agent and the checks, marks it cancelled and keeps its
checkpoint; a second Ctrl-C aborts at once. SIGTERM pauses: the task(s) under way finish, no
other starts, the tasks left are recorded (`store/paused.py`) and the command exits 3;
`roadmapd run --resume` runs them. Without a terminal the agent's question ends its task
`needs_input` (exit 4); `roadmapd answer` (`console/answer.py`) continues it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from roadmapd.agent.pricing import is_estimate
from roadmapd.agent.questions import ASK_LATER
from roadmapd.console.approval import ConsoleApproval
from roadmapd.console.common import (
    EXIT_CANCELLED,
    EXIT_OK,
    CommandError,
    Project,
    error,
    find_task_anywhere,
    open_project,
    open_workspace,
    read_roadmap,
)
from roadmapd.console.pr_run import publish_run
from roadmapd.console.progress import Mode, Progress
from roadmapd.console.resume import resumed_tasks
from roadmapd.console.selection import select_tasks
from roadmapd.console.summary import RunSummary, print_summary
from roadmapd.console.verify import print_result, reverify_project
from roadmapd.containment.jail import UNSANDBOXED
from roadmapd.engine import DONE, Event, RunBudget, TaskNotRunnable
from roadmapd.engine.answer import Answer
from roadmapd.engine.engine import new_run_id
from roadmapd.engine.reverify import ReverifyResult
from roadmapd.publishing import ChecksMemo, merged_as_done, report
from roadmapd.roadmap import Task
from roadmapd.store.paused import PausedRun, clear_paused, save_paused
from roadmapd.workspace import DiskCheckbox, WorkspaceError, sandbox_refusal


@dataclass
class PauseRequest:
    """SIGTERM's pause: asked once; handed to the engine as soon as there is one."""

    requested: bool = False
    engine: Any = None  # the run's TaskEngine

    def request(self) -> None:
        self.requested = True
        if self.engine is not None:
            self.engine.pause()


def require_api_key() -> None:
    if not (os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("ANTHROPIC_AUTH_TOKEN")):
        raise CommandError("no API key: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN)")


def progress_mode(as_json: bool, out: TextIO) -> Mode:
    if as_json:
        return "json"
    return "tty" if out.isatty() and os.environ.get("TERM") != "dumb" else "plain"


async def execute(
    project: Project,
    tasks: Sequence[Task],
    *,
    keep_going: bool,
    progress: Progress,
    yes: bool = False,
    pause: PauseRequest | None = None,
    extra_sinks: Sequence[Callable[[Event], None]] = (),
    answers: Mapping[str, Answer] | None = None,
) -> RunSummary:
    """Run `tasks` in order; cancelling the calling asyncio task cancels the run cleanly;
    `pause.request()` lets the task(s) under way finish and starts no other; `answers`
    continue tasks that stopped on a question."""
    summary = RunSummary()
    pause = pause or PauseRequest()
    interactive = sys.stdin.isatty() and progress.mode != "json"
    gate = ConsoleApproval(
        yes=yes, interactive=interactive, out=sys.stderr, before_prompt=progress.close
    )

    def note(event: Event) -> None:
        if isinstance(event, TaskNotRunnable):
            summary.not_run[event.task_id] = event.reason

    ws = project.workspace
    asker = gate.ask_user if interactive else ASK_LATER
    engine = ws.engine(
        DiskCheckbox(project.roadmap_path, ws.config.kiro_roadmaps),
        extra_sinks=[progress, note, *extra_sinks],
        approval=gate,
        ask_command=gate.ask_command,
        ask_user=None if ws.config.questions == "never" else asker,
        in_progress=lambda task: task.id in project.roadmap.in_progress,  # Kiro's `[-]`
    )
    budget = RunBudget(engine.settings.run_budget_usd)  # one budget over every task of the run
    pause.engine = engine
    try:
        if engine.settings.max_parallel > 1 and len(tasks) > 1:
            progress.parallel = True  # interleaved lines, each prefixed by its task id
            result = await engine.run(tasks, all_tasks=project.roadmap.tasks, budget=budget)
            summary.paused, summary.run_id = list(result.paused), result.run_id
            summary.outcomes = [o for o in result.outcomes if o.task_id not in result.paused]
            return summary
        for k, task in enumerate(tasks, 1):
            if pause.requested:
                summary.paused.append(task.id)
                continue
            if summary.stopped_by is not None and not budget.exhausted:
                summary.skipped.append(task.id)  # (a spent budget: the engine says "not run")
                continue
            progress.position = (k, len(tasks))
            summary.current = task.id
            result = await engine.run(
                [task], all_tasks=project.roadmap.tasks, budget=budget, answers=answers
            )
            summary.run_id = result.run_id
            if task.id in result.paused:
                summary.paused.append(task.id)
                continue
            outcome = result.outcome(task.id)
            if outcome is None:
                continue
            summary.outcomes.append(outcome)
            failed = outcome.status not in DONE or task.id in summary.not_run
            if failed and not keep_going:
                summary.stopped_by = task.id
    except asyncio.CancelledError:
        summary.cancelled = True
    finally:
        progress.close()
        await engine.close()
    return summary


async def _cancellable(
    project: Project,
    tasks: Sequence[Task],
    keep_going: bool,
    progress: Progress,
    yes: bool,
    sinks: Sequence[Callable[[Event], None]] = (),
    answers: Mapping[str, Answer] | None = None,
) -> RunSummary:
    loop = asyncio.get_running_loop()
    me = asyncio.current_task()
    assert me is not None
    presses = 0
    pause = PauseRequest()

    def on_interrupt() -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            print("\nroadmapd: cancelling (Ctrl-C again to abort at once)", file=sys.stderr)
            me.cancel()
        else:
            os._exit(EXIT_CANCELLED)

    def on_terminate() -> None:
        if pause.requested:
            return
        print(
            "\nroadmapd: pausing: the task under way finishes, no other starts "
            "(roadmapd run --resume continues; Ctrl-C cancels now)",
            file=sys.stderr,
        )
        pause.request()

    loop.add_signal_handler(signal.SIGINT, on_interrupt)
    loop.add_signal_handler(signal.SIGTERM, on_terminate)
    try:
        return await execute(
            project, tasks, keep_going=keep_going, progress=progress, yes=yes, pause=pause,
            extra_sinks=sinks, answers=answers,
        )  # fmt: skip
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def run_tasks(
    project: Project,
    tasks: Sequence[Task],
    *,
    keep_going: bool,
    as_json: bool,
    yes: bool = False,
    resuming: bool = False,
    answers: Mapping[str, Answer] | None = None,
) -> RunSummary:
    """Run with live progress on stdout and the summary on stdout (stderr with --json)."""
    mode = progress_mode(as_json, sys.stdout)
    estimated = is_estimate(*project.workspace.config.priced_models)
    root = project.workspace.root
    progress = Progress(sys.stdout, mode, root, (0, len(tasks)), cost_estimated=estimated)
    checks = ChecksMemo()  # PR mode: each task's checks for its PR's body
    try:
        summary, rechecked = asyncio.run(
            _run_then_reverify(project, tasks, keep_going, progress, yes, resuming, checks, answers)
        )
        published = publish_run(project, tasks, summary.outcomes, checks, as_json)
        summary.unpushed = [r.task_id for r in published if not r.pushed]
    finally:
        project.workspace.close()
    out = sys.stderr if as_json else sys.stdout
    print_summary(project, summary, out)
    if published:
        print("\n".join(["", "Published:", *(report(r, False) for r in published)]), file=out)
    if rechecked is not None:
        print_result(project, rechecked, out)
        summary.regressed = rechecked.regressed
    return summary


async def _run_then_reverify(
    project: Project,
    tasks: Sequence[Task],
    keep_going: bool,
    progress: Progress,
    yes: bool,
    resuming: bool,
    checks: ChecksMemo,
    answers: Mapping[str, Answer] | None,
) -> tuple[RunSummary, ReverifyResult | None]:
    """The run; its pause recorded (or the resumed pause cleared); then (`verify_done =
    "on-run"`, not cancelled, not paused) every done task re-verified."""
    summary = await _cancellable(project, tasks, keep_going, progress, yes, [checks], answers)
    store = project.workspace.store
    if summary.paused:
        roadmap_rel = project.roadmap_path.relative_to(project.workspace.root).as_posix()
        record = PausedRun(
            run_id=summary.run_id or new_run_id(),
            roadmap=roadmap_rel,
            task_ids=summary.paused,
            paused_at=datetime.now(UTC),
        )
        await asyncio.to_thread(save_paused, store, record)
    elif resuming and not summary.cancelled:
        await asyncio.to_thread(clear_paused, store)
    if project.workspace.config.verify_done != "on-run" or summary.cancelled or summary.paused:
        return summary, None
    kiro = project.workspace.config.kiro_roadmaps
    roadmap = read_roadmap(project.roadmap_path, kiro)  # the boxes the run ticked
    done = project.workspace.done_tasks(roadmap.tasks)
    try:
        return summary, await reverify_project(project, done)
    except WorkspaceError as exc:
        error(f"verify_done: the done tasks were not re-verified: {exc}")
        return summary, None


def _target(
    target: str | None, task_ids: Sequence[str], overrides: dict[str, Any]
) -> tuple[Project, list[str]]:
    """The project and the `--task` ids of `roadmapd run [TARGET]`: TARGET is the roadmap file,
    or, when no such file exists, a task id of a configured roadmap (`run ID` is `run --task
    ID`)."""
    if target is None or Path(target).exists():
        return open_project(target, overrides), list(task_ids)
    ws = open_workspace(Path.cwd(), overrides)  # its errors (no repository, bad config) stand
    try:
        project = find_task_anywhere(ws, target, None)
    except CommandError:
        ws.close()
        raise CommandError(
            f"{target}: no such file or task id (did you mean --task {target}?)"
        ) from None
    return project, [target, *task_ids]


def ready_to_run(project: Project) -> None:
    """CommandError (the workspace closed) when no agent may run: no API key, no sandbox."""
    try:
        require_api_key()
        refusal = asyncio.run(sandbox_refusal(project.workspace.config))
        if refusal is not None:
            raise CommandError(refusal)
    except CommandError:
        project.workspace.close()
        raise
    if project.workspace.config.sandbox == "off":
        print(f"roadmapd: {UNSANDBOXED}", file=sys.stderr)


def run_command(args: argparse.Namespace) -> int:
    if args.budget is not None and not args.budget > 0:
        raise CommandError(f"--budget: expected an amount in USD above 0; got {args.budget}")
    given = {
        "max_attempts": args.max_attempts,
        "model": args.model,
        "run_budget_usd": args.budget,
        "max_parallel": args.max_parallel,
        "allow_weaken": True if args.allow_weaken else None,
        "allow_large": True if args.allow_large else None,
        "commit_mode": getattr(args, "branch_mode", None),
    }
    overrides = {k: v for k, v in given.items() if v is not None}
    if args.resume:
        if args.roadmap or args.task or args.section or args.all:
            raise CommandError("--resume runs the paused run's tasks: give no tasks with it")
        project, tasks = resumed_tasks(overrides)
    else:
        project, task_ids = _target(args.roadmap, args.task, overrides)
        if project.workspace.config.commit_mode == "pr":  # merged, not yet synced: done
            base = project.workspace.config.base_branch
            project.roadmap = merged_as_done(project.workspace.root, project.roadmap, base)
        tasks = select_tasks(
            project.roadmap,
            project.roadmap_path,
            task_ids=task_ids,
            section=args.section,
            everything=args.all,
        )
    if not tasks:
        if args.resume:
            clear_paused(project.workspace.store)
        print(f"nothing to run: every selected task in {project.roadmap_path.name} is done")
        project.workspace.close()
        return EXIT_OK
    ready_to_run(project)
    summary = run_tasks(
        project,
        tasks,
        keep_going=args.keep_going,
        as_json=args.json,
        yes=args.yes,
        resuming=args.resume,
    )
    return summary.exit_code
