"""Break a task into 2-7 subtasks proposed by the model: `roadmapd.breakDownTask {uri, taskId}`.

The agent session has no read-only mode, so this is one `agent.completion` (one Messages API
request on the agent's own path: its faults, retries, backoff and pricing; no tools, so the
model can neither edit nor run anything) with the task, the whole roadmap and a bounded
listing of the workspace's paths, asking for a JSON list of subtask titles. Its events go to
the server's log, its cost to the answer. The answer is validated (2-7 one-line titles, else a
clear error) and offered as a `workspace/applyEdit` that inserts nested `- [ ]` items under
the task, so the editor can undo it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from roadmapd.agent.events import AgentEvent, RetryScheduled
from roadmapd.agent.pricing import format_cost, is_estimate
from roadmapd.roadmap import Task
from roadmapd.roadmap.columns import utf16_len
from roadmapd_protocol import CMD_BREAK_DOWN_TASK, TaskRef

from . import occurrences
from .commands import JsonRpcRequestFailed, validate_task
from .completion import workspace_paths
from .lenses import clip

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from roadmapd.agent.completion import Completion
    from roadmapd.config import Config

    from .documents import Documents
    from .settings import Settings

log = logging.getLogger(__name__)

MIN_SUBTASKS, MAX_SUBTASKS = 2, 7
MAX_TITLE = 200
LISTING_LIMIT = 300
MAX_TOKENS = 2048
SYSTEM = (
    "You plan software work. You break one task of a project's ROADMAP.md into smaller "
    f"subtasks. Answer with a JSON array of {MIN_SUBTASKS} to {MAX_SUBTASKS} strings and "
    "nothing else: each string is one subtask title, one line, imperative, specific to this "
    "project, small enough for one focused change that can be verified by tests."
)
_MARKER = re.compile(r"^([ \t>]*)((?:[-*+]|\d{1,9}[.)])[ \t]+)")
_BOX_PREFIX = re.compile(r"^(?:[-*+]\s+)?\[[ xX]?\]\s*")


class BreakdownError(JsonRpcRequestFailed):
    pass


def prompt(task: Task, roadmap_text: str, paths: list[str]) -> str:
    listing = "\n".join(paths) if paths else "(no listing)"
    body = "\n".join(task.body)
    return (
        f"<roadmap>\n{roadmap_text}\n</roadmap>\n\n<files>\n{listing}\n</files>\n\n"
        f"Break down task {task.id} (line {task.line + 1}): {task.title}\n"
        + (f"Its details:\n{body}\n" if body.strip() else "")
        + f"Reply with a JSON array of {MIN_SUBTASKS}-{MAX_SUBTASKS} subtask titles."
    )


def parse_subtasks(answer: str) -> list[str]:
    """The subtask titles in the model's answer; BreakdownError saying what is wrong."""
    text = answer.strip()
    start, end = text.find("["), text.rfind("]")
    try:
        value = json.loads(text[start : end + 1] if 0 <= start < end else text)
    except json.JSONDecodeError:
        raise BreakdownError(
            f"the model did not answer with a JSON list of subtasks: {clip(answer, 200)!r}"
        ) from None
    if isinstance(value, dict):
        value = value.get("subtasks")
    if not isinstance(value, list):
        raise BreakdownError(f"expected a JSON list of subtask titles; got {clip(answer, 200)!r}")
    titles: list[str] = []
    for item in value:
        title = item.get("title") if isinstance(item, dict) else item
        if not isinstance(title, str) or not title.strip() or "\n" in title.strip():
            raise BreakdownError(f"a subtask must be a one-line title; got {clip(repr(item), 200)}")
        title = _BOX_PREFIX.sub("", " ".join(title.split()))
        if len(title) > MAX_TITLE:
            raise BreakdownError(f"a subtask title is longer than {MAX_TITLE} characters")
        if title and title not in titles:
            titles.append(title)
    if not MIN_SUBTASKS <= len(titles) <= MAX_SUBTASKS:
        raise BreakdownError(
            f"expected {MIN_SUBTASKS} to {MAX_SUBTASKS} distinct subtasks; got {len(titles)}"
        )
    return titles


