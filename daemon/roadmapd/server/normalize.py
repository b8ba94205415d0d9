"""`roadmapd.normalizeRoadmap {uri}`: the document converted into a task list by the model
(`roadmapd.normalize`: one completion, retried once when the answer does not parse cleanly),
offered as one `workspace/applyEdit` that replaces the whole document, so the editor can undo
it. The code action "Convert to a task list" (`code_actions.py`) runs it.

The edit names the version the model saw; when the document changed while the model worked,
nothing is sent and the answer says so. While the model works the client shows a work-done
progress (when it supports them), so a request of tens of seconds is not silent.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from roadmapd.agent.pricing import format_cost, is_estimate
from roadmapd.roadmap import split_lines
from roadmapd.roadmap.columns import utf16_len
from roadmapd_protocol import CMD_NORMALIZE_ROADMAP, DocumentRef

from .breakdown import log_event
from .commands import JsonRpcRequestFailed, document, validate
from .lenses import clip

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from roadmapd.config import Config

    from .documents import Documents
    from .settings import Settings

log = logging.getLogger(__name__)
LABEL = "roadmapd: convert to a task list"


class NormalizeFailed(JsonRpcRequestFailed):
    pass


def whole_document(text: str) -> types.Range:
    lines = split_lines(text)
    return types.Range(types.Position(0, 0), types.Position(len(lines) - 1, utf16_len(lines[-1])))


@contextlib.asynccontextmanager
async def progress(server: LanguageServer, title: str) -> AsyncIterator[None]:
    """A work-done progress (not cancellable) around the block, when the client supports it."""
    caps = server.client_capabilities.window
    token = str(uuid.uuid4())
    shown = False
    if caps is not None and caps.work_done_progress:
        try:
            await server.work_done_progress.create_async(token)
            server.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title))
            shown = True
        except Exception as exc:  # a client may refuse; the conversion goes on without it
            log.warning("client refused a progress: %s", exc)
    try:
        yield
    finally:
        if shown:
            server.work_done_progress.end(token, types.WorkDoneProgressEnd())


async def convert(
    server: LanguageServer, documents: Documents, config: Config, args: tuple[Any, ...]
) -> dict[str, Any]:
    from roadmapd.normalize.answer import fit_line_endings
    from roadmapd.normalize.ask import NormalizeError, normalize, settings_for

    ref = validate(DocumentRef, CMD_NORMALIZE_ROADMAP, args)
    parsed = document(documents, CMD_NORMALIZE_ROADMAP, ref.uri)
    settings = settings_for(config)
    estimate = is_estimate(settings.model)
    name = ref.uri.rsplit("/", 1)[-1]
    try:
        async with progress(server, f"roadmapd: converting {name} to a task list"):
            result = await normalize(
                settings, parsed.text, lambda e: log_event(e, estimate, "convert to a task list")
            )
    except NormalizeError as exc:
        raise NormalizeFailed(clip(str(exc), 2000)) from None
    now = documents.get(ref.uri)
    if now is None or now.text != parsed.text or now.version != parsed.version:
        raise NormalizeFailed(
            f"{ref.uri} changed while the model worked; nothing was replaced (run it again)"
        )
    new = fit_line_endings(parsed.text, result.text)
    edit = types.TextEdit(whole_document(parsed.text), new)
    doc = types.OptionalVersionedTextDocumentIdentifier(uri=ref.uri, version=parsed.version)
    params = types.ApplyWorkspaceEditParams(
        edit=types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(doc, [edit])]),
        label=LABEL,
    )
    reply = await server.workspace_apply_edit_async(params)
    tasks = result.roadmap.tasks
    cost = format_cost(result.usage.cost_usd, estimate=estimate)
    if reply.applied:
        done = sum(t.checked for t in tasks)
        message = f"{len(tasks)} tasks, {done} done (undo restores the original; {cost})"
    else:
        message = f"the editor did not apply the task list: {reply.failure_reason or 'no reason'}"
    return {
        "ok": bool(reply.applied),
        "message": message,
        "taskIds": [t.id for t in tasks],
        "costUsd": result.usage.cost_usd,
    }


def register(server: LanguageServer, documents: Documents, settings: Settings) -> None:
    @server.command(CMD_NORMALIZE_ROADMAP)
    async def normalize_roadmap(*args: Any) -> dict[str, Any]:
        return await convert(server, documents, settings.config, args)
