"""Hover on a task line: the last run's summary, or what the roadmap says about the task.

In PR mode a task also shows its branch, whether it was pushed and its PR (URL and state) as
stored by the last `roadmapd run` / `roadmapd status` (`store/published.py`); the hover reads
that small record and never calls gh.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from lsprotocol import types

from roadmapd.agent.pricing import format_cost
from roadmapd.roadmap import Roadmap, Task
from roadmapd_protocol import (
    CMD_APPROVE_TASK,
    CMD_DIFF_TASK,
    CMD_REJECT_TASK,
    CMD_SHOW_LOG,
    TaskState,
)

from .inlay_hints import duration_text
from .task_states import TaskStates
from .taskview import blocked_by

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from .documents import Documents


def task_at(roadmap: Roadmap, line: int) -> Task | None:
    for task in roadmap.tasks:
        if task.line == line:
            return task
    return None


def _state_lines(uri: str, task: Task, state: TaskState) -> list[str]:
    lines = [f"**{task.id}** · {state.status.replace('_', ' ')}"]
    if state.maxAttempts or state.attempt:
        lines.append(f"- attempt {state.attempt} of {state.maxAttempts or '?'}")
    if state.phase:
        lines.append(f"- phase: {state.phase}")
    if state.turns:
        lines.append(f"- {state.turns} agent turns")
    if state.durationS is not None:
        lines.append(f"- took {duration_text(state.durationS)}")
    if state.inputTokens or state.outputTokens:
        lines.append(f"- tokens: {state.inputTokens:,} in / {state.outputTokens:,} out")
    if state.costUsd and state.reviewCostUsd:
        implementer = format_cost(state.costUsd, estimate=state.costEstimated)
        reviewer = format_cost(state.reviewCostUsd, estimate=state.costEstimated)
        lines.append(f"- cost: implementer {implementer} · reviewer {reviewer}")
    elif state.costUsd:
        lines.append(f"- cost: {format_cost(state.costUsd, estimate=state.costEstimated)}")
    if state.problems:
        lines.append(f"- {state.problems} problems (see the Problems panel)")
    if state.commit:
        lines.append(f"- commit `{state.commit[:12]}`")
    if state.reason:
        lines.append(f"- reason: {state.reason}")
    args = quote(json.dumps([{"uri": uri, "taskId": task.id}]))
    if state.status == "awaiting_approval":
        lines.append(
            f"\nThe checks passed; the commit waits for you: [Approve & commit](command:"
            f"{CMD_APPROVE_TASK}?{args}) · [Show diff](command:{CMD_DIFF_TASK}?{args})"
            f" · [Reject](command:{CMD_REJECT_TASK}?{args}) (undoes its changes)"
        )
    lines.append(
        f"\n[Show log](command:{CMD_SHOW_LOG}?{args})"
        f" · or run `roadmapd log {task.id}` in a terminal"
    )
    return lines


def _task_lines(roadmap: Roadmap, uri: str, task: Task, states: TaskStates) -> list[str]:
    lines = [f"**{task.id}** · {'done' if task.checked else 'not run yet'}"]
    if task.depends:
        waiting = blocked_by(roadmap, uri, task, states)
        note = f" (waiting for {', '.join(waiting)})" if waiting else ""
        lines.append(f"- depends on: {', '.join(task.depends)}{note}")
    if task.files:
        lines.append(f"- files: {', '.join(f'`{f}`' for f in task.files)}")
    if task.verify:
        lines.append(f"- verify: {', '.join(f'`{v}`' for v in task.verify)}")
    if task.acceptance:
        lines.append(f"- acceptance: {'; '.join(task.acceptance)}")
    return lines


PublishedLine = Callable[[str], str | None]  # task id -> "pushed: ..." (PR mode), or None


def hover_markdown(
    roadmap: Roadmap,
    uri: str,
    line: int,
    states: TaskStates,
    published: PublishedLine | None = None,
) -> str | None:
    """Markdown for a hover on `line`, or None when the line holds no task."""
    task = task_at(roadmap, line)
    if task is None:
        return None
    state = states.get(uri, task.id)
    if state is not None:
        lines = _state_lines(uri, task, state)
    else:
        lines = _task_lines(roadmap, uri, task, states)
    pr = published(task.id) if published is not None else None
    if pr:
        lines.insert(1, f"- {pr}")
    if task.id in roadmap.in_progress:  # Kiro's `[-]`
        lines.insert(1, "- ◐ marked in progress in the task file: ▶ Run task does it now")
    if task.id in roadmap.optional:  # Kiro's `[ ]*`
        lines.insert(1, "- optional: Run all leaves it out; run it on its own")
    return "\n".join(lines)


def published_lookup(root: Callable[[], Path | None]) -> PublishedLine:
    """The PR-mode line of a task from its stored record under the workspace `root()`."""

    def line(task_id: str) -> str | None:
        where = root()
        if where is None:
            return None
        from roadmapd.store.paths import StatePaths
        from roadmapd.store.published import load

        record = load(StatePaths.for_repo(where), task_id)
        return record.line() if record is not None else None

    return line


def register(
    server: LanguageServer,
    documents: Documents,
    states: TaskStates,
    published: PublishedLine | None = None,
) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(params: types.HoverParams) -> dict[str, Any] | None:
        uri = params.text_document.uri
        parsed = documents.get(uri)
        if parsed is None:
            return None
        line = params.position.line
        if published is None:
            text = hover_markdown(parsed.roadmap, uri, line, states)
        else:  # the PR record is a file: read off the event loop
            text = await asyncio.to_thread(
                hover_markdown, parsed.roadmap, uri, line, states, published
            )
        return {"contents": {"kind": "markdown", "value": text}} if text else None
