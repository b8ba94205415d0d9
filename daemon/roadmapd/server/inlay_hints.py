"""Inlay hints: a task's last result after its title (`✓ 4 turns · $0.03`, `✗ 3 problems`).

Read from the `TaskStates` port; tasks that never ran get no hint (the code lenses stay the
primary surface). A state change asks the client to refresh its hints, when it supports that.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from roadmapd.agent.pricing import format_cost
from roadmapd.roadmap import Task
from roadmapd.roadmap.columns import utf16_len
from roadmapd_protocol import TaskState

from . import occurrences

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from .background import Background
    from .documents import Documents
    from .task_states import TaskStates


def duration_text(seconds: float) -> str:
    """`2m14s`, `45s`, `1h03m`: short enough to sit after a title."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def hint_label(state: TaskState) -> str:
    """The short text shown after the title for a recorded state."""
    status = state.status
    if status in ("passed", "committed"):
        parts = ["✓"]
        if state.durationS is not None:
            parts.append(duration_text(state.durationS))
        elif state.turns:
            parts.append(f"{state.turns} turn" + ("" if state.turns == 1 else "s"))
        if state.costUsd:
            parts.append(format_cost(state.costUsd, estimate=state.costEstimated, short=True))
        return " ".join(parts) if len(parts) > 1 else f"✓ {status}"
    if status == "failed" and state.problems:
        return f"✗ {state.problems} problem" + ("" if state.problems == 1 else "s")
    if status in ("failed", "cancelled", "interrupted"):
        return f"✗ {status}"
    if status == "regressed":
        return "⚠ regressed"
    if status in ("queued", "running", "verifying"):
        return f"… {state.phase or status}"
    return "⟲ rolled back" if status == "rolled_back" else ""


def inlay_hints(
    tasks: tuple[Task, ...], lines: list[str], states: Any, uri: str, first: int, last: int
) -> list[dict[str, Any]]:
    out = []
    for task in tasks:
        if not first <= task.line <= last:
            continue
        state = states.get(uri, task.id)
        label = hint_label(state) if state is not None else ""
        if not label:
            continue
        text = lines[task.line].rstrip()
        out.append(
            {
                "position": {"line": task.line, "character": utf16_len(text)},
                "label": label,
                "paddingLeft": True,
                "tooltip": f"{task.id}: {state.status.replace('_', ' ')} (roadmapd)",
            }
        )
    return out


class HintRefresher:
    """Asks the client to re-query inlay hints after state changes (coalesced)."""

    def __init__(self, server: LanguageServer, background: Background) -> None:
        self._server, self._background = server, background
        self._pending = False

    def changed(self, state: TaskState) -> None:
        ws = self._server.client_capabilities.workspace
        if ws is None or ws.inlay_hint is None or not ws.inlay_hint.refresh_support:
            return
        if not self._pending:
            self._pending = True
            self._background.spawn(self._refresh(), "inlayHint refresh")

    async def _refresh(self) -> None:
        await asyncio.sleep(0)
        self._pending = False
        await self._server.workspace_inlay_hint_refresh_async(None)


def register(
    server: LanguageServer, documents: Documents, states: TaskStates, background: Background
) -> None:
    states.subscribe(HintRefresher(server, background).changed)

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    async def hints(params: types.InlayHintParams) -> Any:
        uri = params.text_document.uri
        parsed = documents.get(uri)
        if parsed is None:
            return []
        r = params.range
        lines = occurrences.of(parsed).lines
        return inlay_hints(parsed.roadmap.tasks, lines, states, uri, r.start.line, r.end.line)
