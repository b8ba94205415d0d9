"""Code lenses as plain JSON: what each task state shows, and the run-all/section lenses.

Pure builders (the table is in docs/editor.md); `lens_cache` keeps their encoded form per task
and answers `textDocument/codeLens`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from roadmapd.agent.pricing import format_cost
from roadmapd.roadmap import Task
from roadmapd.statuses import PAUSED_REASON
from roadmapd_protocol import (
    APPROVE_ANYWAY,
    CMD_ANSWER_TASK,
    CMD_APPROVE_TASK,
    CMD_CANCEL_TASK,
    CMD_DIFF_TASK,
    CMD_REJECT_TASK,
    CMD_RESUME_RUN,
    CMD_RETRY_TASK,
    CMD_ROLLBACK_TASK,
    CMD_RUN_ALL,
    CMD_RUN_SECTION,
    CMD_RUN_TASK,
    CMD_SHOW_LOG,
    TaskState,
)

if TYPE_CHECKING:
    from .taskview import Section

Lens = dict[str, Any]


def _lens(line: int, title: str, command: str = "", args: list[Any] | None = None) -> Lens:
    pos = {"line": line, "character": 0}
    cmd: dict[str, Any] = {"title": title, "command": command}
    if args is not None:
        cmd["arguments"] = args
    return {"range": {"start": pos, "end": pos}, "command": cmd}


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _result_summary(state: TaskState) -> str:
    parts = ["passed"]
    if state.status == "committed" and state.reason:  # why the pass counts: red->green...
        parts.append(clip(state.reason, 48))
    if state.turns:
        parts.append(plural(state.turns, "turn"))
    if state.costUsd:
        parts.append(format_cost(state.costUsd, estimate=state.costEstimated, short=True))
    return " · ".join(parts)


def _not_committed(state: TaskState) -> bool:
    """A task that passed its checks but whose commit was refused (or that needs attention
    after a conflict in its parallel lane): the reason says why."""
    return bool(state.reason) and (state.reason or "").startswith("not committed")


def _failure_summary(status: str, state: TaskState) -> str:
    if status == "failed" and state.problems:
        return plural(state.problems, "problem")
    return f"✗ {status}" + (f" · {state.reason}" if state.reason else "")


def task_lenses(uri: str, task: Task, state: TaskState | None, waiting: list[str]) -> list[Lens]:
    """The lenses of one task line, from its state (see docs/editor.md for the table)."""
    line = task.line
    ref = [{"uri": uri, "taskId": task.id}]
    status = state.status if state is not None else ("done" if task.checked else "pending")
    if status in ("queued", "running", "verifying"):
        assert state is not None
        phase = state.phase or status
        where = f"attempt {state.attempt} · {phase}" if state.attempt else phase
        return [_lens(line, "■ Cancel", CMD_CANCEL_TASK, ref), _lens(line, where)]
    if status == "awaiting_approval":
        anyway = state is not None and (state.reason or "").startswith(APPROVE_ANYWAY)
        return [
            _lens(
                line, "⚠ Approve anyway" if anyway else "✓ Approve & commit", CMD_APPROVE_TASK, ref
            ),
            _lens(line, "Show diff", CMD_DIFF_TASK, ref),
            _lens(line, "✗ Reject", CMD_REJECT_TASK, ref),
        ]
    if status == "needs_replan":
        assert state is not None
        why = (state.reason or "").removeprefix("needs replan: ")
        return [
            _lens(line, f"✎ needs replan: {clip(why, 60)}", CMD_SHOW_LOG, ref),
            _lens(line, "↻ Retry", CMD_RETRY_TASK, ref),
            _lens(line, "⟲ Roll back", CMD_ROLLBACK_TASK, ref),
        ]
    if status == "needs_input":  # its agent asked a question during a headless run
        assert state is not None
        question = (state.reason or "").removeprefix("needs input: ")
        return [
            _lens(line, f"? {clip(question, 60)} · Answer…", CMD_ANSWER_TASK, ref),
            _lens(line, "↻ Start over", CMD_RETRY_TASK, ref),
            _lens(line, "⟲ Roll back", CMD_ROLLBACK_TASK, ref),
        ]
    if status == "regressed":  # a done task whose own checks fail at HEAD (roadmapd verify)
        return [
            _lens(line, "⚠ regressed", CMD_SHOW_LOG, ref),
            _lens(line, "↻ Retry", CMD_RETRY_TASK, ref),
        ]
    if status in ("failed", "cancelled", "interrupted"):
        assert state is not None
        lenses = [
            _lens(line, "↻ Retry", CMD_RETRY_TASK, ref),
            _lens(line, _failure_summary(status, state), CMD_SHOW_LOG, ref),
        ]
        if status == "interrupted":
            lenses.append(_lens(line, "⟲ Roll back", CMD_ROLLBACK_TASK, ref))
        return lenses
    if status == "passed" and state is not None and _not_committed(state):
        return [
            _lens(line, f"⚠ {clip(state.reason or '', 70)}", CMD_SHOW_LOG, ref),
            _lens(line, "↻ Retry", CMD_RETRY_TASK, ref),
            _lens(line, "⟲ Roll back", CMD_ROLLBACK_TASK, ref),
        ]
    if status in ("passed", "committed"):
        assert state is not None
        return [
            _lens(line, f"✓ {_result_summary(state)}", CMD_SHOW_LOG, ref),
            _lens(line, "⟲ Roll back", CMD_ROLLBACK_TASK, ref),
        ]
    if status == "done":
        return [_lens(line, "✓ done")]
    if waiting:
        return [_lens(line, f"⏸ waits for {', '.join(waiting)}")]
    if state is not None and state.reason == PAUSED_REASON:  # a paused run did not start it
        return [
            _lens(line, "▶ Resume run", CMD_RESUME_RUN),
            _lens(line, "▶ Run task", CMD_RUN_TASK, ref),
        ]
    lenses = [_lens(line, "▶ Run task", CMD_RUN_TASK, ref)]
    if status == "rolled_back":
        lenses.append(_lens(line, "⟲ rolled back", CMD_SHOW_LOG, ref))
    return lenses


def header_lenses(
    uri: str,
    n_tasks: int,
    n_pending: int,
    sections: list[tuple[Section, int, int]],
    n_flying: int = 0,
) -> list[Lens]:
    """Run-all at the top, then one lens per (section, tasks, pending) that holds tasks.
    Never "all done" while a task is under way (`n_flying`)."""
    doc = {"uri": uri}
    if n_pending:
        top = _lens(0, f"▶ Run all pending ({n_pending})", CMD_RUN_ALL, [doc])
    elif n_flying:
        top = _lens(0, f"… {plural(n_flying, 'task')} under way")
    else:
        top = _lens(0, f"✓ all {plural(n_tasks, 'task')} done")
    rows = [top]
    for section, total, pending in sections:
        if total == n_tasks:
            continue  # a title heading over the whole file: "Run all" already says it
        line = section.heading.line
        if pending:
            args = [{"uri": uri, "headings": list(section.path)}]
            rows.append(_lens(line, f"▶ Run section ({pending} pending)", CMD_RUN_SECTION, args))
        elif total:
            rows.append(_lens(line, "✓ section done"))
    return rows


def clip(text: str, limit: int) -> str:
    """`text`, or its first `limit - 1` characters and an ellipsis (what a lens or a message
    holds)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