def insertion(
    lines: list[str], task: Task, titles: list[str], eol: str = "\n"
) -> tuple[int, int, str]:
    """(line, UTF-16 column, text) that inserts `titles` as nested tasks after `task`'s item."""
    m = _MARKER.match(lines[task.line])
    lead, marker = (m.group(1), m.group(2)) if m else ("", "- ")
    bullet = marker[0] if marker[0] in "-*+" else "-"
    indent = lead + " " * len(marker.expandtabs(4))
    items = [f"{indent}{bullet} [ ] {title}" for title in titles]
    last = min(task.range.end.line, len(lines) - 1)
    if last + 1 < len(lines):
        return last + 1, 0, "".join(f"{item}{eol}" for item in items)
    return last, utf16_len(lines[last]), "".join(f"{eol}{item}" for item in items)


async def ask_model(config: Config, user: str) -> Completion:
    """One request without tools on the agent's request path; BreakdownError if it failed."""
    from roadmapd.agent.completion import complete  # here: the SDK loads when it is asked
    from roadmapd.role_settings import agent_settings

    role = config.role("breakdown")
    own_max = config.roles.breakdown.max_tokens or MAX_TOKENS  # a short answer, unless set
    settings = replace(agent_settings(config, "breakdown"), max_tokens=own_max)
    estimate = is_estimate(role.model)
    answer = await complete(
        settings, system=SYSTEM, prompt=user, on_event=lambda e: log_event(e, estimate)
    )
    if answer.failed:
        raise BreakdownError(f"the model request failed: {clip(answer.finished.reason, 400)}")
    return answer


def log_event(event: AgentEvent, cost_estimated: bool, what: str = "break down") -> None:
    """The server's log gets the request's events as a run's transcript says them."""
    from roadmapd.engine.events import AgentActivity
    from roadmapd.engine.serialize import event_to_json
    from roadmapd.transcript import describe

    doc = event_to_json(AgentActivity(run_id="", task_id="", attempt=1, event=event))
    for kind, text in describe(doc, cost_estimated=cost_estimated):
        loud = kind == "error" or isinstance(event, RetryScheduled)
        log.log(logging.WARNING if loud else logging.INFO, "%s: %s", what, text)


async def break_down(
    server: LanguageServer, documents: Documents, config: Config, args: tuple[Any, ...]
) -> dict[str, Any]:
    ref, task = validate_task(documents, TaskRef, CMD_BREAK_DOWN_TASK, args)
    parsed = documents.get(ref.uri)
    assert parsed is not None  # validate_task found the task in it
    if any(t.parent == task.id for t in parsed.roadmap.tasks):
        raise BreakdownError(f"{task.id} already has subtasks; break down one of them instead")
    root = documents.root
    paths = (await asyncio.to_thread(workspace_paths, root, LISTING_LIMIT))[0] if root else []
    answer = await ask_model(config, prompt(task, parsed.text, paths))
    titles = parse_subtasks(answer.text)
    usage = answer.finished.usage
    cost = format_cost(usage.cost_usd, estimate=is_estimate(config.role("breakdown").model))
    parsed = documents.get(ref.uri)  # the buffer may have changed while the model thought
    current = parsed.roadmap.task(task.id) if parsed is not None else None
    if parsed is None or current is None:
        raise BreakdownError(f"{task.id} is gone from {ref.uri}; nothing was inserted")
    eol = "\r\n" if "\r\n" in parsed.text else "\n"
    line, character, text = insertion(occurrences.of(parsed).lines, current, titles, eol)
    pos = types.Position(line, character)
    edit = types.TextEdit(types.Range(pos, pos), text)
    doc = types.OptionalVersionedTextDocumentIdentifier(uri=ref.uri, version=parsed.version)
    params = types.ApplyWorkspaceEditParams(
        edit=types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(doc, [edit])]),
        label=f"roadmapd: break down {task.id}",
    )
    result = await server.workspace_apply_edit_async(params)
    applied = bool(result.applied)
    if applied:
        message = f"{task.id}: {len(titles)} subtasks inserted (undo removes them; {cost})"
    else:
        reason = result.failure_reason or "no reason given"
        message = f"{task.id}: the editor did not apply the subtasks: {reason}"
    return {
        "ok": applied,
        "message": message,
        "taskId": task.id,
        "subtasks": titles,
        "costUsd": usage.cost_usd,
    }


def register(server: LanguageServer, documents: Documents, settings: Settings) -> None:
    @server.command(CMD_BREAK_DOWN_TASK)
    async def break_down_task(*args: Any) -> dict[str, Any]:
        return await break_down(server, documents, settings.config, args)
