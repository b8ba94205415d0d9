"""The one transcript of a run: the lines every face shows for its events. No I/O.

It reads the JSON form of engine events (`engine.serialize.event_to_json`, secrets redacted),
which is also what the run log holds, so a run reads the same live and read back later.
`describe` turns one event into `Line`s (kind, text): the editor streams them as they happen
(`roadmapd/transcript`, the model's text deltas coalesced by the server). `run_lines` gives a
recorded run's lines for one task (text deltas joined), and `log_text` writes them down with
`as_text`: what the editor's "Show Log" shows and what `roadmapd log` prints.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from roadmapd.agent.pricing import format_cost
from roadmapd.engine.events import unprotected_summary
from roadmapd.problems import format_problem

Kind = Literal["text", "tool_call", "tool_result", "check", "status", "error"]
Line = tuple[Kind, str]
TOOL_RESULT_CHARS = 600
TOOL_VALUE_CHARS = 80
MAX_PROBLEMS = 50
MAX_FILES = 20


def _clip(text: str, limit: int) -> str:
    text = text.rstrip()
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more chars)"


def _tool_input(data: Any) -> str:
    """A bash command as it is; any other input as JSON with long values cut."""
    if not isinstance(data, dict):
        return _clip(str(data), TOOL_VALUE_CHARS)
    if "command" in data and len(data) == 1:
        return str(data["command"])
    shown = {k: _clip(v, TOOL_VALUE_CHARS) if isinstance(v, str) else v for k, v in data.items()}
    return json.dumps(shown, ensure_ascii=False)


def _problem(p: dict[str, Any]) -> Line:
    start = p.get("range", {}).get("start", {})
    message = str(p.get("message", ""))
    where = p.get("file")
    return (
        "check",
        format_problem(where, start.get("line", 0), start.get("character", 0), message),
    )


def _agent_line(event: dict[str, Any], cost_estimated: bool) -> Line | None:
    kind = event.get("type")
    if kind == "TurnStarted":
        return ("status", f"turn {event['turn']}")
    if kind == "ToolCall":
        data = event.get("input", {})
        if event["name"] == "ask_user" and isinstance(data, dict):  # the question in full
            choices = data.get("choices") or []
            listed = f" [choices: {' | '.join(map(str, choices))}]" if choices else ""
            question = _clip(str(data.get("question", "")), TOOL_RESULT_CHARS)
            return ("tool_call", f"ask_user: {question}{listed}")
        return ("tool_call", f"{event['name']}: {_tool_input(data)}")
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
        tokens = sum(v for k, v in usage.items() if k.endswith("tokens"))
        cost = format_cost(float(usage.get("cost_usd", 0.0)), estimate=cost_estimated)
        return (
            "status" if event["outcome"] == "end_turn" else "error",
            f"agent finished ({event['outcome']}) after {event['turns']} turns, "
            f"{tokens:,} tokens, {cost}" + (f": {event['reason']}" if event.get("reason") else ""),
        )
    return None


def describe(doc: dict[str, Any], *, cost_estimated: bool = False) -> list[Line]:
    """The transcript lines of one engine event (JSON form); a TextDelta gives none.
    `cost_estimated`: the models have no known price (costs read `~$...`)."""
    kind = doc.get("type")
    if kind == "AgentActivity":
        line = _agent_line(doc["event"], cost_estimated)
        return [line] if line else []
    if kind == "RunStarted":
        return [("status", f"run {doc['run_id']} started {doc['at']}")]
    if kind == "RunFinished":
        if doc.get("paused"):
            return [("status", f"run paused; not started: {', '.join(doc['paused'])}")]
        return [("status", f"run finished{' (cancelled)' if doc.get('cancelled') else ''}")]
    if kind == "TaskQueued":
        return [("status", f"task {doc['task_id']}: {doc['title']}")]
    if kind == "TaskStatusChanged":
        why = f": {doc['reason']}" if doc.get("reason") else ""
        bad = doc["status"] in ("failed", "interrupted", "regressed")
        return [("error" if bad else "status", f"status {doc['previous']} -> {doc['status']}{why}")]
    if kind == "AttemptStarted":
        batched = f", in the conversation of {doc['after']}" if doc.get("after") else ""
        made: list[Line] = [
            (
                "status",
                f"attempt {doc['attempt']} of {doc['max_attempts']} ({doc['mode']}{batched})",
            )
        ]
        if doc.get("message"):
            made.append(("status", f"to the model: {doc['message']}"))
        return made
    if kind == "CheckpointCreated":
        checkpoint: list[Line] = [("status", f"checkpoint {doc['ref']} ({doc['commit'][:10]})")]
        if doc.get("unprotected"):
            left_out = unprotected_summary(doc["unprotected"])
            checkpoint.append(("status", f"not protected by the checkpoint: {left_out}"))
        return checkpoint
    if kind == "ChecksStarted":
        return [("check", "running the checks")]
    if kind == "EvidenceChecked":
        if doc["passed"]:
            tests = ", ".join(doc.get("tests", [])[:MAX_PROBLEMS])
            which = f" ({tests})" if tests else ""
            return [("check", f"evidence: the pass has its evidence{which}")]
        return [("error", "evidence: missing (the reason follows)")]
    if kind == "ReviewFinished":
        review: list[Line] = [("check", f"review: {doc['decision']}: {doc['reason']}")]
        return review + [_problem(p) for p in doc.get("findings", [])[:MAX_PROBLEMS]]
    if kind == "ChecksFinished":
        lines: list[Line] = []
        for result in doc.get("results", []):
            verdict = "passed" if result["passed"] else "FAILED"
            lines.append(("check", f"{result['name']}: {verdict} · {result['summary']}"))
        lines.extend(_problem(p) for p in doc.get("problems", [])[:MAX_PROBLEMS])
        lines.append(
            ("check", f"checks {'passed' if doc['passed'] else 'failed'}: {doc['summary']}")
        )
        return lines
    if kind == "CheckboxUpdated":
        if doc.get("error"):
            return [("error", f"checkbox not updated: {doc['error']}")]
        return [("status", f"checkbox {'ticked' if doc['checked'] else 'unticked'}")]
    if kind == "Committed":
        files = ", ".join(doc.get("files", [])[:MAX_FILES])
        return [("status", f"committed {(doc.get('commit') or '-')[:12]} ({files})")]
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


def run_lines(
    records: Iterable[dict[str, Any]], task_id: str, *, cost_estimated: bool = False
) -> Iterator[Line]:
    """The lines of `task_id` in a recorded run (and of the run itself); the model's text
    deltas are joined into one text line per stretch of text."""
    text: list[str] = []
    for doc in records:
        owner = doc.get("task_id")
        if isinstance(owner, str) and owner != task_id:
            continue
        event = doc.get("event") if doc.get("type") == "AgentActivity" else None
        if isinstance(event, dict) and event.get("type") == "TextDelta":
            text.append(str(event.get("text", "")))
            continue
        joined = "".join(text).strip()
        text.clear()
        if joined:
            yield ("text", joined)
        yield from describe(doc, cost_estimated=cost_estimated)
    joined = "".join(text).strip()
    if joined:
        yield ("text", joined)


def as_text(line: Line) -> str:
    """`[kind] text`, the lines after the first indented under it."""
    kind, text = line
    prefix = f"[{kind}] "
    return prefix + text.replace("\n", "\n" + " " * len(prefix))


def log_text(
    records: Iterable[dict[str, Any]], task_id: str, *, cost_estimated: bool = False
) -> str:
    """A recorded run of one task as text: one `as_text` per line of `run_lines`."""
    lines = run_lines(records, task_id, cost_estimated=cost_estimated)
    return "".join(as_text(line) + "\n" for line in lines)
