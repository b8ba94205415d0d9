"""What a `roadmapd run` (or `roadmapd answer`) did: its `RunSummary`, the exit code that
follows from it, and the summary printed at its end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from roadmapd.agent.pricing import is_estimate
from roadmapd.console.common import (
    EXIT_CANCELLED,
    EXIT_FAILED,
    EXIT_NEEDS_INPUT,
    EXIT_OK,
    EXIT_PAUSED,
    Project,
    problem_line,
)
from roadmapd.console.progress import format_usage
from roadmapd.engine import DONE, TaskOutcome, TaskStatus


@dataclass
class RunSummary:
    outcomes: list[TaskOutcome] = field(default_factory=list)
    not_run: dict[str, str] = field(default_factory=dict)  # task id -> reason
    skipped: list[str] = field(default_factory=list)  # never started: stopped after a failure
    stopped_by: str | None = None
    cancelled: bool = False
    current: str | None = None  # the task under way (the one a cancel stopped)
    regressed: list[str] = field(default_factory=list)  # by the re-verify after the run
    paused: list[str] = field(default_factory=list)  # not started because of a pause
    run_id: str | None = None  # the engine run of the last task started
    unpushed: list[str] = field(default_factory=list)  # PR mode: committed, push failed

    @property
    def exit_code(self) -> int:
        if self.cancelled:
            return EXIT_CANCELLED
        asking = [o for o in self.outcomes if o.status is TaskStatus.NEEDS_INPUT]
        ok = all(
            (_succeeded(o) or o in asking) and o.task_id not in self.not_run for o in self.outcomes
        )
        if not ok or self.regressed or self.unpushed or (self.skipped and not asking):
            return EXIT_FAILED
        if asking:
            return EXIT_NEEDS_INPUT
        return EXIT_PAUSED if self.paused else EXIT_OK


def _succeeded(outcome: TaskOutcome) -> bool:
    """Committed (or done before); a task that passed but was not committed is no success."""
    if outcome.status is TaskStatus.PASSED and outcome.commit is None:
        return False
    return outcome.status in DONE


def print_summary(project: Project, summary: RunSummary, out: TextIO) -> None:
    root = project.workspace.root
    estimated = is_estimate(*project.workspace.config.priced_models)
    lines = ["", "Summary:"]
    for o in summary.outcomes:
        if o.task_id in summary.not_run:
            lines.append(f"  {o.task_id}: not run: {summary.not_run[o.task_id]}")
            continue
        plural = "s" if o.attempts != 1 else ""
        usage = format_usage(o.usage, estimated)
        facts = f"{o.attempts} attempt{plural}, {o.turns} turns, {usage}"
        commit = f", commit {o.commit[:10]}" if o.commit else ""
        lines.append(f"  {o.task_id}: {o.status.value} ({facts}{commit})")
        if o.status not in DONE and o.reason:
            lines.append(f"    reason: {o.reason}")
        if o.status is TaskStatus.PASSED and o.reason:
            lines.append(f"    not committed: {o.reason}")
        if o.status is TaskStatus.NEEDS_INPUT:
            lines.append(f'    to continue: roadmapd answer {o.task_id} "your answer"')
        lines += [f"    {problem_line(p, root)}" for p in o.problems]
        if o.status in (TaskStatus.FAILED, TaskStatus.CANCELLED) and o.attempts:
            lines.append(
                "    the working tree is as the agent left it; to undo: "
                f"roadmapd rollback {o.task_id}"
            )
    if summary.skipped:
        lines.append(
            f"  not started after {summary.stopped_by} did not pass: {', '.join(summary.skipped)}"
            " (--keep-going runs them anyway)"
        )
    if summary.paused:
        lines.append(
            f"  paused; not started: {', '.join(summary.paused)} (roadmapd run --resume runs them)"
        )
    if summary.cancelled and summary.current is not None:
        lines.append(
            f"  cancelled during {summary.current}; its checkpoint is kept: "
            f"roadmapd rollback {summary.current} undoes its changes"
        )
    print("\n".join(lines), file=out)
