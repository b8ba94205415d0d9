"""Hover on a task line: the last run's summary, or what the roadmap says about the task."""

from __future__ import annotations

import json
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
    if state.costUsd:
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


def hover_markdown(roadmap: Roadmap, uri: str, line: int, states: TaskStates) -> str | None:
    """Markdown for a hover on `line`, or None when the line holds no task."""
    task = task_at(roadmap, line)
    if task is None:
        return None
    state = states.get(uri, task.id)
    if state is not None:
        return "\n".join(_state_lines(uri, task, state))
    return "\n".join(_task_lines(roadmap, uri, task, states))


def register(server: LanguageServer, documents: Documents, states: TaskStates) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(params: types.HoverParams) -> dict[str, Any] | None:
        uri = params.text_document.uri
        parsed = documents.get(uri)
        if parsed is None:
            return None
        text = hover_markdown(parsed.roadmap, uri, params.position.line, states)
        return {"contents": {"kind": "markdown", "value": text}} if text else None
