"""Transcript lines of a run: what `roadmapd/transcript` streams and what `showLog` returns.

Both are built from the JSON form of engine events (`event_to_json`, secrets redacted), so
the live transcript and the log read back after a restart say the same thing. Text deltas are
not described one by one: the live side coalesces them (`TextCoalescer`), the log joins them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any, Literal

from roadmapd.agent.pricing import format_cost
from roadmapd.engine.events import unprotected_summary

Kind = Literal["text", "tool_call", "tool_result", "check", "status", "error"]
Line = tuple[Kind, str]
TOOL_RESULT_CHARS = 600
TOOL_INPUT_CHARS = 300
FLUSH_AFTER_S = 0.1


def _clip(text: str, limit: int) -> str:
    text = text.rstrip()
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more chars)"


def _agent_line(event: dict[str, Any], cost_estimated: bool) -> Line | None:
    kind = event.get("type")
    if kind == "TurnStarted":
        return ("status", f"turn {event['turn']}")
    if kind == "ToolCall":
        args = _clip(str(event.get("input", {})), TOOL_INPUT_CHARS)
        return ("tool_call", f"{event['name']} {args}")
    if kind == "ToolResult":
        tag = " (error)" if event.get("is_error") else ""
        return ("tool_result", f"{event['name']}{tag}: {_clip(event['output'], TOOL_RESULT_CHARS)}")
    if kind == "RetryScheduled":
        return (
            "status",
            f"API retry {event['retry']} in {event['delay_s']:.1f}s: {event['reason']}",
        )
    if kind == "AgentFinished":
        usage = event.get("usage", {})
        cost = format_cost(float(usage.get("cost_usd", 0.0)), estimate=cost_estimated)
        return (
            "status" if event["outcome"] == "end_turn" else "error",
            f"agent finished ({event['outcome']}) after {event['turns']} turns, {cost}"
            + (f": {event['reason']}" if event.get("reason") else ""),
        )
    return None


def _problem(p: dict[str, Any]) -> str:
    start = p["range"]["start"]
    where = f"{p.get('file') or '?'}:{start['line'] + 1}:{start['character'] + 1}"
    return f"  {where}: {p['message'].splitlines()[0] if p['message'] else ''} [{p['source']}]"


def describe(doc: dict[str, Any], *, cost_estimated: bool = False) -> list[Line]:
    """The transcript lines of one engine event (JSON form); TextDelta gives none.
    `cost_estimated`: the models have no known price (costs read `~$...`)."""
    kind = doc.get("type")
    if kind == "AgentActivity":
        line = _agent_line(doc["event"], cost_estimated)
        return [line] if line else []
    if kind == "TaskStatusChanged":
        why = f": {doc['reason']}" if doc.get("reason") else ""
        bad = doc["status"] in ("failed", "interrupted")
        return [("error" if bad else "status", f"{doc['task_id']} is {doc['status']}{why}")]
    if kind == "AttemptStarted":
        return [("status", f"attempt {doc['attempt']} of {doc['max_attempts']} ({doc['mode']})")]
    if kind == "CheckpointCreated":
        made: list[Line] = [("status", f"checkpoint {doc['ref']}")]
        if doc.get("unprotected"):
            left_out = unprotected_summary(doc["unprotected"])
            made.append(("status", f"not protected by the checkpoint: {left_out}"))
        return made
    if kind == "ChecksStarted":
        return [("check", "running the checks")]
    if kind == "ReviewFinished":
        review: list[Line] = [("check", f"review: {doc['decision']}: {doc['reason']}")]
        return review + [("check", _problem(p)) for p in doc.get("findings", [])[:50]]
    if kind == "ChecksFinished":
        lines: list[Line] = []
        for result in doc.get("results", []):
            verdict = "passed" if result["passed"] else "FAILED"
            lines.append(("check", f"{result['name']}: {verdict} · {result['summary']}"))
        lines.extend(("check", _problem(p)) for p in doc.get("problems", [])[:50])
        lines.append(
            ("check", f"checks {'passed' if doc['passed'] else 'failed'}: {doc['summary']}")
        )
        return lines
    if kind == "CheckboxUpdated":
        if doc.get("error"):
            return [("error", f"checkbox not updated: {doc['error']}")]
        return [("status", f"checkbox {'ticked' if doc['checked'] else 'unticked'}")]
    if kind == "Committed":
        files = ", ".join(doc.get("files", [])[:20])
        return [("status", f"committed {str(doc['commit'])[:12]} ({files})")]
    if kind == "RolledBack":
        what = "undo of the rollback" if doc.get("undo") else "rollback"
        if not doc["done"]:
            return [("error", f"{what} refused: {doc['reason']}")]
        saved = f"; the state before is at {doc['backup_ref']}" if doc.get("backup_ref") else ""
        done = "rollback undone" if doc.get("undo") else "rolled back"
        return [("status", f"{done} ({doc['method']}){saved}")]
    if kind == "TaskNotRunnable":
        return [("error", f"{doc['task_id']} not run: {doc['reason']}")]
    return []


def task_of(doc: dict[str, Any]) -> str | None:
    value = doc.get("task_id")
    return value if isinstance(value, str) else None


def log_text(
    records: Iterable[dict[str, Any]], task_id: str, *, cost_estimated: bool = False
) -> str:
    """A run log as readable text for one task (its records, text deltas joined)."""
    out: list[str] = []
    text: list[str] = []

    def flush_text() -> None:
        joined = "".join(text).strip()
        if joined:
            out.extend(f"  │ {line}" for line in joined.splitlines())
        text.clear()

    for doc in records:
        if doc.get("type") == "RunStarted":
            out.append(f"run {doc['run_id']} started {doc['at']}")
            continue
        if doc.get("type") == "RunFinished":
            flush_text()
            out.append(f"run finished{' (cancelled)' if doc.get('cancelled') else ''}")
            continue
        if task_of(doc) != task_id:
            continue
        event = doc.get("event") if doc.get("type") == "AgentActivity" else None
        if isinstance(event, dict) and event.get("type") == "TextDelta":
            text.append(str(event.get("text", "")))
            continue
        flush_text()
        lines = describe(doc, cost_estimated=cost_estimated)
        out.extend(f"[{kind}] {line}" for kind, line in lines)
    flush_text()
    return "\n".join(out) + "\n"


class TextCoalescer:
    """Collects a task's text deltas; emits whole lines at once and the rest after ~100 ms."""

    def __init__(self, emit: Callable[[str, int, str], None]) -> None:
        self._emit = emit
        self._buffers: dict[str, tuple[int, list[str]]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def add(self, task_id: str, attempt: int, text: str) -> None:
        held = self._buffers.get(task_id)
        if held is not None and held[0] != attempt:
            self.flush(task_id)
            held = None
        if held is None:
            held = self._buffers[task_id] = (attempt, [])
        held[1].append(text)
        if "\n" in text:
            joined = "".join(held[1])
            complete, _, rest = joined.rpartition("\n")
            held[1][:] = [rest] if rest else []
            if complete.strip():
                self._emit(task_id, attempt, complete)
        if held[1] and task_id not in self._timers:
            loop = asyncio.get_running_loop()
            self._timers[task_id] = loop.call_later(FLUSH_AFTER_S, self.flush, task_id)

    def flush(self, task_id: str) -> None:
        timer = self._timers.pop(task_id, None)
        if timer is not None:
            timer.cancel()
        held = self._buffers.pop(task_id, None)
        if held is not None and "".join(held[1]):
            self._emit(task_id, held[0], "".join(held[1]))
